// npm run oe-conformance -- --bitbake DIR --build DIR [--bake-build DIR] [--recipes DIR …] [--limit N] [--every K]
//   [--as-user USER] [--appends] [--variants] [--var NAME …] [--out FILE] [RECIPE.bb …]
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
// With --variants every BBCLASSEXTEND variant of each file is compared too (BitBake's are those its
// finalised recipe's BBCLASSEXTEND names, each parsed as `virtual:VARIANT:FILE`; bake's those
// parseRecipeVariants makes), paired by that name (scripts/oe-conformance/compare.ts), each with its
// own skip decision; the output adds a table per variant kind (default, native, nativesdk, …).
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { collectRecipes } from "../lib/config/collection.js";
import { loadBuildConfiguration } from "../lib/config/index.js";
import { recipeId } from "../lib/config/recipe-info.js";
import type { DataStore } from "../lib/data/index.js";
import { parseRecipeVariants } from "../lib/evaluate/index.js";
import { withPython } from "../lib/python/index.js";
import { comparePair, emptyTally, pairDumps, type Difference, type Dump, type Tally } from "./oe-conformance/compare.js";

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

function bitbakeDumps(bitbake: string, build: string, files: readonly string[], user: string | null, appends: boolean, variants: boolean): Dump[] {
  const script = join(repo, "scripts", "oe-conformance", "bitbake-dump.py");
  const command = ["python3", script, bitbake, ...files];
  const env = {
    ...process.env,
    LANG: "en_US.UTF-8",
    PATH: `${join(bitbake, "bin")}:${process.env.PATH}`,
    BAKE_CONFORMANCE_APPENDS: appends ? "1" : "0",
    BAKE_CONFORMANCE_VARS: VARIABLES.join("\n"),
    BAKE_CONFORMANCE_VARIANTS: variants ? "1" : "0",
  };
  // runuser rather than su: the unprivileged users BitBake is run as (nobody) have no login shell.
  const r = user
    ? spawnSync("runuser", ["-u", user, "--", ...command], { cwd: build, env: { ...env, HOME: build }, encoding: "utf8", maxBuffer: 1 << 30 })
    : spawnSync(command[0]!, command.slice(1), { cwd: build, env, encoding: "utf8", maxBuffer: 1 << 30 });
  const dumps: Dump[] = [];
  for (const line of r.stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    dumps.push(JSON.parse(line) as Dump);
  }
  if (dumps.length === 0) throw new Error(`BitBake produced nothing (exit ${r.status}):\n${r.stderr.slice(-3000)}`);
  return dumps;
}

async function bakeDumps(
  build: string,
  files: readonly string[],
  appends: ReadonlyMap<string, readonly string[]> | null,
  variants: boolean,
): Promise<Dump[]> {
  const config = await withPython(() => loadBuildConfiguration({ topdir: build }));
  const dumps: Dump[] = [];
  for (const file of files) {
    try {
      const parsed = await withPython(() => parseRecipeVariants(config.metadata, file, appends?.get(file) ?? [], config.files, variants ? null : [""]));
      for (const r of parsed) {
        const id = recipeId(file, r.variant);
        if (r.skipped !== null) {
          dumps.push({ file, id, variant: r.variant, skipped: r.skipped });
          continue;
        }
        try {
          const d = r.metadata.d;
          const vars: Record<string, string | null> = {};
          for (const v of VARIABLES) vars[v] = valueOf(d, v);
          const tasks = r.metadata.tasks.map((t) => d.expand(t));
          const depends: Record<string, string | null> = {};
          for (const t of tasks) depends[t] = d.getVarFlag(t, "depends");
          dumps.push({ file, id, variant: r.variant, vars, tasks, depends });
        } catch (err) {
          dumps.push({ file, id, variant: r.variant, error: errorText(err) });
        }
      }
    } catch (err) {
      dumps.push({ file, id: file, variant: "", error: errorText(err) });
    }
  }
  return dumps;
}

