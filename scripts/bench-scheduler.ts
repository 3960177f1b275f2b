// The `scheduler` section of `npm run bench`: how many tasks a build gets through when the tasks
// themselves cost nothing, so what is measured is bake's own work per task (run queue, signatures,
// stamps, events to the UI, worker messages, the task script and its process).
//
//   noexec   every task `[noexec]`: nothing runs, each is stamped
//   shell    every task a shell function `true`, run as a build runs one (script, isolation, log)
//
// A generated layer of RECIPES recipes (BAKE_BENCH_SCHED_RECIPES, 50) with TASKS chained tasks each
// (BAKE_BENCH_SCHED_TASKS, 20); the build runs those tasks (what they would depend on in meta-core
// counts as done), with BB_NUMBER_THREADS = 2, through a listener that formats every event as the
// plain UI does and records buildstats, as `bake` does (the HTML report bake writes once at the
// end of a build is left out). BAKE_BENCH_SCHED_ONLY=shell (or noexec) runs that one alone, to
// profile it. Processor time counts the task processes; bake's own threads are also shown apart.
import { cpuSeconds } from "./cpu-time.js";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { collectRecipes, loadBuildConfiguration, parseAllRecipes, type RecipeInfo } from "../lib/config/index.js";
import { buildTaskGraph, RecipeIndex, type TaskGraph, type TaskId } from "../lib/graph/index.js";
import { BuildStats, runBuild } from "../lib/run/index.js";
import { createUi } from "../lib/ui/index.js";

const RECIPES = Number(process.env.BAKE_BENCH_SCHED_RECIPES ?? 50);
const TASKS = Number(process.env.BAKE_BENCH_SCHED_TASKS ?? 20);
/** `noexec` or `shell`: that run alone (to profile one); default both. */
const ONLY = process.env.BAKE_BENCH_SCHED_ONLY ?? "";

function write(path: string, text: string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
}

function generate(root: string): string {
  const layer = join(root, "meta-sched");
  const build = join(root, "build");
  const repo = resolve(fileURLToPath(import.meta.url), "../../..");
  write(
    join(layer, "conf/layer.conf"),
    `BBPATH .= ":\${LAYERDIR}"\nBBFILES += "\${LAYERDIR}/recipes/*.bb"\nBBFILE_COLLECTIONS += "sched"\n` +
      `BBFILE_PATTERN_sched = "^\${LAYERDIR}/"\nBBFILE_PRIORITY_sched = "5"\nLAYERSERIES_COMPAT_sched = "ember"\n`,
  );
  for (let r = 0; r < RECIPES; r++) {
    let text = `LICENSE = "MIT"\n`;
    for (let t = 0; t < TASKS; t++) {
      text += `do_sched${t}() {\n\ttrue\n}\naddtask sched${t}${t > 0 ? ` after do_sched${t - 1}` : ""}\n`;
    }
    write(join(layer, `recipes/sched-${r}_1.0.bb`), text);
  }
  write(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${join(repo, "meta-core")} ${layer}"\n`);
  write(join(build, "conf/local.conf"), `MACHINE = "qemux86-64"\nBB_NUMBER_THREADS = "2"\nINHIBIT_DEFAULT_DEPS = "1"\n`);
  return build;
}

/** The listener `bake` gives a build: the plain UI (writing nowhere) behind the buildstats recorder. */
function buildStats(build: string): BuildStats {
  const ui = createUi({ out: { write: () => true }, env: {} });
  return new BuildStats(join(build, "tmp/buildstats"), ui.listener);
}

async function measure(build: string, graph: TaskGraph, tasks: readonly TaskId[], label: string, threads: number): Promise<void> {
  rmSync(join(build, "tmp/stamps"), { recursive: true, force: true });
  const t0 = process.hrtime.bigint();
  const c0 = cpuSeconds();
  const own0 = process.cpuUsage();
  const stats = buildStats(build);
  const summary = await runBuild(graph, { topdir: build, threads, tasks, stampBase: (r) => r.stamp ?? undefined, listener: stats.listener }).finally(() => stats.close());
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSeconds() - c0;
  const ownUsage = process.cpuUsage(own0);
  const own = (ownUsage.user + ownUsage.system) / 1e6;
  if (summary.ran !== tasks.length) throw new Error(`${label}: ${summary.ran} of ${tasks.length} tasks ran (${summary.failures.map((f) => JSON.stringify(f.failure)).join("; ")})`);
  // On a loaded machine the wall clock mostly measures the other users; processor time (bake's
  // threads and the task processes) over the cores the build may use bounds what a quiet one gives.
  console.log(
    `scheduler: ${tasks.length} ${label} tasks, ${threads} threads: ${s.toFixed(2)} s, ${(tasks.length / s).toFixed(0)} tasks/s; ` +
      `${cpu.toFixed(2)} s processor time, ${(tasks.length / cpu).toFixed(0)} tasks per processor-second ` +
      `(per task: bake's threads ${((own * 1000) / tasks.length).toFixed(2)} ms, task processes ${(((cpu - own) * 1000) / tasks.length).toFixed(2)} ms)`,
  );
}

export async function benchScheduler(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "bake-bench-sched-"));
  try {
    const build = generate(root);
    const config = loadBuildConfiguration({ topdir: build });
    const collection = collectRecipes(config.metadata.d, config.layers);
    const parsed = await parseAllRecipes(config, collection, { vars: {}, threads: 2, cacheDir: join(build, "tmp/cache/parse") });
    const d = config.metadata.d;
    const prefs = {
      provider: (n: string) => d.getVar(`PREFERRED_PROVIDER_${n}`),
      version: (n: string) => d.getVar(`PREFERRED_VERSION_${n}`),
      rprovider: (n: string) => d.getVar(`PREFERRED_RPROVIDER_${n}`),
    };
    const mine = parsed.infos.filter((r) => r.file.includes("/meta-sched/"));
    const targets = mine.map((r) => ({ name: r.pn, task: `do_sched${TASKS - 1}` }));
    const wanted = (g: TaskGraph) => [...g.nodes.values()].filter((n) => n.task.name.startsWith("do_sched")).map((n) => n.id);
    const noexec = mine.map((r): RecipeInfo => ({ ...r, tasks: r.tasks.map((t) => (t.name.startsWith("do_sched") ? { ...t, flags: { ...t.flags, noexec: "1" } } : t)) }));
    const gNoexec = buildTaskGraph(new RecipeIndex(noexec), prefs, targets);
    if (ONLY !== "shell") await measure(build, gNoexec, wanted(gNoexec), "noexec", 2);
    const gShell = buildTaskGraph(new RecipeIndex(parsed.infos), prefs, targets);
    if (ONLY !== "noexec") await measure(build, gShell, wanted(gShell), "shell `true`", 2);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
