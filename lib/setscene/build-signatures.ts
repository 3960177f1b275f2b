// The signatures of a build's tasks, in dependency order: each task's taskhash from its basehash,
// its taint, the checksums of its local files and the unihashes of the tasks it depends on; and
// each task's unihash, which is its taskhash unless the hash-equivalence server maps it to the
// unihash of an earlier, equivalent taskhash. Only sstate tasks report outputs, so only they are
// asked about (the others' unihash is their taskhash). A unihash learnt after a task ran changes
// the signatures downstream; `setUnihash` recomputes them.
import { DependencyLoop, displayName, type TaskGraph, type TaskId, type TaskNode } from "../graph/index.js";
import { computeTaskHash, type FileChecksum, type RunTaskDep } from "../signature/index.js";
import { ownUnihash, type TaskHash, type UniHash } from "../common/hashes.js";
import { ClosureIndex } from "./closure.js";

/**
 * One task's signature. `taint` is a forced run's mark (`-f`, `-C`) or a nostamp task's per-build
 * value: either changes the hash, and so the hashes of all its dependents, as in BitBake.
 */
export function taskHash(
  basehash: string,
  taint: string | null,
  deps: readonly RunTaskDep[],
  files: readonly FileChecksum[] = [],
  closure: string | null = null,
): TaskHash {
  return computeTaskHash({ basehash, taint, deps, files, closure });
}

/** `pn:do_task`: how a dependency is named in signatures (no paths, so build directories agree). */
export function pnTask(node: TaskNode): string {
  return `${node.recipe.pn}:${node.task.name}`;
}

export interface SignatureInputs {
  readonly taint: (id: TaskId) => string | null;
  /** The local files a task reads (its `file-checksums`), checksummed. */
  readonly files?: (node: TaskNode) => readonly FileChecksum[];
  /** Tasks whose unihash the server may know (sstate tasks). */
  readonly asksServer?: (node: TaskNode) => boolean;
  /**
   * Dependency edges the signatures leave out (SIGGEN_EXCLUDE_SAFE_RECIPE_DEPS): the edge still
   * orders the build, but neither the dependency's unihash nor anything reached only through it
   * enters the dependent's taskhash or a closure.
   */
  readonly excludesDep?: (from: TaskNode, to: TaskNode) => boolean;
  /** The server's unihash for each taskhash, null where it has none. */
  readonly lookup?: (queries: readonly { readonly node: TaskNode; readonly taskhash: TaskHash }[]) => Promise<readonly (UniHash | null)[]>;
}

/** Tasks of `ids` and all they depend on, each after its dependencies (iterative: graphs are big). */
export function dependencyOrder(graph: TaskGraph, ids: Iterable<TaskId>, skip: (id: TaskId) => boolean = () => false): TaskId[] {
  const order: TaskId[] = [];
  const done = new Set<TaskId>();
  const onPath = new Set<TaskId>();
  for (const root of ids) {
    if (done.has(root) || skip(root) || !graph.nodes.has(root)) continue;
    const stack: { id: TaskId; next: number }[] = [{ id: root, next: 0 }];
    onPath.add(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const node = graph.nodes.get(top.id)!;
      if (top.next < node.deps.length) {
        const dep = node.deps[top.next++]!;
        if (done.has(dep) || skip(dep) || !graph.nodes.has(dep)) continue;
        if (onPath.has(dep)) {
          const from = stack.findIndex((f) => f.id === dep);
          throw new DependencyLoop([...stack.slice(from).map((f) => f.id), dep].map((id) => displayName(graph.nodes.get(id)!)));
        }
        onPath.add(dep);
        stack.push({ id: dep, next: 0 });
        continue;
      }
      order.push(top.id);
      done.add(top.id);
      onPath.delete(top.id);
      stack.pop();
    }
  }
  return order;
}

