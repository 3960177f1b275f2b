// Building the task graph for a set of targets: BitBake's taskdata + runqueue preparation. Every task
// reachable from the targets' tasks, through `after`, `[depends]`, `[deptask]`, `[rdeptask]`,
// `[recrdeptask]` (minus `[recideptask]`), with providers resolved on the recipe index.
import { recipeId, type RecipeInfo } from "../config/index.js";
import { BakeError, type SourceLocation } from "../common/errors.js";
import {
  buildProvider,
  NothingProvides,
  runtimeProvider,
  type ProviderPreferences,
  type RecipeIndex,
} from "./providers.js";
import { taskId, type TaskGraph, type TaskId, type TaskNode } from "./types.js";

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    "dependency-loop": DependencyLoop;
    "unknown-task": UnknownTask;
  }
}

export interface Target {
  /** A build-time name (PN or something PROVIDEd); `name:do_task` is split by the CLI. */
  readonly name: string;
  readonly task: string;
}

export interface GraphOptions {
  /** --runall=TASK: also run TASK of every recipe in the graph that has it. */
  readonly runall?: readonly string[];
  /** --runonly=TASK: run only TASK (and what it needs) of every recipe in the graph. */
  readonly runonly?: readonly string[];
  /** `-b FILE`: the recipe's own tasks only; dependencies on other recipes are not followed. */
  readonly standalone?: boolean;
  /**
   * ASSUME_PROVIDED plus `-I`: build and runtime names taken as already there (BitBake's
   * ignored_dependencies: a name, or a regular expression when it starts with ^ or ends with $).
   */
  readonly assumeProvided?: readonly string[];
}

/** BitBake's re_match_strings: whether `name` is one of `patterns` (regular expressions anchored at the start). */
export function assumedProvided(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.startsWith("^") || p.endsWith("$") ? new RegExp(p.startsWith("^") ? p : `^(?:${p})`).test(name) : p === name));
}

export class DependencyLoop extends BakeError {
  readonly kind = "dependency-loop" as const;
  override readonly name = "DependencyLoop";
  constructor(readonly loop: readonly string[]) {
    super(`Dependency loop found:\n  ${loop.join("\n  -> ")}`);
  }
}

export class UnknownTask extends BakeError {
  readonly kind = "unknown-task" as const;
  override readonly name = "UnknownTask";
  constructor(message: string, location: SourceLocation | null = null) {
    super(message, { location });
  }
}

function words(text: string | undefined): string[] {
  return (text ?? "").split(/\s+/).filter(Boolean);
}

function hasTask(r: RecipeInfo, task: string): boolean {
  return r.tasks.some((t) => t.name === task);
}

class GraphBuilder {
  private readonly nodes = new Map<TaskId, TaskNode>();
  /** Why each recipe is in the graph, for "nothing provides" messages. */
  private readonly reason = new Map<string, string>();

  constructor(
    private readonly index: RecipeIndex,
    private readonly prefs: ProviderPreferences,
    private readonly standalone: boolean,
    private readonly assumed: readonly string[] = [],
  ) {}

  private needed(name: string): boolean {
    return this.assumed.length === 0 || !assumedProvided(name, this.assumed);
  }

  private provider(name: string, runtime: boolean, from: RecipeInfo | null): RecipeInfo {
    const r = runtime ? runtimeProvider(this.index, name, this.prefs) : buildProvider(this.index, name, this.prefs);
    if (r === null) {
      const chain: string[] = [];
      for (let at = from?.pn; at !== undefined && chain.length < 20; at = this.reason.get(at)) chain.unshift(at);
      throw new NothingProvides(name, runtime, chain, this.index.skipReasons(name), runtime ? [] : this.index.closeMatches(name));
    }
    if (from && !this.reason.has(r.pn)) this.reason.set(r.pn, from.pn);
    return r;
  }

  private readonly memo = new Map<string, RecipeInfo[]>();

