// npm run oe-conformance -- --bitbake DIR --build DIR [--bake-build DIR] [--recipes DIR …] [--limit N] [--every K]
//   [--as-user USER] [--appends] [--var NAME …] [--out FILE] [RECIPE.bb …]
// BitBake itself against bake on the recipes of one or more layers (openembedded-core's meta,
// meta-openembedded's ten): the recipe files are those the build directory's BBFILES and
// BBFILES_DYNAMIC collect from its BBLAYERS, less BBMASK, as `bake -p` parses them, kept to those
// under a --recipes directory (repeatable: a layer, or a directory holding several; none: all).
// For each recipe file, what BitBake's parser makes of it (scripts/oe-conformance/bitbake-dump.py,
// through BitBake's tinfoil) and what bake's makes of it, compared on PN, PV, PR, SRC_URI, DEPENDS,
// RDEPENDS:${PN}, PROVIDES, PACKAGES, FILES:${PN}, LICENSE, the task list and each task's
// [depends]. Prints how many recipes parse with each and the match rate per variable (and per
// layer when there are several); --out keeps every difference. With --appends each recipe has its
// bbappends (BitBake finds its own: its tinfoil then loads every recipe first, from its parse
// cache when the build directory has a warm one); without, neither tool applies any. Values are compared with runs of
// whitespace collapsed; task lists and [depends] as sets of words. --var adds a compared value
// (repeatable): a variable, or a flag as VAR[flag] (fetcher_hashes_dummyfunc[vardepvalue] is what
// bb.fetch2.get_hashvalue gives do_fetch's signature); one that fails to expand reads "!error".
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { collectRecipes } from "../lib/config/collection.js";
import { loadBuildConfiguration } from "../lib/config/index.js";
import type { DataStore } from "../lib/data/index.js";
import { parseRecipe } from "../lib/evaluate/index.js";
import { withPython } from "../lib/python/index.js";

const BASE_VARIABLES = ["PN", "PV", "PR", "SRC_URI", "DEPENDS", "RDEPENDS:${PN}", "PROVIDES", "PACKAGES", "FILES:${PN}", "LICENSE"];
let VARIABLES = BASE_VARIABLES;

/** A compared value: a variable, or VAR[flag]; "!error" when it cannot be expanded. */
function valueOf(d: DataStore, name: string): string | null {
  try {
    const flag = /^(.*)\[(.*)\]$/.exec(name);
    return flag ? d.getVarFlag(flag[1]!, flag[2]!) : d.getVar(d.expand(name));
  } catch {
    return "!error";
  }
}
const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

interface Dump {
  file: string;
  vars?: Record<string, string | null>;
  tasks?: string[];
  depends?: Record<string, string | null>;
  skipped?: string;
  error?: string;
}

/** The recipe files the build directory collects (BBLAYERS, BBFILES, BBFILES_DYNAMIC, BBMASK), under one of `dirs` (all when none). */
async function recipeFiles(
  build: string,
  dirs: readonly string[],
): Promise<{ files: string[]; layerOf: Map<string, string>; appends: ReadonlyMap<string, readonly string[]> }> {
  const config = await withPython(() => loadBuildConfiguration({ topdir: build }));
  const under = dirs.map((d) => resolve(d) + sep);
  const files: string[] = [];
  const layerOf = new Map<string, string>();
  const collection = collectRecipes(config.metadata.d, config.layers);
  for (const r of collection.recipes) {
    if (under.length > 0 && !under.some((u) => r.path.startsWith(u))) continue;
    files.push(r.path);
    layerOf.set(r.path, r.layer?.name ?? "-");
  }
  return { files: files.sort(), layerOf, appends: collection.appends };
}

function bitbakeDumps(bitbake: string, build: string, files: readonly string[], user: string | null, appends: boolean): Map<string, Dump> {
  const script = join(repo, "scripts", "oe-conformance", "bitbake-dump.py");
  const command = ["python3", script, bitbake, ...files];
  const env = {
    ...process.env,
    LANG: "en_US.UTF-8",
    PATH: `${join(bitbake, "bin")}:${process.env.PATH}`,
    BAKE_CONFORMANCE_APPENDS: appends ? "1" : "0",
    BAKE_CONFORMANCE_VARS: VARIABLES.join("\n"),
  };
  // runuser rather than su: the unprivileged users BitBake is run as (nobody) have no login shell.
  const r = user
    ? spawnSync("runuser", ["-u", user, "--", ...command], { cwd: build, env: { ...env, HOME: build }, encoding: "utf8", maxBuffer: 1 << 30 })
    : spawnSync(command[0]!, command.slice(1), { cwd: build, env, encoding: "utf8", maxBuffer: 1 << 30 });
  const dumps = new Map<string, Dump>();
  for (const line of r.stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const d = JSON.parse(line) as Dump;
    dumps.set(d.file, d);
  }
  if (dumps.size === 0) throw new Error(`BitBake produced nothing (exit ${r.status}):\n${r.stderr.slice(-3000)}`);
  return dumps;
}

