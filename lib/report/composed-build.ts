// One build from nothing, put together from several builds of the same configuration that each ran
// part of it (the rest restored from shared state, or already done by the one before). A task's
// statistics say which tasks it waited for only among those that ran in its own build, so the
// dependencies come from the task graph instead (`bake -g`'s task-depends.json): each task waits
// for the nearest tasks below it that some build measured, through noexec tasks and any that none
// measured.
import type { TaskStat } from "../run/index.js";

/** A task of `bake -g`'s task-depends.json: its id, its `pn:do_task` name and the ids it depends on. */
export interface GraphTask {
  readonly id: string;
  readonly name: string;
  readonly deps: readonly string[];
}

export interface ComposedBuild {
  /** The graph's tasks that some build ran successfully, each from the latest such build, deps from the graph. */
  readonly tasks: readonly TaskStat[];
  /** Graph tasks no build measured (noexec tasks, and any that were only ever restored). */
  readonly unmeasured: readonly string[];
  /** For each task of `tasks`, the index in `builds` of the build its figures come from. */
  readonly measuredIn: ReadonlyMap<string, number>;
}

/** `builds` oldest first: a task measured by several builds counts as the latest measured it. */
export function composeBuild(builds: readonly (readonly TaskStat[])[], graph: readonly GraphTask[]): ComposedBuild {
  const measured = new Map<string, TaskStat>();
  const measuredIn = new Map<string, number>();
  builds.forEach((build, b) => {
    for (const t of build) {
      if (!t.ok) continue;
      measured.set(t.task, t);
      measuredIn.set(t.task, b);
    }
  });
  const byId = new Map(graph.map((g) => [g.id, g] as const));
  const nearest = new Map<string, readonly string[]>();
  // The measured tasks a task waits for: itself if measured, else what those below it wait for.
  const below = (id: string, trail: Set<string>): readonly string[] => {
    const known = nearest.get(id);
    if (known) return known;
    if (trail.has(id)) throw new Error(`task-depends.json: a dependency loop through ${byId.get(id)?.name ?? id}`);
    trail.add(id);
    const g = byId.get(id);
    const out = g === undefined ? [] : measured.has(g.name) ? [g.name] : [...new Set(g.deps.flatMap((d) => below(d, trail)))];
    trail.delete(id);
    nearest.set(id, out);
    return out;
  };
  const tasks: TaskStat[] = [];
  const unmeasured: string[] = [];
  for (const g of graph) {
    const stat = measured.get(g.name);
    if (stat === undefined) {
      unmeasured.push(g.name);
      continue;
    }
    const deps = [...new Set(g.deps.flatMap((d) => below(d, new Set())))].sort();
    tasks.push({ ...stat, deps });
  }
  tasks.sort((a, b) => Date.parse(a.started) - Date.parse(b.started));
  return { tasks, unmeasured, measuredIn: new Map(tasks.map((t) => [t.task, measuredIn.get(t.task)!] as const)) };
}
