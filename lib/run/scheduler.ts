// The run queue (BitBake's RunQueueExecute): keeps `threads` tasks busy, starting among the ready
// ones the task with the longest chain of tasks waiting behind it, so the build's critical path
// starts as early as possible. Tasks whose stamp is current complete at once without a thread.
import { DependencyLoop, displayName, isSet, type TaskGraph, type TaskId, type TaskNode } from "../graph/index.js";
import type { BuildEvent, BuildListener, BuildSummary, TaskFailure, TaskOutcome } from "./events.js";

/** Where interrupts come from: SIGINT for bake, a test's own trigger in tests. */
export interface InterruptSource {
  /** Call `onInterrupt` at each interrupt until the returned function is called. */
  subscribe(onInterrupt: () => void): () => void;
}

export const processInterrupts: InterruptSource = {
  subscribe(onInterrupt) {
    const handler = () => onInterrupt();
    process.on("SIGINT", handler);
    return () => process.off("SIGINT", handler);
  },
};

export interface SchedulerOptions {
  /** Tasks at once (BB_NUMBER_THREADS). */
  readonly threads: number;
  /** `-k`: after a failure, go on with every task that does not depend on it. */
  readonly keepGoing?: boolean;
  /** Run a task; aborted on a second interrupt (kill it). Rejections count as failures. */
  readonly execute: (node: TaskNode, signal: AbortSignal) => Promise<TaskOutcome>;
  /**
   * Asked when a task's dependencies are all done: true when it need not run. `ranDeps` are the
   * dependencies that ran in this build (BitBake reruns a task after a same-recipe one that ran).
   */
  readonly isCurrent?: (node: TaskNode, ranDeps: readonly TaskNode[]) => boolean;
  readonly interrupts?: InterruptSource;
  readonly listener?: BuildListener;
}

/**
 * Each task's priority: how many tasks, itself included, lie on the longest chain of tasks that
 * depend on it, within `tasks`. Also checks `tasks` has no cycle.
 */
export function longestPathPriorities(graph: TaskGraph, tasks: ReadonlySet<TaskId>): Map<TaskId, number> {
  const dependents = dependentsWithin(graph, tasks);
  const pending = new Map<TaskId, number>();
  for (const id of tasks) pending.set(id, dependents.get(id)!.length);
  // Kahn's algorithm from the far end: a task's priority is known once all its dependents' are.
  const queue = [...tasks].filter((id) => pending.get(id) === 0);
  const priority = new Map<TaskId, number>();
  while (queue.length > 0) {
    const id = queue.pop()!;
    priority.set(id, 1 + Math.max(0, ...dependents.get(id)!.map((d) => priority.get(d)!)));
    for (const dep of depsWithin(graph, tasks, id)) {
      const left = pending.get(dep)! - 1;
      pending.set(dep, left);
      if (left === 0) queue.push(dep);
    }
  }
  if (priority.size !== tasks.size) throw loopAmong(graph, [...tasks].filter((id) => !priority.has(id)), dependents);
  return priority;
}

/**
 * The loop among the tasks Kahn's algorithm left: each of them has a dependent left too, so
 * following dependents from any of them comes back to a task already passed.
 */
function loopAmong(graph: TaskGraph, left: readonly TaskId[], dependents: ReadonlyMap<TaskId, readonly TaskId[]>): DependencyLoop {
  const remaining = new Set(left);
  const path: TaskId[] = [];
  const at = new Map<TaskId, number>();
  let id = left[0]!;
  while (!at.has(id)) {
    at.set(id, path.length);
    path.push(id);
    id = dependents.get(id)!.find((d) => remaining.has(d))!;
  }
  // Walked against the dependencies: reversed, each task depends on the next.
  const loop = [...path.slice(at.get(id)!), id].reverse();
  return new DependencyLoop(loop.map((t) => displayName(graph.nodes.get(t)!)));
}

function depsWithin(graph: TaskGraph, tasks: ReadonlySet<TaskId>, id: TaskId): TaskId[] {
  // A task listed twice as a dependency counts once.
  return [...new Set(graph.nodes.get(id)!.deps.filter((d) => tasks.has(d)))];
}

function dependentsWithin(graph: TaskGraph, tasks: ReadonlySet<TaskId>): Map<TaskId, TaskId[]> {
  const out = new Map<TaskId, TaskId[]>();
  for (const id of tasks) out.set(id, []);
  for (const id of tasks) for (const dep of depsWithin(graph, tasks, id)) out.get(dep)!.push(id);
  return out;
}

/** Ready tasks, highest priority first, then in graph order (deterministic). */
class ReadyQueue {
  private readonly heap: { id: TaskId; priority: number; order: number }[] = [];

  get size(): number {
    return this.heap.length;
  }

  private before(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.priority !== y.priority ? x.priority > y.priority : x.order < y.order;
  }

  private swap(a: number, b: number): void {
    [this.heap[a], this.heap[b]] = [this.heap[b]!, this.heap[a]!];
  }

  push(id: TaskId, priority: number, order: number): void {
    this.heap.push({ id, priority, order });
    for (let i = this.heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): TaskId | undefined {
    if (this.heap.length === 0) return undefined;
    const top = this.heap[0]!.id;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < this.heap.length && this.before(l, best)) best = l;
        if (r < this.heap.length && this.before(r, best)) best = r;
        if (best === i) break;
        this.swap(i, best);
        i = best;
      }
    }
    return top;
  }
}

type State = "waiting" | "ready" | "running" | "ran" | "current" | "failed" | "notrun";

