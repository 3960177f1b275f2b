// npm run bench [-- SECTION…]: benchmarks that print figures (never pass/fail on timing).
//   parse   parse + finalise every recipe of a generated 5,000-recipe corpus, in one process
//   cooker  cold parse (workers, empty cache), warm parse (cache), task graph of every recipe,
//           and a no-op run of the whole graph with every task noexec
//   signatures, setscene, restore: see bench-setscene.ts
//   compare  bake against BitBake on a generated 2,000-recipe layer: cold and warm parse, -e RECIPE;
//            `--against-bitbake DIR` (a BitBake checkout) adds BitBake's figures and the ratios;
//            without it, bake's figures only (see bench-bitbake.ts)
//   scheduler  noexec and shell `true` tasks per second through a whole build (see bench-scheduler.ts)
//   startup  `bake --help` and `bake --version` against `node -e 0`, 10 interleaved runs
//   oe-core  only with `--oe-core DIR` (an openembedded-core checkout): bake's cold and warm `-p` and
//            `-g core-image-minimal` on it, against BitBake's with --against-bitbake DIR (BitBake
//            runs as --as-user USER when bake's caller is root); `--oe-layer DIR` (repeatable) adds
//            a layer on top of oe-core's meta, such as meta-openembedded's; see bench-oe-core.ts
//   noop    `bake TARGET` with every task current, 5 runs: `noop BUILDDIR [TARGET]` in a built
//           build directory (default core-image-minimal), bare `noop` on a generated layer it
//           builds first (see bench-noop.ts)
//   icecc   core-image-minimal's predicted wall time on icecream clusters of 1-64 nodes, from a
//           recorded build's statistics (see icecc-simulate.ts; BAKE_BENCH_BUILDSTATS=DIR for another)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { availableParallelism } from "node:os";
import { collectRecipes, loadBuildConfiguration, parseAllRecipes, type RecipeInfo } from "../lib/config/index.js";
import { parseRecipe } from "../lib/evaluate/index.js";
import { buildTaskGraph, RecipeIndex } from "../lib/graph/index.js";
import { runBuild } from "../lib/run/index.js";
import { generateCorpus } from "./gen-corpus.js";
import { benchRestore, benchSetscene, benchSignatures } from "./bench-setscene.js";
import { benchCompare } from "./bench-bitbake.js";
import { benchScheduler } from "./bench-scheduler.js";
import { benchOeCore } from "./bench-oe-core.js";
import { benchNoop } from "./bench-noop.js";
import { benchStartup } from "./bench-startup.js";
import { icecc } from "./icecc-simulate.js";
import { BuildStatsError } from "../lib/report/index.js";

const RECIPES = Number(process.env.BAKE_BENCH_RECIPES ?? 5000);

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function benchParse(build: string): void {
  const t0 = process.hrtime.bigint();
  const config = loadBuildConfiguration({ topdir: build });
  const tConfig = seconds(t0);
  const collection = collectRecipes(config.metadata.d, config.layers);
  const t1 = process.hrtime.bigint();
  let tasks = 0;
  for (const recipe of collection.recipes) {
    const parsed = parseRecipe(config.metadata, recipe.path, collection.appends.get(recipe.path) ?? [], config.files);
    tasks += parsed.tasks.length;
  }
  const t = seconds(t1);
  const n = collection.recipes.length;
  console.log(`parse: configuration ${(tConfig * 1000).toFixed(0)} ms`);
  console.log(
    `parse: ${n} recipes (${tasks} tasks) parsed and finalised in ${t.toFixed(2)} s: ` +
      `${(n / t).toFixed(0)} recipes/s, one process`,
  );
  console.log(`parse: peak RSS ${mib(process.resourceUsage().maxRSS * 1024)}, heap used now ${mib(process.memoryUsage().heapUsed)}`);
}

