// What a build would take with its compiles spread over an icecream cluster, predicted from the
// statistics of a real build (tasks.jsonl): each task's CPU time, wall time and dependencies.
//
// The model, a fluid schedule of the real task graph:
// - A task's work is CPU seconds (user + system of its processes), which do not depend on how busy
//   the measured machine was. Some work is not counted there (what bake does in its own process:
//   unpacking, archiving shared state; waiting for files): a task whose wall time, divided by the
//   measured machine's slowdown, exceeds its CPU time counts that instead. The slowdown is the
//   median wall / CPU of the single-threaded tasks with at least 5 CPU-s (configure, packaging):
//   how much longer than its CPU time such a task took on the shared machine.
// - The build host has `localCores` cores shared by the running tasks (at most `threads` at once,
//   BB_NUMBER_THREADS), do_compile and do_install using up to `makeJobs` cores (PARALLEL_MAKE),
//   every other task one. Tasks start in the order the measured build started them.
// - do_compile of a target recipe compiled with the cross compiler (what icecc.bbclass
//   distributes) splits in two: the compiles proper, `compileFraction` of its CPU, run on the
//   cluster's `nodes × coresPerNode` slots (at most `iceccJobs` at once, ICECC_PARALLEL_MAKE); the
//   rest (preprocessing, make, linking, archiving, scripts) stays on the build host. Both parts
//   run at once; the task ends when both are done. Everything else (native and cross recipes,
//   configure, install, packaging, images) is local, as with icecc.bbclass.
// - Ignored: sending the compiler environment to each node once (tens of MB), network latency,
//   that a recipe has only so many files to compile at once, and that the nodes spend more CPU on
//   the jobs than the build host saves (busybox: 119 CPU-s remote for 57 saved), which only
//   matters while the cluster, not the build host, is the bottleneck (one node).
import type { TaskStat } from "../run/index.js";

export interface ClusterScenario {
  /** Icecream nodes besides the build host (0: no icecc). */
  readonly nodes: number;
  readonly coresPerNode: number;
  readonly localCores: number;
  /** BB_NUMBER_THREADS. */
  readonly threads: number;
  /** Cores a make-driven task uses at most locally (PARALLEL_MAKE). */
  readonly makeJobs: number;
  /** Jobs a distributed compile keeps on the cluster at most (ICECC_PARALLEL_MAKE). */
  readonly iceccJobs: number;
  /** The share of a distributed do_compile's CPU that leaves the build host for the nodes (measured: README). */
  readonly compileFraction: number;
  /** How much longer than its CPU time a single-threaded task took when measured (measuredSlowdown). */
  readonly slowdown: number;
  /** Recipes taken from shared state instead: their tasks cost nothing. */
  readonly restored?: (task: TaskStat) => boolean;
}

/** How a task counts in the model. */
export type TaskKind = "distributed" | "make" | "serial";

/** Native and cross recipes (the toolchain and the host tools): compiled on the build host. */
export function isHostRecipe(pf: string): boolean {
  return /-native-|-cross-|-cross$|-crosssdk-/.test(pf);
}

function split(task: string): [pn: string, name: string] {
  const at = task.lastIndexOf(":");
  return [task.slice(0, at), task.slice(at + 1)];
}

/**
 * How each task counts. A do_compile is distributed when icecc.bbclass would send it: a target
 * recipe whose sysroot has the cross compiler (its do_prepare_recipe_sysroot waited for
 * gcc-cross-*:do_populate_sysroot). When the build did not run the compiler's recipe (restored from
 * shared state, so no task waited for it), every target do_compile counts.
 */
export function taskKinds(stats: readonly TaskStat[]): TaskKind[] {
  const compilerRan = stats.some((t) => split(t.task)[0].startsWith("gcc-cross-"));
  const withCompiler = new Set(
    stats
      .filter((t) => split(t.task)[1] === "do_prepare_recipe_sysroot" && (t.deps ?? []).some((d) => d.startsWith("gcc-cross-") && d.endsWith(":do_populate_sysroot")))
      .map((t) => split(t.task)[0]),
  );
  return stats.map((t) => {
    const [pn, task] = split(t.task);
    if (task === "do_compile" && !isHostRecipe(t.pf) && (!compilerRan || withCompiler.has(pn)) && (t.cpu ?? 0) > 0) return "distributed";
    if (task === "do_compile" || task === "do_install") return "make";
    return "serial";
  });
}

