// Building the task graph for a set of targets: BitBake's taskdata + runqueue preparation. Every task
// reachable from the targets' tasks, through `after`, `[depends]`, `[deptask]`, `[rdeptask]` and
// `[recrdeptask]` (with `[recideptask]`), with providers resolved on the recipe index.
//
// `[recrdeptask]` follows BitBake's runqueue, not the recipes' DEPENDS/RDEPENDS closure: the task
// depends on the named tasks of its recipe's direct build and runtime dependencies, then on those of
// every recipe whose tasks the task reaches through the other task dependencies (a native tool
// reached through `[depends]`, gcc-source through gcc's tasks), repeated until nothing is added. A
// recipe the DEPENDS/RDEPENDS closure names but no task reaches stays out, as in BitBake.
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

/** A recipe appeared that the bit numbering of resolveRecursive does not cover yet. */
class Renumber extends Error {}

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

  /** Each name's provider, build-time and runtime apart: the choice depends on the index and preferences alone. */
  private readonly chosen = [new Map<string, RecipeInfo | null>(), new Map<string, RecipeInfo | null>()] as const;

  private provider(name: string, runtime: boolean, from: RecipeInfo | null): RecipeInfo {
    // Recipes name the same few again and again (a C library, a shell): each is chosen once.
    // oe-core's core-image-minimal asks 5,600 times for 630 names.
    const chosen = this.chosen[runtime ? 1 : 0];
    let r = chosen.get(name);
    if (r === undefined) {
      r = runtime ? runtimeProvider(this.index, name, this.prefs) : buildProvider(this.index, name, this.prefs);
      chosen.set(name, r);
    }
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
    this.recipes.set(rid, r);
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
      // The direct part; the rest is added by resolveRecursive once the other edges are known.
      for (const dep of [...this.buildDeps(r), ...this.runtimeDeps(r)]) for (const name of recursive) link(dep, name);
      // [recideptask]: tasks of this recipe whose dependencies count as the task's own for the walk.
      const inner = words(task.flags.recideptask).filter((name) => hasTask(r, name));
      this.recursive.set(id, { names: recursive, inner: inner.map((name) => this.add(r, name)) });
      if (recursive.includes(taskName)) this.selfReferring.add(id);
    }
    // As BitBake's runqueue: a task reached from itself (a native recipe's rdeptask through a name
    // its own PN or RPROVIDES answers) is not a dependency.
    deps.delete(id);
    (node as { deps: readonly TaskId[] }).deps = [...deps];
    return id;
  }

  /** Recursive tasks met so far: the task names they want, and their [recideptask] tasks. */
  private readonly recursive = new Map<TaskId, { readonly names: readonly string[]; readonly inner: readonly TaskId[] }>();
  /** Recursive tasks that name themselves (`do_a[recrdeptask] = "do_a do_b"`). */
  private readonly selfReferring = new Set<TaskId>();
  /** The dependencies of each recursive task before its recursive part was added (BitBake's cumulative walk uses these). */
  private readonly direct = new Map<TaskId, readonly TaskId[]>();
  private readonly recipes = new Map<string, RecipeInfo>();

  private directDeps(id: TaskId): readonly TaskId[] {
    return this.direct.get(id) ?? this.nodes.get(id)!.deps;
  }

  /**
   * The recursive part of `[recrdeptask]`, as BitBake's runqueue adds it: for every recursive task,
   * the recipes of all tasks reachable (through the direct edges) from its dependencies give their
   * named tasks, until no task gains a dependency; a recursive task also takes the named tasks its
   * recursive dependencies have. Safe to call again after more tasks were added.
   */
  resolveRecursive(): void {
    if (this.recursive.size === 0) return;
    for (const id of this.recursive.keys()) if (!this.direct.has(id)) this.direct.set(id, this.nodes.get(id)!.deps);
    // Recipes as bit positions; a walk that brings in a recipe not yet numbered starts over.
    let index = new Map<string, number>();
    let order: string[] = [];
    const number = () => {
      order = [...new Set([...this.nodes.values()].map((n) => n.recipeId))];
      index = new Map(order.map((rid, i) => [rid, i]));
    };
    number();
    let reached = new Map<TaskId, Uint32Array>();
    const below = (id: TaskId): Uint32Array => {
      const known = reached.get(id);
      if (known) return known;
      const bits = new Uint32Array((order.length + 31) >>> 5);
      reached.set(id, bits);
      for (const dep of this.directDeps(id)) {
        const at = index.get(this.nodes.get(dep)!.recipeId);
        if (at === undefined) throw new Renumber();
        bits[at >>> 5]! |= 1 << (at & 31);
        const more = below(dep);
        for (let i = 0; i < bits.length; i++) bits[i]! |= more[i]!;
      }
      return bits;
    };
    const current = new Map<TaskId, Set<TaskId>>();
    const depsNow = (id: TaskId): Iterable<TaskId> => current.get(id) ?? this.nodes.get(id)!.deps;
    for (let grew = true; grew; ) {
      grew = false;
      try {
        for (const [id, { names, inner }] of this.recursive) {
          if (!this.direct.has(id)) this.direct.set(id, this.nodes.get(id)!.deps);
          let deps = current.get(id);
          if (!deps) current.set(id, (deps = new Set(this.nodes.get(id)!.deps)));
          const total = new Set(deps);
          for (const t of inner) {
            total.add(t);
            for (const d of depsNow(t)) total.add(d);
          }
          const recipes = new Uint32Array((order.length + 31) >>> 5);
          for (const dep of total) {
            const more = below(dep);
            for (let i = 0; i < recipes.length; i++) recipes[i]! |= more[i]!;
          }
          for (let at = 0; at < order.length; at++) {
            if ((recipes[at >>> 5]! & (1 << (at & 31))) === 0) continue;
            const other = this.recipes.get(order[at]!)!;
            for (const name of names) {
              const want = taskId(order[at]!, name);
              if (want === id || deps.has(want) || !hasTask(other, name)) continue;
              deps.add(this.add(other, name));
              grew = true;
            }
          }
          for (const dep of [...deps]) {
            if (!this.recursive.has(dep)) continue;
            for (const theirs of depsNow(dep)) {
              if (deps.has(theirs) || theirs === id) continue;
              const name = theirs.slice(theirs.lastIndexOf(":") + 1);
              if (names.includes(name)) {
                deps.add(theirs);
                grew = true;
              }
            }
          }
        }
      } catch (e) {
        if (!(e instanceof Renumber)) throw e;
        number();
        reached = new Map();
        grew = true;
      }
    }
    for (const [id, deps] of current) {
      if (this.selfReferring.has(id)) for (const other of this.selfReferring) deps.delete(other);
      deps.delete(id);
      (this.nodes.get(id) as { deps: readonly TaskId[] }).deps = [...deps];
    }
  }

  targetRecipe(name: string): RecipeInfo {
    return this.provider(name, false, null);
  }

  build(targets: readonly TaskId[]): TaskGraph {
    this.resolveRecursive();
    checkLoops(this.nodes);
    return { nodes: this.nodes, targets };
  }

  get all(): ReadonlyMap<TaskId, TaskNode> {
    this.resolveRecursive();
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