  private cached(kind: string, r: RecipeInfo, compute: () => RecipeInfo[]): RecipeInfo[] {
    const key = `${kind}\0${recipeId(r.file, r.variant)}`;
    let value = this.memo.get(key);
    if (!value) {
      value = compute();
      this.memo.set(key, value);
    }
    return value;
  }

  /** Direct build and runtime dependencies of a recipe, as recipes. */
  private buildDeps(r: RecipeInfo): RecipeInfo[] {
    return this.cached("build", r, () => r.depends.filter((d) => this.needed(d)).map((d) => this.provider(d, false, r)));
  }

  private runtimeDeps(r: RecipeInfo): RecipeInfo[] {
    return this.cached("runtime", r, () => this.computeRuntimeDeps(r));
  }

  private computeRuntimeDeps(r: RecipeInfo): RecipeInfo[] {
    const names = new Set<string>();
    for (const pkg of r.packages) {
      for (const n of r.rdepends[pkg] ?? []) names.add(n);
      for (const n of r.rrecommends[pkg] ?? []) names.add(n);
    }
    // A recipe's own packages depending on each other is not a dependency on another recipe.
    return [...names].filter((n) => !r.packages.includes(n) && this.needed(n)).map((n) => this.provider(n, true, r));
  }

  /** Every recipe reachable from `r` through DEPENDS and RDEPENDS (r itself excluded). */
  private recursiveDeps(r: RecipeInfo): RecipeInfo[] {
    return this.cached("recursive", r, () => this.computeRecursiveDeps(r));
  }

  private computeRecursiveDeps(r: RecipeInfo): RecipeInfo[] {
    const seen = new Map<string, RecipeInfo>();
    const stack = [...this.buildDeps(r), ...this.runtimeDeps(r)];
    const self = recipeId(r.file, r.variant);
    while (stack.length > 0) {
      const next = stack.pop()!;
      const id = recipeId(next.file, next.variant);
      if (seen.has(id) || id === self) continue;
      seen.set(id, next);
      stack.push(...this.buildDeps(next), ...this.runtimeDeps(next));
    }
    return [...seen.values()];
  }

  add(r: RecipeInfo, taskName: string): TaskId {
    const rid = recipeId(r.file, r.variant);
    const id = taskId(rid, taskName);
    if (this.nodes.has(id)) return id;
    const task = r.tasks.find((t) => t.name === taskName);
    if (!task) throw new UnknownTask(`recipe ${r.pn} (${r.file}) has no task ${taskName}`, { file: r.file });
    const deps = new Set<TaskId>();
    // Reserve the node first so that cycles terminate; deps are filled in below.
    const node: TaskNode = { id, recipeId: rid, recipe: r, task, deps: [] };
    this.nodes.set(id, node);
    const link = (other: RecipeInfo, name: string) => {
      if (hasTask(other, name)) deps.add(this.add(other, name));
    };
    for (const after of task.after) if (hasTask(r, after)) deps.add(this.add(r, after));
    if (this.standalone) {
      (node as { deps: readonly TaskId[] }).deps = [...deps];
      return id;
    }
    for (const entry of words(task.flags.depends)) {
      const colon = entry.lastIndexOf(":");
      if (!this.needed(entry.slice(0, colon))) continue;
      const dep = this.provider(entry.slice(0, colon), false, r);
      const name = entry.slice(colon + 1);
      if (!hasTask(dep, name)) throw new UnknownTask(`${r.pn}:${taskName}[depends] names ${entry}, but ${dep.pn} has no task ${name}`, { file: r.file });
      deps.add(this.add(dep, name));
    }
    for (const name of words(task.flags.deptask)) for (const dep of this.buildDeps(r)) link(dep, name);
    for (const name of words(task.flags.rdeptask)) for (const dep of this.runtimeDeps(r)) link(dep, name);
    const recursive = words(task.flags.recrdeptask);
    if (recursive.length > 0) {
      const ignored = new Set(words(task.flags.recideptask));
      for (const dep of this.recursiveDeps(r)) {
        for (const name of recursive) if (!ignored.has(name)) link(dep, name);
      }
      for (const name of recursive) if (name !== taskName && !ignored.has(name)) link(r, name);
    }
    // As BitBake's runqueue: a task reached from itself (a native recipe's rdeptask through a name
    // its own PN or RPROVIDES answers) is not a dependency.
    deps.delete(id);
    (node as { deps: readonly TaskId[] }).deps = [...deps];
    return id;
  }