/**
 * The median wall / CPU of the single-threaded tasks with at least 5 CPU-s: 1 on a machine that
 * did nothing else, more on a shared one. 1 when the build has no such task.
 */
export function measuredSlowdown(stats: readonly TaskStat[]): number {
  const kinds = taskKinds(stats);
  const ratios = stats
    .filter((t, i) => kinds[i] === "serial" && (t.cpu ?? 0) >= 5)
    .map((t) => t.elapsed / t.cpu!)
    .sort((a, b) => a - b);
  if (ratios.length === 0) return 1;
  const mid = ratios.length >> 1;
  return Math.max(1, ratios.length % 2 === 1 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2);
}

export interface SimulatedTask {
  readonly task: string;
  readonly kind: TaskKind;
  readonly start: number;
  readonly end: number;
}

export interface SimulationResult {
  readonly wall: number;
  readonly tasks: readonly SimulatedTask[];
  /** The chain of tasks that ended the build, each waiting for the one before (or for a free slot). */
  readonly path: readonly SimulatedTask[];
  /** CPU seconds on the build host and on the cluster. */
  readonly localCpu: number;
  readonly remoteCpu: number;
}

interface Running {
  readonly i: number;
  local: number;
  remote: number;
  readonly localCap: number;
  readonly remoteCap: number;
}

/** Shares `capacity` among demands capped at `caps`, equally (max-min fairness). */
function waterFill(capacity: number, caps: readonly number[]): number[] {
  const rate = caps.map(() => 0);
  let left = capacity;
  let open = caps.map((c, i) => (c > 0 ? i : -1)).filter((i) => i >= 0);
  while (open.length > 0 && left > 1e-12) {
    const share = left / open.length;
    const capped = open.filter((i) => caps[i]! - rate[i]! <= share);
    if (capped.length === 0) {
      for (const i of open) rate[i]! += share;
      break;
    }
    for (const i of capped) {
      left -= caps[i]! - rate[i]!;
      rate[i] = caps[i]!;
    }
    open = open.filter((i) => !capped.includes(i));
  }
  return rate;
}

const EPS = 1e-9;

/** The tasks in the order the measured build started them, each with its dependencies (indices) and its work in the scenario. */
function modelled(stats: readonly TaskStat[], s: ClusterScenario) {
  const order = [...stats].sort((a, b) => Date.parse(a.started) - Date.parse(b.started));
  const index = new Map(order.map((t, i) => [t.task, i] as const));
  const deps = order.map((t) => (t.deps ?? []).map((d) => index.get(d)).filter((d): d is number => d !== undefined));
  const kinds = taskKinds(order);
  const slots = s.nodes * s.coresPerNode;
  const work = order.map((t, i) => {
    if (s.restored?.(t)) return { local: 0, remote: 0 };
    const cpu = Math.max(t.cpu ?? 0, t.elapsed / s.slowdown);
    if (kinds[i] === "distributed" && slots > 0) return { local: cpu * (1 - s.compileFraction), remote: cpu * s.compileFraction };
    return { local: cpu, remote: 0 };
  });
  return { order, deps, kinds, slots, work };
}

export interface WallBounds {
  /**
   * The longest chain of dependencies, each task taking what it would alone (its local work on
   * the cores PARALLEL_MAKE lets it use, its compiling share on the slots ICECC_PARALLEL_MAKE
   * lets it use): the wall time with a build host of unlimited cores.
   */
  readonly criticalPath: number;
  /** The build host's work over its cores: the wall time if no task ever waited for another. */
  readonly hostWork: number;
  /** The cluster's work over its slots. */
  readonly clusterWork: number;
}