/**
 * Run `tasks` of `graph` (their dependencies outside `tasks` count as done). Resolves when
 * nothing more can start and nothing runs: all done, or stopped by a failure or an interrupt.
 */
export function runQueue(graph: TaskGraph, tasks: Iterable<TaskId>, opts: SchedulerOptions): Promise<BuildSummary> {
  const set = new Set([...tasks].filter((id) => graph.nodes.has(id)));
  const priority = longestPathPriorities(graph, set);
  const dependents = dependentsWithin(graph, set);
  const order = new Map([...graph.nodes.keys()].map((id, i) => [id, i] as const));
  const threads = Math.max(1, Math.floor(opts.threads));
  const state = new Map<TaskId, State>();
  const waitingOn = new Map<TaskId, number>();
  const ready = new ReadyQueue();
  const running = new Map<TaskId, AbortController>();
  const failures: { id: TaskId; failure: TaskFailure }[] = [];
  let started = 0;
  let stopping = false;
  let interrupts = 0;
  let listenerError: unknown = null;

  const emit = (e: BuildEvent) => {
    try {
      opts.listener?.(e);
    } catch (err) {
      listenerError ??= err;
    }
  };
  const node = (id: TaskId) => graph.nodes.get(id)!;

  return new Promise<BuildSummary>((resolve, reject) => {
    let finished = false;
    const unsubscribe = (opts.interrupts ?? processInterrupts).subscribe(() => {
      interrupts++;
      stopping = true;
      emit({ type: "Interrupted", hard: interrupts > 1, running: running.size });
      if (interrupts > 1) for (const c of running.values()) c.abort();
      pump();
    });

    // Tasks whose dependencies are all done: current ones complete at once (which may make
    // others ready, hence the work list rather than recursion), the rest wait for a thread.
    const becameReady = (first: TaskId) => {
      const work = [first];
      while (work.length > 0) {
        const id = work.pop()!;
        const n = node(id);
        const ranDeps = depsWithin(graph, set, id).filter((d) => state.get(d) === "ran").map(node);
        if (opts.isCurrent?.(n, ranDeps)) {
          state.set(id, "current");
          started++;
          emit({ type: "TaskCurrent", node: n });
          for (const d of dependents.get(id)!) if (release(d)) work.push(d);
        } else {
          state.set(id, "ready");
          ready.push(id, priority.get(id)!, order.get(id) ?? 0);
        }
      }
    };
    // One dependency of `id` is done; true when that was the last one.
    const release = (id: TaskId): boolean => {
      const left = waitingOn.get(id)! - 1;
      waitingOn.set(id, left);
      return left === 0 && state.get(id) === "waiting";
    };

    const markNotRun = (failed: TaskId) => {
      const work = [...dependents.get(failed)!];
      while (work.length > 0) {
        const id = work.pop()!;
        if (state.get(id) !== "waiting") continue;
        state.set(id, "notrun");
        emit({ type: "TaskNotRun", node: node(id), failedDependency: node(failed) });
        work.push(...dependents.get(id)!);
      }
    };

    const start = (id: TaskId) => {
      const n = node(id);
      const controller = new AbortController();
      running.set(id, controller);
      state.set(id, "running");
      started++;
      emit({ type: "TaskStarted", node: n, index: started, total: set.size, noexec: isSet(n.task.flags.noexec) });
      const t0 = performance.now();
      let outcome: Promise<TaskOutcome>;
      try {
        outcome = opts.execute(n, controller.signal);
      } catch (err) {
        outcome = Promise.reject(err);
      }
      outcome
        .catch((err): TaskOutcome => ({
          ok: false,
          failure: { reason: "error", message: err instanceof Error ? err.message : String(err), log: null },
        }))
        .then((result) => {
          running.delete(id);
          const elapsedMs = performance.now() - t0;
          if (result.ok) {
            state.set(id, "ran");
            emit({ type: "TaskSucceeded", node: n, elapsedMs });
            if (!stopping) for (const d of dependents.get(id)!) if (release(d)) becameReady(d);
          } else {
            state.set(id, "failed");
            failures.push({ id, failure: result.failure });
            emit({ type: "TaskFailed", node: n, elapsedMs, failure: result.failure });
            if (opts.keepGoing) markNotRun(id);
            else stopping = true;
          }
          pump();
        })
        .catch(reject);
    };

    const pump = () => {
      if (finished) return;
      while (!stopping && running.size < threads && ready.size > 0) start(ready.pop()!);
      if (running.size > 0 || (!stopping && ready.size > 0)) return;
      finished = true;
      unsubscribe();
      const count = (s: State) => [...state.values()].filter((v) => v === s).length;
      const done = { ran: count("ran"), current: count("current"), failed: count("failed"), notRun: count("notrun") };
      const summary: BuildSummary = {
        total: set.size,
        ...done,
        unstarted: set.size - done.ran - done.current - done.failed - done.notRun,
        interrupted: interrupts > 0,
        failures,
      };
      emit({ type: "BuildFinished", summary });
      if (listenerError !== null) reject(listenerError);
      else resolve(summary);
    };

    emit({ type: "BuildStarted", total: set.size, threads });
    const roots: TaskId[] = [];
    for (const id of set) {
      const n = depsWithin(graph, set, id).length;
      waitingOn.set(id, n);
      state.set(id, "waiting");
      if (n === 0) roots.push(id);
    }
    for (const id of roots) becameReady(id);
    pump();
  });
}
