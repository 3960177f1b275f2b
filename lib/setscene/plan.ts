// setscene (BitBake's scenequeue): given which sstate tasks' outputs can be restored, which tasks
// of the build still have to run. Walking down from the tasks asked for: a task that is done
// stops the walk; an sstate task whose object is available is restored instead of run, and what
// only it needed is never run (a restored cross toolchain's sources are not even fetched);
// anything else runs, and so needs what it depends on.
//
// A restored task also needs the sstate tasks of the same name below it (OE's setscene_depvalid
// for populate_sysroot: "target populate_sysroot need their dependencies"): staging copies a
// recipe's sysroot output together with that of everything it was built against, so whoever
// later stages a restored sysroot finds the whole chain in place.
import type { TaskGraph, TaskId, TaskNode } from "../graph/types.js";

/** Where an sstate task stands: done (ran, current, restored, running), restorable, or not. */
export type SstateState = "done" | "available" | "missing";

export interface PlanInputs {
  readonly isSstate: (node: TaskNode) => boolean;
  /** For sstate tasks. */
  readonly sstate: (id: TaskId) => SstateState;
  /** Tasks that ran, were current, or are running: nothing below them is needed for them. */
  readonly done?: (id: TaskId) => boolean;
}

export interface SetscenePlan {
  /** Tasks to hand to the scheduler as usual (run, or current by stamp). */
  readonly run: ReadonlySet<TaskId>;
  /** Sstate tasks to restore. */
  readonly restore: ReadonlySet<TaskId>;
  /** Tasks of the build that nothing needs any more. */
  readonly covered: ReadonlySet<TaskId>;
}

/** The tasks nothing else in `set` depends on, and the targets: where the walk starts. */
export function planRoots(graph: TaskGraph, set: ReadonlySet<TaskId>): TaskId[] {
  const depended = new Set<TaskId>();
  for (const id of set) for (const d of graph.nodes.get(id)!.deps) depended.add(d);
  const roots = new Set(graph.targets.filter((t) => set.has(t)));
  for (const id of set) if (!depended.has(id)) roots.add(id);
  return [...roots];
}

export function planSetscene(graph: TaskGraph, set: ReadonlySet<TaskId>, inputs: PlanInputs): SetscenePlan {
  const run = new Set<TaskId>();
  const restore = new Set<TaskId>();
  const seen = new Set<TaskId>();
  const done = inputs.done ?? (() => false);
  const sameNameSeen = new Map<string, Set<TaskId>>();
  const work: TaskId[] = planRoots(graph, set);
  const node = (id: TaskId) => graph.nodes.get(id)!;

  // The same-name sstate tasks below a restored one, found by one walk per task name overall.
  const sameNameBelow = (from: TaskNode) => {
    const name = from.task.name;
    let visited = sameNameSeen.get(name);
    if (!visited) sameNameSeen.set(name, (visited = new Set()));
    const stack = [...from.deps];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (visited.has(id) || !set.has(id)) continue;
      visited.add(id);
      const n = node(id);
      if (n.task.name === name && inputs.isSstate(n)) work.push(id);
      stack.push(...n.deps);
    }
  };

  while (work.length > 0) {
    const id = work.pop()!;
    if (seen.has(id) || !set.has(id)) continue;
    seen.add(id);
    const n = node(id);
    const sstate = inputs.isSstate(n);
    if (done(id) || (sstate && inputs.sstate(id) === "done")) continue;
    if (sstate && inputs.sstate(id) === "available") {
      restore.add(id);
      sameNameBelow(n);
      continue;
    }
    run.add(id);
    for (const d of n.deps) if (!seen.has(d)) work.push(d);
  }
  const covered = new Set<TaskId>();
  for (const id of set) if (!run.has(id) && !restore.has(id) && !seen.has(id)) covered.add(id);
  return { run, restore, covered };
}