async function bakeDumps(build: string, files: readonly string[], appends: ReadonlyMap<string, readonly string[]> | null): Promise<Map<string, Dump>> {
  const config = await withPython(() => loadBuildConfiguration({ topdir: build }));
  const dumps = new Map<string, Dump>();
  for (const file of files) {
    try {
      const r = await withPython(() => parseRecipe(config.metadata, file, appends?.get(file) ?? [], config.files));
      if (r.skipped !== null) {
        dumps.set(file, { file, skipped: r.skipped });
        continue;
      }
      const d = r.metadata.d;
      const vars: Record<string, string | null> = {};
      for (const v of VARIABLES) vars[v] = valueOf(d, v);
      const tasks = r.metadata.tasks.map((t) => d.expand(t));
      const depends: Record<string, string | null> = {};
      for (const t of tasks) depends[t] = d.getVarFlag(t, "depends");
      dumps.set(file, { file, vars, tasks, depends });
    } catch (err) {
      dumps.set(file, { file, error: err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 600) : String(err) });
    }
  }
  return dumps;
}

// The two build directories differ; paths under them are compared as ${TOPDIR}.
let topdirs: string[] = [];
const untop = (v: string) => topdirs.reduce((s, t) => s.split(t).join("${TOPDIR}"), v);
const norm = (v: string | null | undefined) => untop((v ?? "").split(/\s+/).filter(Boolean).join(" "));
const wordSet = (v: string | null | undefined) => untop([...new Set((v ?? "").split(/\s+/).filter(Boolean))].sort().join(" "));

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      bitbake: { type: "string" },
      build: { type: "string" },
      "bake-build": { type: "string" },
      recipes: { type: "string", multiple: true },
      limit: { type: "string" },
      every: { type: "string" },
      "as-user": { type: "string" },
      appends: { type: "boolean" },
      out: { type: "string" },
      var: { type: "string", multiple: true },
    },
  });
  if (!values.bitbake || !values.build) {
    process.stderr.write("usage: oe-conformance --bitbake DIR --build DIR [--bake-build DIR] [--recipes DIR …] [--limit N] [--every K] [--as-user U] [--appends] [--var NAME …] [--out F] [FILES]\n");
    return 2;
  }
  VARIABLES = [...BASE_VARIABLES, ...(values.var ?? [])];
  const collected = await recipeFiles(resolve(values["bake-build"] ?? values.build), values.recipes ?? []);
  let files = positionals.length > 0 ? positionals.map((f) => resolve(f)) : collected.files;
  const every = Number(values.every ?? 1);
  files = files.filter((_, i) => i % every === 0);
  if (values.limit) files = files.slice(0, Number(values.limit));
  // Longest first: one build directory's path can begin with the other's (moe, moe-bake).
  topdirs = [resolve(values.build), resolve(values["bake-build"] ?? values.build)].sort((a, b) => b.length - a.length);
  const t0 = performance.now();
  const theirs = bitbakeDumps(resolve(values.bitbake), resolve(values.build), files, values["as-user"] ?? null, values.appends === true);
  const t1 = performance.now();
  const ours = await bakeDumps(resolve(values["bake-build"] ?? values.build), files, values.appends === true ? collected.appends : null);
  const t2 = performance.now();

  const columns = [...VARIABLES, "tasks", "[depends]"];
  const matched = new Map(columns.map((c) => [c, 0]));
  const differences: { file: string; what: string; bitbake: unknown; bake: unknown }[] = [];
  let bothParsed = 0;
  let bitbakeParsed = 0;
  let bakeParsed = 0;
  let skippedBoth = 0;
  let skipDisagree = 0;
  let bitbakeErrors = 0;
  const bakeErrors: { file: string; error: string }[] = [];
  // Per layer (BBFILE_COLLECTIONS name): files, parsed by both, and of those how many match on every column.
  const perLayer = new Map<string, { files: number; both: number; all: number }>();
  for (const file of files) {
    const b = theirs.get(file);
    const o = ours.get(file)!;
    const layer = collected.layerOf.get(file) ?? "-";
    const stats = perLayer.get(layer) ?? { files: 0, both: 0, all: 0 };
    perLayer.set(layer, stats);
    stats.files++;
    if (b === undefined || b.error) bitbakeErrors++;
    if (o.error) bakeErrors.push({ file, error: o.error });
    const bOk = b !== undefined && b.vars !== undefined;
    const oOk = o.vars !== undefined;
    if (bOk) bitbakeParsed++;
    if (oOk) bakeParsed++;
    if (b?.skipped && o.skipped) skippedBoth++;
    else if ((b?.skipped !== undefined) !== (o.skipped !== undefined) && !o.error) {
      skipDisagree++;
      differences.push({ file, what: "skipped", bitbake: b?.skipped ?? null, bake: o.skipped ?? null });
    }
    if (!bOk || !oOk) continue;
    bothParsed++;
    stats.both++;
    const before = differences.length;
    for (const v of VARIABLES) {
      if (norm(b.vars![v]) === norm(o.vars![v])) matched.set(v, matched.get(v)! + 1);
      else differences.push({ file, what: v, bitbake: b.vars![v], bake: o.vars![v] });
    }
    if (wordSet(b.tasks!.join(" ")) === wordSet(o.tasks!.join(" "))) matched.set("tasks", matched.get("tasks")! + 1);
    else differences.push({ file, what: "tasks", bitbake: b.tasks, bake: o.tasks });
    const taskDiffs = b.tasks!.filter((t) => wordSet(b.depends![t]) !== wordSet(o.depends?.[t]));
    if (taskDiffs.length === 0) matched.set("[depends]", matched.get("[depends]")! + 1);
    else for (const t of taskDiffs) differences.push({ file, what: `${t}[depends]`, bitbake: b.depends![t], bake: o.depends?.[t] ?? null });
    if (differences.length === before) stats.all++;
  }
  const pct = (n: number, of: number) => (of === 0 ? "-" : `${((100 * n) / of).toFixed(1)}%`);
  const lines = [
    `recipes compared: ${files.length}${values.appends === true ? `, with their bbappends (${files.filter((f) => collected.appends.has(f)).length} have any)` : ", without bbappends"}`,
    `parsed (not skipped) by BitBake: ${bitbakeParsed}; by bake: ${bakeParsed}; skipped by both: ${skippedBoth}; ` +
      `skip decision differs: ${skipDisagree}; BitBake errors: ${bitbakeErrors}; bake errors: ${bakeErrors.length}`,
    `time: BitBake ${((t1 - t0) / 1000).toFixed(1)} s, bake ${((t2 - t1) / 1000).toFixed(1)} s (one process each, configuration included)`,
    "",
    `| value | matches (of ${bothParsed} parsed by both) |`,
    "| --- | --- |",
    ...columns.map((c) => `| ${c} | ${matched.get(c)} (${pct(matched.get(c)!, bothParsed)}) |`),
  ];
  if (perLayer.size > 1) {
    lines.push("", "| layer | recipe files | parsed by both | all columns match |", "| --- | --- | --- | --- |");
    for (const [layer, n] of perLayer) lines.push(`| ${layer} | ${n.files} | ${n.both} | ${n.all} (${pct(n.all, n.both)}) |`);
  }
  process.stdout.write(lines.join("\n") + "\n");
  const errorKinds = new Map<string, number>();
  for (const e of bakeErrors) {
    const key = e.error.split("\n")[0]!.replace(/\/[^\s:]+/g, "PATH").slice(0, 140);
    errorKinds.set(key, (errorKinds.get(key) ?? 0) + 1);
  }
  if (errorKinds.size > 0) {
    process.stdout.write("\nbake errors, by kind:\n");
    for (const [k, n] of [...errorKinds].sort((a, b) => b[1] - a[1]).slice(0, 25)) process.stdout.write(`  ${n}  ${k}\n`);
  }
  if (values.out) writeFileSync(values.out, JSON.stringify({ summary: lines, bakeErrors, differences }, null, 1));
  return 0;
}

process.exitCode = await main();