const errorText = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 600) : String(err));

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
      variants: { type: "boolean" },
      out: { type: "string" },
      var: { type: "string", multiple: true },
    },
  });
  if (!values.bitbake || !values.build) {
    process.stderr.write("usage: oe-conformance --bitbake DIR --build DIR [--bake-build DIR] [--recipes DIR …] [--limit N] [--every K] [--as-user U] [--appends] [--variants] [--var NAME …] [--out F] [FILES]\n");
    return 2;
  }
  VARIABLES = [...new Set([...BASE_VARIABLES, ...(values.var ?? [])])];
  const collected = await recipeFiles(resolve(values["bake-build"] ?? values.build), values.recipes ?? []);
  let files = positionals.length > 0 ? positionals.map((f) => resolve(f)) : collected.files;
  const every = Number(values.every ?? 1);
  files = files.filter((_, i) => i % every === 0);
  if (values.limit) files = files.slice(0, Number(values.limit));
  // Longest first: one build directory's path can begin with the other's (moe, moe-bake).
  const topdirs = [resolve(values.build), resolve(values["bake-build"] ?? values.build)].sort((a, b) => b.length - a.length);
  const t0 = performance.now();
  const theirs = bitbakeDumps(resolve(values.bitbake), resolve(values.build), files, values["as-user"] ?? null, values.appends === true, values.variants === true);
  const t1 = performance.now();
  const ours = await bakeDumps(resolve(values["bake-build"] ?? values.build), files, values.appends === true ? collected.appends : null, values.variants === true);
  const t2 = performance.now();

  const columns = [...VARIABLES, "tasks", "[depends]"];
  const differences: Difference[] = [];
  const bakeErrors: { file: string; id: string; error: string }[] = [];
  const all = emptyTally(columns);
  // Per layer (BBFILE_COLLECTIONS name) and per variant kind (default, native, nativesdk…).
  const perLayer = new Map<string, Tally>();
  const perKind = new Map<string, Tally>();
  const tally = (m: Map<string, Tally>, k: string) => m.get(k) ?? (m.set(k, emptyTally(columns)), m.get(k)!);
  for (const p of pairDumps(files, theirs, ours)) {
    const layer = collected.layerOf.get(p.file) ?? "-";
    if (p.bake?.error) bakeErrors.push({ file: p.file, id: p.id, error: p.bake.error });
    differences.push(...comparePair(p, VARIABLES, topdirs, [all, tally(perLayer, layer), tally(perKind, p.kind)]));
  }
  const bothParsed = all.both;
  const pct = (n: number, of: number) => (of === 0 ? "-" : `${((100 * n) / of).toFixed(1)}%`);
  const lines = [
    `recipes compared: ${files.length}${values.appends === true ? `, with their bbappends (${files.filter((f) => collected.appends.has(f)).length} have any)` : ", without bbappends"}`,
    ...(values.variants === true ? [`recipes and variants compared: ${all.entries}; made by BitBake only: ${all.onlyBitbake}; by bake only: ${all.onlyBake}`] : []),
    `parsed (not skipped) by BitBake: ${all.bitbakeParsed}; by bake: ${all.bakeParsed}; skipped by both: ${all.skippedBoth}; ` +
      `skip decision differs: ${all.skipDiffers}; BitBake errors: ${all.bitbakeErrors}; bake errors: ${bakeErrors.length}`,
    `time: BitBake ${((t1 - t0) / 1000).toFixed(1)} s, bake ${((t2 - t1) / 1000).toFixed(1)} s (one process each, configuration included)`,
    "",
    `| value | matches (of ${bothParsed} parsed by both) |`,
    "| --- | --- |",
    ...columns.map((c) => `| ${c} | ${all.matched.get(c)} (${pct(all.matched.get(c)!, bothParsed)}) |`),
  ];
  if (perLayer.size > 1) {
    lines.push("", `| layer | ${values.variants === true ? "recipes and variants" : "recipe files"} | parsed by both | all columns match |`, "| --- | --- | --- | --- |");
    for (const [layer, n] of perLayer) lines.push(`| ${layer} | ${n.entries} | ${n.both} | ${n.allMatch} (${pct(n.allMatch, n.both)}) |`);
  }
  if (values.variants === true) {
    const kinds = [...perKind.keys()].sort((a, b) => (a === "default" ? -1 : b === "default" ? 1 : perKind.get(b)!.entries - perKind.get(a)!.entries));
    lines.push(
      "",
      "| variant kind | compared | BitBake only | bake only | parsed by both | skipped by both | skip differs | bake errors | all columns match |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const k of kinds) {
      const n = perKind.get(k)!;
      lines.push(`| ${k} | ${n.entries} | ${n.onlyBitbake} | ${n.onlyBake} | ${n.both} | ${n.skippedBoth} | ${n.skipDiffers} | ${n.bakeErrors} | ${n.allMatch} (${pct(n.allMatch, n.both)}) |`);
    }
    lines.push("", `| value | ${kinds.join(" | ")} |`, `| --- |${kinds.map(() => " --- |").join("")}`);
    for (const c of columns) lines.push(`| ${c} | ${kinds.map((k) => `${perKind.get(k)!.matched.get(c)}/${perKind.get(k)!.both}`).join(" | ")} |`);
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