async function benchCooker(build: string): Promise<void> {
  const config = loadBuildConfiguration({ topdir: build });
  const collection = collectRecipes(config.metadata.d, config.layers);
  const threads = availableParallelism();
  const cacheDir = join(build, "tmp/cache/parse");
  let t0 = process.hrtime.bigint();
  const cold = await parseAllRecipes(config, collection, { vars: {}, threads, cacheDir });
  const tCold = seconds(t0);
  console.log(`cooker: cold parse of ${cold.parsed} recipes with ${threads} workers (basehashes included): ${tCold.toFixed(2)} s, ${(cold.parsed / tCold).toFixed(0)} recipes/s`);
  t0 = process.hrtime.bigint();
  const warm = await parseAllRecipes(config, collection, { vars: {}, threads, cacheDir });
  const tWarm = seconds(t0);
  console.log(`cooker: warm parse, ${warm.cached} recipes from the cache: ${tWarm.toFixed(2)} s, ${(warm.cached / tWarm).toFixed(0)} recipes/s`);
  const d = config.metadata.d;
  const prefs = {
    provider: (n: string) => d.getVar(`PREFERRED_PROVIDER_${n}`),
    version: (n: string) => d.getVar(`PREFERRED_VERSION_${n}`),
    rprovider: (n: string) => d.getVar(`PREFERRED_RPROVIDER_${n}`),
  };
  // Every task noexec: the run measures the scheduler, signatures and stamps, not the tasks.
  const noexec = warm.infos.map((r): RecipeInfo => ({ ...r, tasks: r.tasks.map((task) => ({ ...task, flags: { ...task.flags, noexec: "1" } })) }));
  t0 = process.hrtime.bigint();
  const index = new RecipeIndex(noexec);
  const graph = buildTaskGraph(index, prefs, [...new Set(noexec.map((r) => r.pn))].map((name) => ({ name, task: "do_build" })));
  const tGraph = seconds(t0);
  console.log(`cooker: task graph of ${graph.nodes.size} tasks (every recipe's do_build): ${(tGraph * 1000).toFixed(0)} ms`);
  t0 = process.hrtime.bigint();
  const summary = await runBuild(graph, { topdir: build, threads: 2, stampBase: (r) => r.stamp ?? undefined });
  const tRun = seconds(t0);
  console.log(`cooker: no-op run of ${summary.total} noexec tasks (stamps written): ${tRun.toFixed(2)} s, ${(summary.total / tRun).toFixed(0)} tasks/s`);
  t0 = process.hrtime.bigint();
  const again = await runBuild(graph, { topdir: build, threads: 2, stampBase: (r) => r.stamp ?? undefined });
  const tAgain = seconds(t0);
  console.log(`cooker: second run, ${again.current} tasks current: ${tAgain.toFixed(2)} s, ${(again.total / tAgain).toFixed(0)} tasks/s`);
  console.log(`cooker: peak RSS ${mib(process.resourceUsage().maxRSS * 1024)}`);
}

const sections: Record<string, (build: string) => void | Promise<void>> = {
  parse: benchParse,
  cooker: benchCooker,
  signatures: benchSignatures,
  setscene: benchSetscene,
  restore: benchRestore,
};

/** Sections that generate what they measure themselves (no shared 5,000-recipe corpus). */
const selfContained: Record<string, (bitbakeDir: string | null) => Promise<void>> = {
  compare: benchCompare,
  scheduler: () => benchScheduler(),
  startup: async () => benchStartup(),
  icecc: async () => {
    try {
      for (const line of icecc(process.env["BAKE_BENCH_BUILDSTATS"] || undefined)) console.log(line);
    } catch (e) {
      // No recorded build is not a failure of the other sections.
      if (!(e instanceof BuildStatsError)) throw e;
      console.log(`icecc: skipped: ${e.message}`);
    }
  },
};

