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
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BuildStatsError, composeBuild, findBuild, formatSeconds, isHostRecipe, measuredSlowdown, simulateCluster, taskKinds, wallBounds, type ClusterScenario, type SimulationResult, type WallBounds } from "../lib/report/index.js";
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

/** A composed task's origin: the build (buildstats directory) and the system it was built for. */
interface Provenance {
  readonly measuredIn?: string;
  /** Set when the figures are not a measurement of this configuration's own task (another machine's, or a guess). */
  readonly estimated?: string;
}

/** The longest tasks of the chain that ended the simulated build, and where they ran. */
function dominant(r: SimulationResult, clustered: boolean, count = 2): string {
  return [...r.path]
    .sort((a, b) => b.end - b.start - (a.end - a.start))
    .slice(0, count)
    .map((t) => `${t.task} ${minutes(t.end - t.start)}${clustered && t.kind === "distributed" ? " (cluster + local)" : ""}`)
    .join(", ");
}

/** Which bound the simulated wall time sits on: the chain of dependencies or the build host's cores. */
function limit(wall: number, b: WallBounds): string {
  if (b.clusterWork >= 0.9 * wall) return "the cluster's slots";
  return b.hostWork >= b.criticalPath ? "the build host's 2 cores" : "the chain of dependencies";
}

export function icecc(path: string = RECORDED_BUILD, compileFraction = COMPILE_FRACTION): string[] {
  const tasks = readTasks(path) as (TaskStat & Provenance)[];
  const cpu = (pred: (t: TaskStat) => boolean) => tasks.filter(pred).reduce((n, t) => n + (t.cpu ?? 0), 0);
  const kinds = taskKinds(tasks);
  const slowdown = measuredSlowdown(tasks);
  const distributable = tasks.filter((_, i) => kinds[i] === "distributed").reduce((n, t) => n + (t.cpu ?? 0), 0);
  const out = [
    `icecc: ${path}: ${tasks.length} tasks, ${cpu(() => true).toFixed(0)} CPU-s (${cpu((t) => isHostRecipe(t.pf)).toFixed(0)} in native and cross recipes, ` +
      `${distributable.toFixed(0)} in target do_compile, of which ${(compileFraction * 100).toFixed(0)}% leaves the build host)`,
  ];
  const builds = new Map<string, TaskStat[]>();
  for (const t of tasks) if (t.measuredIn) builds.set(t.measuredIn, [...(builds.get(t.measuredIn) ?? []), t]);
  for (const [build, ts] of builds) {
    const big = ts.filter((t) => (t.cpu ?? 0) >= 30).sort((a, b) => (b.cpu ?? 0) - (a.cpu ?? 0)).map((t) => `${t.task} ${(t.cpu ?? 0).toFixed(0)}`);
    out.push(`icecc:   measured in ${build}: ${ts.length} tasks, ${ts.reduce((n, t) => n + (t.cpu ?? 0), 0).toFixed(0)} CPU-s${big.length ? ` (${big.join(", ")})` : ""}`);
  }
  for (const t of tasks) if (t.estimated) out.push(`icecc:   estimated: ${t.task} (${t.estimated})`);
  out.push(
    `icecc: model: build host 2 cores, BB_NUMBER_THREADS 2, PARALLEL_MAKE -j 2; nodes of 2 cores, ICECC_PARALLEL_MAKE = the cluster's slots; ` +
      `the measured machines ran single-threaded tasks ${slowdown.toFixed(1)}× slower than their CPU time (shared), work not counted as CPU is wall / ${slowdown.toFixed(1)}`,
    "icecc: critical path: the longest chain of dependencies, each task alone (a build host of unlimited cores); build host's work: its CPU-s over its 2 cores",
  );
  const base = { coresPerNode: 2, localCores: 2, threads: 2, makeJobs: 2, compileFraction, slowdown };
  const scenario = (nodes: number, restored?: (t: TaskStat) => boolean): ClusterScenario => ({
    ...base,
    nodes,
    iceccJobs: Math.max(1, nodes * base.coresPerNode),
    ...(restored ? { restored } : {}),
  });
  const cases: [string, ((t: TaskStat) => boolean) | undefined][] = [
    ["from nothing", undefined],
    ["the toolchain (native and cross recipes) from shared state", (t) => isHostRecipe(t.pf)],
  ];
  for (const [title, restored] of cases) {
    out.push(
      "",
      `core-image-minimal, ${title}:`,
      "",
      "| icecc nodes | predicted wall | critical path | build host's work | cluster's work | bound by | longest tasks on the final chain |",
      "| --- | --- | --- | --- | --- | --- | --- |",
    );
    let wall0 = 0;
    for (const nodes of NODES) {
      const s = scenario(nodes, restored);
      const r = simulateCluster(tasks, s);
      const b = wallBounds(tasks, s);
      if (nodes === 0) wall0 = r.wall;
      out.push(
        `| ${nodes === 0 ? "none (local)" : nodes} | ${minutes(r.wall)}${nodes === 0 ? "" : ` (${(wall0 / r.wall).toFixed(2)}×)`} | ${minutes(b.criticalPath)} | ` +
          `${minutes(b.hostWork)} | ${nodes === 0 ? "–" : minutes(b.clusterWork)} | ${limit(r.wall, b)} | ${dominant(r, nodes > 0)} |`,
      );
    }
  }
  return out;
}