/** What bounds a scenario's wall time from below: the dependencies, or the work to be done. */
export function wallBounds(stats: readonly TaskStat[], s: ClusterScenario): WallBounds {
  const { order, deps, kinds, slots, work } = modelled(stats, s);
  // A composed build's tasks come from several builds: the measured order need not follow the graph.
  const finish = order.map((): number | null => null);
  const finishOf = (i: number): number => {
    const known = finish[i];
    if (known !== null && known !== undefined) {
      if (known < 0) throw new Error(`the tasks' dependencies loop through ${order[i]!.task}`);
      return known;
    }
    finish[i] = -1;
    const w = work[i]!;
    const alone = Math.max(w.local / Math.min(kinds[i] === "serial" ? 1 : s.makeJobs, s.localCores), slots > 0 ? w.remote / Math.min(s.iceccJobs, slots) : 0);
    const at = Math.max(0, ...deps[i]!.map(finishOf)) + alone;
    finish[i] = at;
    return at;
  };
  const chain = Math.max(0, ...order.map((_, i) => finishOf(i)));
  const total = (part: "local" | "remote") => work.reduce((n, w) => n + w[part], 0);
  return { criticalPath: chain, hostWork: total("local") / s.localCores, clusterWork: slots > 0 ? total("remote") / slots : 0 };
}

export function simulateCluster(stats: readonly TaskStat[], s: ClusterScenario): SimulationResult {
  const { order, deps, kinds, slots, work } = modelled(stats, s);
  const start = order.map(() => -1);
  const end = order.map(() => -1);
  const waitedFor = order.map((): number | null => null);
  const running: Running[] = [];
  let now = 0;
  let lastEnd: number | null = null;
  let localCpu = 0;
  let remoteCpu = 0;
  const ready = (i: number) => deps[i]!.every((d) => end[d]! >= 0);

  while (end.some((e) => e < 0)) {
    // Start what may start, in the measured order: a task waits for its dependencies and a thread.
    for (let i = 0; i < order.length && running.length < s.threads; i++) {
      if (start[i]! >= 0 || !ready(i)) continue;
      start[i] = now;
      const last = deps[i]!.reduce<number | null>((m, d) => (m === null || end[d]! > end[m]! ? d : m), null);
      // What it waited for: the dependency that ended last, unless a thread freed later.
      waitedFor[i] = last !== null && end[last]! >= (lastEnd === null ? -1 : end[lastEnd]!) ? last : lastEnd;
      const w = work[i]!;
      const kind = kinds[i]!;
      running.push({
        i,
        local: w.local,
        remote: w.remote,
        localCap: kind === "serial" ? 1 : s.makeJobs,
        remoteCap: Math.min(s.iceccJobs, slots),
      });
    }
    if (running.length === 0) throw new Error("the tasks' dependencies cannot all be met (a cycle, or a dependency that never ran)");
    const localRates = waterFill(s.localCores, running.map((r) => (r.local > EPS ? r.localCap : 0)));
    const remoteRates = waterFill(slots, running.map((r) => (r.remote > EPS ? r.remoteCap : 0)));
    // A task with nothing (left) to do ends now, not at the next task's event.
    let dt = running.some((r) => r.local <= EPS && r.remote <= EPS) ? 0 : Infinity;
    running.forEach((r, k) => {
      if (r.local > EPS) dt = Math.min(dt, r.local / localRates[k]!);
      if (r.remote > EPS) dt = Math.min(dt, r.remote / remoteRates[k]!);
    });
    if (!Number.isFinite(dt)) dt = 0;
    now += dt;
    running.forEach((r, k) => {
      localCpu += localRates[k]! * dt;
      remoteCpu += remoteRates[k]! * dt;
      r.local -= localRates[k]! * dt;
      r.remote -= remoteRates[k]! * dt;
    });
    for (let k = running.length - 1; k >= 0; k--) {
      const r = running[k]!;
      if (r.local <= EPS && r.remote <= EPS) {
        end[r.i] = now;
        lastEnd = r.i;
        running.splice(k, 1);
      }
    }
  }
  const tasks = order.map((t, i): SimulatedTask => ({ task: t.task, kind: kinds[i]!, start: start[i]!, end: end[i]! }));
  let at: number | null = end.reduce((m, e, i) => (e > end[m]! ? i : m), 0);
  const path: SimulatedTask[] = [];
  const seen = new Set<number>();
  while (at !== null && !seen.has(at)) {
    seen.add(at);
    path.push(tasks[at]!);
    at = waitedFor[at]!;
  }
  return { wall: Math.max(0, ...end), tasks, path: path.reverse(), localCpu, remoteCpu };
}