  targetRecipe(name: string): RecipeInfo {
    return this.provider(name, false, null);
  }

  build(targets: readonly TaskId[]): TaskGraph {
    checkLoops(this.nodes);
    return { nodes: this.nodes, targets };
  }

  get all(): ReadonlyMap<TaskId, TaskNode> {
    return this.nodes;
  }
}

/** A cycle, printed as the chain of tasks that closes it. */
function checkLoops(nodes: ReadonlyMap<TaskId, TaskNode>): void {
  const state = new Map<TaskId, 1 | 2>();
  const path: TaskId[] = [];
  const visit = (id: TaskId): void => {
    const s = state.get(id);
    if (s === 2) return;
    if (s === 1) {
      const start = path.indexOf(id);
      const loop = [...path.slice(start), id].map((t) => {
        const n = nodes.get(t)!;
        return `${n.recipe.pn}:${n.task.name}`;
      });
      throw new DependencyLoop(loop);
    }
    state.set(id, 1);
    path.push(id);
    for (const dep of nodes.get(id)!.deps) visit(dep);
    path.pop();
    state.set(id, 2);
  };
  for (const id of nodes.keys()) visit(id);
}

/** The task graph for `targets`, with --runall/--runonly applied. */
export function buildTaskGraph(
  index: RecipeIndex,
  prefs: ProviderPreferences,
  targets: readonly Target[],
  opts: GraphOptions = {},
): TaskGraph {
  const b = new GraphBuilder(index, prefs, opts.standalone ?? false, opts.assumeProvided ?? []);
  const wanted: TaskId[] = [];
  const targetRecipes = targets.map((t) => ({ recipe: b.targetRecipe(t.name), task: t.task }));
  const runonly = opts.runonly ?? [];
  const extra = [...(opts.runall ?? []), ...runonly];
  if (extra.length === 0) {
    for (const t of targetRecipes) wanted.push(b.add(t.recipe, t.task));
  } else {
    // As BitBake's runqueue: the graph of the targets' own tasks says which recipes are involved;
    // only the runall/runonly tasks (and what they need) run, so `--runall=fetch` builds nothing.
    for (const t of targetRecipes) b.add(t.recipe, t.task);
  }
  if (extra.length > 0) {
    // A runall task may bring in recipes of its own (its dependencies): repeat until none is new
    // (runonly, as in BitBake, takes one pass).
    const seen = new Set<string>();
    let grew: boolean;
    do {
      grew = false;
      const recipes = new Map<string, RecipeInfo>();
      for (const node of [...b.all.values()]) recipes.set(node.recipeId, node.recipe);
      for (const [id, r] of recipes) {
        if (seen.has(id)) continue;
        seen.add(id);
        grew = true;
        for (const name of extra) if (hasTask(r, name)) wanted.push(b.add(r, name));
      }
    } while (grew && (opts.runall ?? []).length > 0);
    if (wanted.length === 0) throw new UnknownTask(`no recipe in the graph has task ${extra.join(" or ")}`);
  }
  return restrictTo(b.build(wanted), wanted);
}

/** Only the targets and what they need (a --runonly graph drops the targets' own other tasks). */
function restrictTo(graph: TaskGraph, targets: readonly TaskId[]): TaskGraph {
  const keep = new Map<TaskId, TaskNode>();
  const stack = [...targets];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (keep.has(id)) continue;
    const node = graph.nodes.get(id)!;
    keep.set(id, node);
    stack.push(...node.deps);
  }
  return { nodes: keep, targets };
}