/** The target system a build's recipes were built for, from its tasks' work directories (tmp/work/SYS/…). */
function builtFor(tasks: readonly TaskStat[]): string {
  const count = new Map<string, number>();
  for (const t of tasks) {
    const sys = /\/tmp\/work\/([^/]+)\//.exec(t.log ?? "")?.[1];
    if (sys && !/^[^-]+-linux$/.test(sys)) count.set(sys, (count.get(sys) ?? 0) + 1);
  }
  return [...count].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "unknown system";
}

/** A build given to `--compose`: its buildstats, and which of its tasks to take (all when empty). */
export interface ComposeSource {
  readonly dir: string;
  readonly only: readonly string[];
}

/**
 * A task whose measured run resumed what an earlier, stopped attempt had begun (make kept the
 * objects of that attempt): it compiled `done` of `total` files, so its figures are scaled by
 * total / done, and the task is marked estimated.
 */
export interface ResumedTask {
  readonly task: string;
  readonly done: number;
  readonly total: number;
}

/** `DIR` or `DIR=TASK,TASK…`. */
export function parseSource(arg: string): ComposeSource {
  const at = arg.indexOf("=");
  return at < 0 ? { dir: arg, only: [] } : { dir: arg.slice(0, at), only: arg.slice(at + 1).split(",").filter(Boolean) };
}

/** `TASK=DONE/TOTAL`. */
export function parseResumed(arg: string): ResumedTask {
  const m = /^([^=]+:do_[a-z_]+)=(\d+)\/(\d+)$/.exec(arg);
  if (!m || Number(m[2]) <= 0 || Number(m[2]) > Number(m[3])) throw new BuildStatsError(arg, null, "--resumed takes TASK=DONE/TOTAL (files the measured run compiled / files the task compiles), 0 < DONE <= TOTAL");
  return { task: m[1]!, done: Number(m[2]), total: Number(m[3]) };
}

/**
 * Writes the composed statistics to `out` (without the machine's log paths), each task naming the
 * build it was measured in and the system that build targeted; returns what no build measured.
 */
export function compose(out: string, graphFile: string, sources: readonly ComposeSource[], resumed: readonly ResumedTask[] = []): readonly string[] {
  const graph = (JSON.parse(readFileSync(graphFile, "utf8")) as { tasks: GraphTask[] }).tasks;
  const stats = sources.map(({ dir, only }) => readTasks(dir).filter((t) => only.length === 0 || only.includes(t.task)));
  const labels = sources.map(({ dir }, i) => `${basename(dir.replace(/\/tasks\.jsonl$/, ""))} (${builtFor(stats[i]!)})`);
  const { tasks, unmeasured, measuredIn } = composeBuild(stats, graph);
  const lines = tasks.map(({ log: _log, ...t }) => {
    const r = resumed.find((x) => x.task === t.task);
    const line: TaskStat & Provenance = { ...t, measuredIn: labels[measuredIn.get(t.task)!]! };
    if (!r) return line;
    const k = r.total / r.done;
    return {
      ...line,
      elapsed: Math.round(t.elapsed * k * 1000) / 1000,
      ...(t.cpu != null ? { cpu: Math.round(t.cpu * k * 100) / 100 } : {}),
      estimated: `resumed after a stopped attempt: compiled ${r.done} of ${r.total} files, measured ${t.cpu ?? "?"} CPU-s in ${t.elapsed} s, scaled by ${k.toFixed(2)}`,
    };
  });
  for (const r of resumed) if (!tasks.some((t) => t.task === r.task)) throw new BuildStatsError(r.task, null, "--resumed names a task no build measured");
  writeFileSync(out, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  return unmeasured;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args[0] === "--compose") {
    const [, out, flag, graph, ...rest] = args;
    const resumed: ResumedTask[] = [];
    const builds: ComposeSource[] = [];
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === "--resumed" && rest[i + 1] !== undefined) resumed.push(parseResumed(rest[++i]!));
      else builds.push(parseSource(rest[i]!));
    }
    if (out === undefined || flag !== "--graph" || graph === undefined || builds.length === 0) {
      console.error("usage: icecc-simulate --compose OUT.jsonl --graph task-depends.json [--resumed TASK=DONE/TOTAL]… BUILD[=TASK,…]…");
      process.exit(2);
    }
    try {
      const unmeasured = compose(out, graph, builds, resumed);
      console.log(`${out}: written; measured by no build: ${unmeasured.join(" ") || "none"}`);
      process.exit(0);
    } catch (e) {
      if (!(e instanceof BuildStatsError)) throw e;
      console.error(`ERROR: ${e.message}`);
      process.exit(1);
    }
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