/** `--NAME VALUE` taken out of argv: [value or null, the rest]; throws when VALUE is missing. */
function option(argv: readonly string[], name: string, what: string): [string | null, string[]] {
  const at = argv.indexOf(name);
  if (at < 0) return [null, [...argv]];
  const value = argv[at + 1];
  if (value === undefined || value.startsWith("-")) throw new UsageError(`${name} needs ${what}`);
  return [value, [...argv.slice(0, at), ...argv.slice(at + 2)]];
}

/** Every `--NAME VALUE` taken out of argv: [the values, the rest]. */
function options(argv: readonly string[], name: string, what: string): [string[], string[]] {
  const values: string[] = [];
  let rest = [...argv];
  for (;;) {
    const [value, after] = option(rest, name, what);
    if (value === null) return [values, rest];
    values.push(value);
    rest = after;
  }
}

class UsageError extends Error {}

async function main(args: string[]): Promise<number> {
  let argv: string[];
  let bitbakeDir: string | null;
  let oeCore: string | null;
  let asUser: string | null;
  let oeLayers: string[];
  try {
    [bitbakeDir, argv] = option(args, "--against-bitbake", "the path of a BitBake checkout");
    [oeCore, argv] = option(argv, "--oe-core", "the path of an openembedded-core checkout");
    [asUser, argv] = option(argv, "--as-user", "an unprivileged user to run BitBake as");
    [oeLayers, argv] = options(argv, "--oe-layer", "the path of a layer to add on top of oe-core's meta");
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(err.message);
    return 2;
  }
  // Node parses this bundle at every start (about 50 ms of processor time of each bake command
  // on these machines), which a user's shell seldom sets: the figures below include it.
  const certs = process.env["NODE_EXTRA_CA_CERTS"];
  if (certs) console.log(`note: NODE_EXTRA_CA_CERTS=${certs} is set: every node start below parses it (run with it unset to measure without)`);
  const noopAt = argv.indexOf("noop");
  if (noopAt >= 0) {
    // `noop [BUILDDIR [TARGET]]`: what follows it up to the next section name is its own.
    const known = (a: string) => a in sections || a in selfContained || a === "oe-core" || a === "noop";
    let end = noopAt + 1;
    while (end < argv.length && end < noopAt + 3 && !known(argv[end]!)) end++;
    const [buildDir, target] = argv.slice(noopAt + 1, end);
    argv = [...argv.slice(0, noopAt), ...argv.slice(end)];
    await benchNoop(buildDir ?? null, target ?? null);
    if (argv.length === 0) return 0;
  }
  if (argv.length === 0 && oeCore !== null) argv = ["oe-core"];
  else if (argv.length === 0 && bitbakeDir !== null) argv = ["compare"];
  if (argv.includes("oe-core")) {
    if (oeCore === null) {
      console.error("the oe-core section needs --oe-core DIR (an openembedded-core checkout)");
      return 2;
    }
    argv = argv.filter((a) => a !== "oe-core");
    await benchOeCore(oeCore, bitbakeDir, asUser, oeLayers);
    if (argv.length === 0) return 0;
  }
  const wanted = argv.length > 0 ? argv : [...Object.keys(sections), ...Object.keys(selfContained)];
  const unknown = wanted.filter((s) => !(s in sections) && !(s in selfContained));
  if (unknown.length > 0) {
    console.error(`unknown section(s) ${unknown.join(", ")}; sections: ${[...Object.keys(sections), ...Object.keys(selfContained)].join(", ")}`);
    return 2;
  }
  const shared = wanted.filter((s) => s in sections);
  if (shared.length > 0) {
    const dir = mkdtempSync(join(tmpdir(), "bake-bench-"));
    try {
      const t0 = process.hrtime.bigint();
      const { build } = generateCorpus(dir, RECIPES);
      console.log(`corpus: ${RECIPES} recipes generated in ${seconds(t0).toFixed(1)} s`);
      for (const s of shared) await sections[s]!(build);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  for (const s of wanted.filter((w) => w in selfContained)) await selfContained[s]!(bitbakeDir);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