export class Signatures {
  readonly taskhash = new Map<TaskId, TaskHash>();
  readonly unihash = new Map<TaskId, UniHash>();
  private readonly files = new Map<TaskId, readonly FileChecksum[]>();
  private order: TaskId[] = [];
  private dependents: Map<TaskId, TaskId[]> | null = null;

  constructor(
    private readonly graph: TaskGraph,
    private readonly inputs: SignatureInputs,
  ) {}

  /** The signatures of `ids` and everything they depend on. */
  async compute(ids: Iterable<TaskId>): Promise<void> {
    const fresh = dependencyOrder(this.graph, ids, (id) => this.taskhash.has(id));
    this.order.push(...fresh);
    this.dependents = null;
    await this.resolve(fresh);
  }

  /** The direct dependencies a task's taskhash covers: each one's `pn:task` and unihash. */
  runTaskDeps(id: TaskId): RunTaskDep[] {
    return this.directDeps(id).map((d) => ({ task: pnTask(this.graph.nodes.get(d)!), unihash: this.unihashOf(d) }));
  }

  /** The closure members a `[hashclosure]` task's taskhash covers (by their closureDigest), sorted. */
  closureDeps(id: TaskId): RunTaskDep[] {
    return this.closureMembers(id).map((d) => ({ task: pnTask(this.graph.nodes.get(d)!), unihash: this.unihashOf(d) }));
  }

  /** The tasks of a `[hashclosure]` task's closure, in (pn:task) order; none for other tasks. */
  closureMembers(id: TaskId): TaskId[] {
    const c = this.closureSet(id);
    return c === null ? [] : c.index.members(c.set);
  }

  /**
   * The tasks whose unihashes a task's taskhash covers: its direct dependencies and, for a task
   * with a `[hashclosure]` flag, every task so named that it reaches through them. A task that
   * consumes a whole closure (do_prepare_recipe_sysroot installs the sysroot of every recipe
   * below it) must change when any member does: with hash equivalence, a dependency whose own
   * dependencies changed keeps its unihash when its output does not, and would hide the change.
   */
  hashDeps(id: TaskId): TaskId[] {
    const direct = this.directDeps(id);
    const closure = this.closureMembers(id);
    return closure.length === 0 ? direct : [...new Set([...direct, ...closure])];
  }

  /** The tasks `id` depends on directly, each once, in the graph, less the edges signatures leave out. */
  directDeps(id: TaskId): TaskId[] {
    return [...new Set(this.hashedDeps(this.graph.nodes.get(id)!))].filter((d) => this.graph.nodes.has(d));
  }

  private readonly hashedDeps = (node: TaskNode): readonly TaskId[] => {
    const excludes = this.inputs.excludesDep;
    if (excludes === undefined) return node.deps;
    return node.deps.filter((d) => {
      const dep = this.graph.nodes.get(d);
      return dep === undefined || !excludes(node, dep);
    });
  };

  /** One ClosureIndex per set of names (`[hashclosure]` values): the graph is walked once for each. */
  private readonly closures = new Map<string, ClosureIndex>();

  /** Each `[hashclosure]` task's closure (structural: kept while unihashes change). */
  private readonly closureSets = new Map<TaskId, { index: ClosureIndex; set: Uint32Array } | null>();

  private closureSet(id: TaskId): { index: ClosureIndex; set: Uint32Array } | null {
    let c = this.closureSets.get(id);
    if (c === undefined) this.closureSets.set(id, (c = this.makeClosureSet(id)));
    return c;
  }

  private makeClosureSet(id: TaskId): { index: ClosureIndex; set: Uint32Array } | null {
    const flag = this.graph.nodes.get(id)!.task.flags.hashclosure;
    if (flag === undefined) return null;
    const names = [...new Set(flag.split(/\s+/).filter(Boolean))].sort();
    if (names.length === 0) return null;
    const key = names.join(" ");
    let index = this.closures.get(key);
    if (index === undefined) this.closures.set(key, (index = new ClosureIndex(this.graph, new Set(names), pnTask, this.hashedDeps)));
    return { index, set: index.setOf(this.directDeps(id)) };
  }

