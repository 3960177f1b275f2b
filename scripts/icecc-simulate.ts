// What core-image-minimal would take on an icecream cluster of 1, 4, 16 and 64 nodes, from a real
// build's statistics (lib/report/cluster-simulation.ts has the model). `npm run bench -- icecc`
// prints it for the build recorded in docs/data/core-image-minimal.tasks.jsonl;
// `node dist/scripts/icecc-simulate.js [DIR|tasks.jsonl] [--compile-fraction F]` for another build.
//
// A build from nothing is rarely measured in one go (it stops, is resumed, restores what an earlier
// run left in shared state). `--compose OUT --graph task-depends.json BUILD…` writes one tasks.jsonl
// from several builds of the same configuration (oldest first; lib/report/composed-build.ts), with
// the dependencies of `bake -g`'s task graph; docs/data/core-image-minimal.tasks.jsonl was made so.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BuildStatsError, composeBuild, findBuild, formatSeconds, isHostRecipe, measuredSlowdown, simulateCluster, taskKinds, type ClusterScenario, type SimulationResult } from "../lib/report/index.js";
import type { TaskStat } from "../lib/run/index.js";
import type { GraphTask } from "../lib/report/index.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const RECORDED_BUILD = join(repo, "docs/data/core-image-minimal.tasks.jsonl");
/**
 * The share of a target do_compile's CPU that leaves the build host, measured: busybox 1.35.0 with
 * the host's gcc, 176.8 CPU-s with make -j2, 119.7 on the build host through icecc with every job
 * on a node (README, "Distributed compilation"; test/e2e/icecc.test.ts prints the same for bake's
 * own busybox).
 */
export const COMPILE_FRACTION = 0.32;
const NODES = [0, 1, 4, 16, 64];

function readTasks(path: string): TaskStat[] {
  const file = path.endsWith(".jsonl") ? path : join(existsSync(join(path, "tasks.jsonl")) ? path : findBuild(path), "tasks.jsonl");
  if (!existsSync(file)) {
    throw new BuildStatsError(file, null, "no such file (record a build from nothing with `icecc-simulate --compose`, README: Distributed compilation)");
  }
  return readFileSync(file, "utf8")
    .split("\n")
    .map((l, i) => {
      if (l.trim() === "") return null;
      try {
        return JSON.parse(l) as TaskStat;
      } catch (e) {
        throw new BuildStatsError(file, i + 1, `not JSON: ${(e as Error).message}`);
      }
    })
    .filter((t): t is TaskStat => t !== null);
}

function minutes(s: number): string {
  return `${(s / 60).toFixed(1)} min`;
}

/** The longest tasks of the chain that ended the simulated build, and where they ran. */
function dominant(r: SimulationResult, count = 2): string {
  return [...r.path]
    .sort((a, b) => b.end - b.start - (a.end - a.start))
    .slice(0, count)
    .map((t) => `${t.task} ${minutes(t.end - t.start)}${t.kind === "distributed" ? " (cluster + local)" : ""}`)
    .join(", ");
}

export function icecc(path: string = RECORDED_BUILD, compileFraction = COMPILE_FRACTION): string[] {
  const tasks = readTasks(path);
  const cpu = (pred: (t: TaskStat) => boolean) => tasks.filter(pred).reduce((n, t) => n + (t.cpu ?? 0), 0);
  const kinds = taskKinds(tasks);
  const slowdown = measuredSlowdown(tasks);
  const distributable = tasks.filter((_, i) => kinds[i] === "distributed").reduce((n, t) => n + (t.cpu ?? 0), 0);
  const started = Math.min(...tasks.map((t) => Date.parse(t.started)));
  const ended = Math.max(...tasks.map((t) => Date.parse(t.started) + t.elapsed * 1000));
  const out = [
    `icecc: ${path}: ${tasks.length} tasks, ${cpu(() => true).toFixed(0)} CPU-s (${cpu((t) => isHostRecipe(t.pf)).toFixed(0)} in native and cross recipes, ` +
      `${distributable.toFixed(0)} in target do_compile, of which ${(compileFraction * 100).toFixed(0)}% leaves the build host), measured wall ${formatSeconds((ended - started) / 1000)}`,
    `icecc: model: build host 2 cores, BB_NUMBER_THREADS 2, PARALLEL_MAKE -j 2; nodes of 2 cores, ICECC_PARALLEL_MAKE = the cluster's slots; ` +
      `the measured machine ran single-threaded tasks ${slowdown.toFixed(1)}× slower than their CPU time (shared), work not counted as CPU is wall / ${slowdown.toFixed(1)}`,
    "",
    "| icecc nodes | from nothing | dominated by | toolchain from shared state | dominated by |",
    "| --- | --- | --- | --- | --- |",
  ];
  const base = { coresPerNode: 2, localCores: 2, threads: 2, makeJobs: 2, compileFraction, slowdown };
  const scenario = (nodes: number, restored?: (t: TaskStat) => boolean): ClusterScenario => ({
    ...base,
    nodes,
    iceccJobs: Math.max(1, nodes * base.coresPerNode),
    ...(restored ? { restored } : {}),
  });
  let scratch0 = 0;
  let team0 = 0;
  for (const nodes of NODES) {
    const scratch = simulateCluster(tasks, scenario(nodes));
    const team = simulateCluster(tasks, scenario(nodes, (t) => isHostRecipe(t.pf)));
    if (nodes === 0) [scratch0, team0] = [scratch.wall, team.wall];
    const speedup = (w: number, w0: number) => (nodes === 0 ? "" : ` (${(w0 / w).toFixed(2)}×)`);
    out.push(
      `| ${nodes === 0 ? "none (local)" : nodes} | ${minutes(scratch.wall)}${speedup(scratch.wall, scratch0)} | ${dominant(scratch)} | ` +
        `${minutes(team.wall)}${speedup(team.wall, team0)} | ${dominant(team)} |`,
    );
  }
  return out;
}

/** Writes the composed statistics to `out` (without the machine's log paths); returns what no build measured. */
export function compose(out: string, graphFile: string, builds: readonly string[]): readonly string[] {
  const graph = (JSON.parse(readFileSync(graphFile, "utf8")) as { tasks: GraphTask[] }).tasks;
  const { tasks, unmeasured } = composeBuild(builds.map(readTasks), graph);
  writeFileSync(out, tasks.map(({ log: _log, ...t }) => JSON.stringify(t)).join("\n") + "\n");
  return unmeasured;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args[0] === "--compose") {
    const [, out, flag, graph, ...builds] = args;
    if (out === undefined || flag !== "--graph" || graph === undefined || builds.length === 0) {
      console.error("usage: icecc-simulate --compose OUT.jsonl --graph task-depends.json BUILD…");
      process.exit(2);
    }
    const unmeasured = compose(out, graph, builds);
    console.log(`${out}: written; measured by no build: ${unmeasured.join(" ") || "none"}`);
    process.exit(0);
  }
  const at = args.indexOf("--compile-fraction");
  const fraction = at >= 0 ? Number(args.splice(at, 2)[1]) : COMPILE_FRACTION;
  if (!(fraction >= 0 && fraction <= 1)) {
    console.error("--compile-fraction takes a number from 0 to 1");
    process.exitCode = 2;
  } else {
    try {
      for (const line of icecc(args[0], fraction)) console.log(line);
    } catch (e) {
      if (!(e instanceof BuildStatsError)) throw e;
      console.error(`ERROR: ${e.message}`);
      process.exitCode = 1;
    }
  }
}
