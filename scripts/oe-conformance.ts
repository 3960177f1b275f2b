// npm run oe-conformance -- --bitbake DIR --build DIR [--bake-build DIR] [--recipes DIR] [--limit N] [--every K]
//   [--as-user USER] [--out FILE] [RECIPE.bb …]
// BitBake itself against bake on the recipes of a layer (openembedded-core's meta): for each
// recipe file, what BitBake's parser makes of it (scripts/oe-conformance/bitbake-dump.py, through
// BitBake's tinfoil) and what bake's makes of it, compared on PN, PV, PR, SRC_URI, DEPENDS,
// RDEPENDS:${PN}, PROVIDES, PACKAGES, FILES:${PN}, LICENSE, the task list and each task's
// [depends]. Prints how many recipes parse with each and the match rate per variable; --out keeps
// every difference. Values are compared with runs of whitespace collapsed; task lists and
// [depends] as sets of words.
import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadBuildConfiguration } from "../lib/config/index.js";
import { parseRecipe } from "../lib/evaluate/index.js";
import { withPython } from "../lib/python/index.js";

const VARIABLES = ["PN", "PV", "PR", "SRC_URI", "DEPENDS", "RDEPENDS:${PN}", "PROVIDES", "PACKAGES", "FILES:${PN}", "LICENSE"];
const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

interface Dump {
  file: string;
  vars?: Record<string, string | null>;
  tasks?: string[];
  depends?: Record<string, string | null>;
  skipped?: string;
  error?: string;
}

function recipeFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory() && depth < 3 && e.name !== "files") walk(p, depth + 1);
      else if (e.isFile() && e.name.endsWith(".bb") && depth === 2) out.push(p);
    }
  };
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory() && e.name.startsWith("recipes-")) walk(join(dir, e.name), 1);
  }
  return out.sort();
}

function bitbakeDumps(bitbake: string, build: string, files: readonly string[], user: string | null): Map<string, Dump> {
  const script = join(repo, "scripts", "oe-conformance", "bitbake-dump.py");
  const command = ["python3", script, bitbake, ...files];
  const env = { ...process.env, LANG: "en_US.UTF-8", PATH: `${join(bitbake, "bin")}:${process.env.PATH}` };
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

async function bakeDumps(build: string, files: readonly string[]): Promise<Map<string, Dump>> {
  const config = await withPython(() => loadBuildConfiguration({ topdir: build }));
  const dumps = new Map<string, Dump>();
  for (const file of files) {
    try {
      const r = await withPython(() => parseRecipe(config.metadata, file, [], config.files));
      if (r.skipped !== null) {
        dumps.set(file, { file, skipped: r.skipped });
        continue;
      }
      const d = r.metadata.d;
      const vars: Record<string, string | null> = {};
      for (const v of VARIABLES) vars[v] = d.getVar(d.expand(v));
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
      recipes: { type: "string" },
      limit: { type: "string" },
      every: { type: "string" },
      "as-user": { type: "string" },
      out: { type: "string" },
    },
  });
  if (!values.bitbake || !values.build) {
    process.stderr.write("usage: oe-conformance --bitbake DIR --build DIR [--recipes DIR] [--limit N] [--every K] [--as-user U] [--out F] [FILES]\n");
    return 2;
  }
  let files = positionals.length > 0 ? positionals.map((f) => resolve(f)) : recipeFiles(resolve(values.recipes ?? "."));
  const every = Number(values.every ?? 1);
  files = files.filter((_, i) => i % every === 0);
  if (values.limit) files = files.slice(0, Number(values.limit));
  topdirs = [resolve(values.build), resolve(values["bake-build"] ?? values.build)];
  const t0 = performance.now();
  const theirs = bitbakeDumps(resolve(values.bitbake), resolve(values.build), files, values["as-user"] ?? null);
  const t1 = performance.now();
  const ours = await bakeDumps(resolve(values["bake-build"] ?? values.build), files);
  const t2 = performance.now();

  const columns = [...VARIABLES, "tasks", "[depends]"];
  const matched = new Map(columns.map((c) => [c, 0]));
  const differences: { file: string; what: string; bitbake: unknown; bake: unknown }[] = [];
  let bothParsed = 0;
  let bitbakeParsed = 0;
  let bakeParsed = 0;
  let skippedBoth = 0;
  let skipDisagree = 0;
  const bakeErrors: { file: string; error: string }[] = [];
  for (const file of files) {
    const b = theirs.get(file);
    const o = ours.get(file)!;
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
    for (const v of VARIABLES) {
      if (norm(b.vars![v]) === norm(o.vars![v])) matched.set(v, matched.get(v)! + 1);
      else differences.push({ file, what: v, bitbake: b.vars![v], bake: o.vars![v] });
    }
    if (wordSet(b.tasks!.join(" ")) === wordSet(o.tasks!.join(" "))) matched.set("tasks", matched.get("tasks")! + 1);
    else differences.push({ file, what: "tasks", bitbake: b.tasks, bake: o.tasks });
    const taskDiffs = b.tasks!.filter((t) => wordSet(b.depends![t]) !== wordSet(o.depends?.[t]));
    if (taskDiffs.length === 0) matched.set("[depends]", matched.get("[depends]")! + 1);
    else for (const t of taskDiffs) differences.push({ file, what: `${t}[depends]`, bitbake: b.depends![t], bake: o.depends?.[t] ?? null });
  }
  const pct = (n: number, of: number) => (of === 0 ? "-" : `${((100 * n) / of).toFixed(1)}%`);
  const lines = [
    `recipes compared: ${files.length}`,
    `parsed (not skipped) by BitBake: ${bitbakeParsed}; by bake: ${bakeParsed}; skipped by both: ${skippedBoth}; ` +
      `skip decision differs: ${skipDisagree}; bake errors: ${bakeErrors.length}`,
    `time: BitBake ${((t1 - t0) / 1000).toFixed(1)} s, bake ${((t2 - t1) / 1000).toFixed(1)} s (one process each, configuration included)`,
    "",
    `| value | matches (of ${bothParsed} parsed by both) |`,
    "| --- | --- |",
    ...columns.map((c) => `| ${c} | ${matched.get(c)} (${pct(matched.get(c)!, bothParsed)}) |`),
  ];
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