  private closureDigestOf(id: TaskId): string | null {
    const c = this.closureSet(id);
    return c === null ? null : c.index.digest(c.set, (d) => this.unihashOf(d));
  }

  fileChecksums(id: TaskId): readonly FileChecksum[] {
    let f = this.files.get(id);
    if (f === undefined) {
      f = this.inputs.files?.(this.graph.nodes.get(id)!) ?? [];
      this.files.set(id, f);
    }
    return f;
  }

  taskhashOf(id: TaskId): TaskHash {
    const h = this.taskhash.get(id);
    if (h === undefined) throw new Error(`no signature computed for ${id}`);
    return h;
  }

  unihashOf(id: TaskId): UniHash {
    const h = this.unihash.get(id);
    if (h === undefined) throw new Error(`no unihash known for ${id}`);
    return h;
  }

  /**
   * A task's unihash became `unihash` (its output was reported): the signatures of the tasks
   * after it that `mayChange` allows (those not started yet) are computed again. Returns the
   * tasks whose unihash changed, the given one first.
   */
  async setUnihash(id: TaskId, unihash: UniHash, mayChange: (id: TaskId) => boolean): Promise<TaskId[]> {
    if (this.unihash.get(id) === unihash) return [];
    this.unihash.set(id, unihash);
    for (const index of this.closures.values()) index.unihashesChanged();
    const dependents = this.dependentsMap();
    const affected = new Set<TaskId>();
    const work = [...(dependents.get(id) ?? [])];
    while (work.length > 0) {
      const t = work.pop()!;
      if (affected.has(t) || !mayChange(t)) continue;
      affected.add(t);
      work.push(...(dependents.get(t) ?? []));
    }
    const before = new Map([...affected].map((t) => [t, this.unihash.get(t)]));
    for (const t of affected) {
      this.taskhash.delete(t);
      this.unihash.delete(t);
    }
    await this.resolve(this.order.filter((t) => affected.has(t)));
    return [id, ...[...affected].filter((t) => before.get(t) !== this.unihash.get(t))];
  }

  private dependentsMap(): Map<TaskId, TaskId[]> {
    if (this.dependents) return this.dependents;
    const out = new Map<TaskId, TaskId[]>();
    for (const id of this.order) {
      for (const dep of this.hashDeps(id)) {
        let list = out.get(dep);
        if (!list) out.set(dep, (list = []));
        list.push(id);
      }
    }
    this.dependents = out;
    return out;
  }

  /**
   * Computes `pending` (in dependency order) in rounds: every task whose dependencies' unihashes
   * are known gets its taskhash; those that ask the server are looked up together at the end of
   * the round, and their dependents wait for the next one. Rounds = the longest chain of sstate
   * tasks, not the number of tasks.
   */
  private async resolve(pending: TaskId[]): Promise<void> {
    const asks = this.inputs.lookup ? (this.inputs.asksServer ?? (() => false)) : () => false;
    while (pending.length > 0) {
      const waiting = new Set<TaskId>();
      const batch: { node: TaskNode; taskhash: TaskHash }[] = [];
      const next: TaskId[] = [];
      for (const id of pending) {
        const node = this.graph.nodes.get(id)!;
        if (waiting.size > 0 && node.deps.some((d) => waiting.has(d))) {
          waiting.add(id);
          next.push(id);
          continue;
        }
        const h = taskHash(node.task.basehash, this.inputs.taint(id), this.runTaskDeps(id), this.fileChecksums(id), this.closureDigestOf(id));
        this.taskhash.set(id, h);
        if (asks(node)) {
          batch.push({ node, taskhash: h });
          waiting.add(id);
        } else this.unihash.set(id, ownUnihash(h));
      }
      if (batch.length > 0) {
        const found = await this.inputs.lookup!(batch);
        batch.forEach((b, i) => this.unihash.set(b.node.id, found[i] ?? ownUnihash(b.taskhash)));
      }
      pending = next;
    }
  }
}
