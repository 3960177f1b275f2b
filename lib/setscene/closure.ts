// The closures of `[hashclosure]` tasks: for a set of task names, which tasks of those names each
// task reaches (itself included), and the closureDigest of such a set.
//
// Membership is compositional: a task's set is the union of its dependencies' sets (plus itself
// when named), kept as a bitset over the named tasks, so the graph is walked once and a union costs
// (named tasks / 32) word operations. The named tasks are numbered in (pn:task) order, so reading
// a set's bits in order yields its members already sorted, as closureDigest wants them: the digest
// is one sha256 over 32 bytes per member, with no list built or sorted per task.
import { createHash } from "node:crypto";
import type { TaskGraph, TaskId, TaskNode } from "../graph/types.js";
import { closureDigest, closureMemberDigest, compareCodePoints, type RunTaskDep } from "../signature/index.js";

const EMPTY = new Uint32Array(0);

export class ClosureIndex {
  /** The named tasks, in (pn:task) order: bit i of a set is named[i]. */
  private readonly named: TaskId[];
  private readonly names: string[];
  private readonly rank = new Map<TaskId, number>();
  /** Whether two named tasks share a pn:task (then their order needs their unihashes). */
  private readonly ties: boolean;
  private readonly words: number;
  private readonly reach = new Map<TaskId, Uint32Array>();
  /** Each named task's closureMemberDigest, for the unihash it was made from. */
  private readonly memberUnihash: (string | undefined)[] = [];
  private readonly memberDigest: (Buffer | undefined)[] = [];
  private scratch = Buffer.alloc(0);

  constructor(
    private readonly graph: TaskGraph,
    wanted: ReadonlySet<string>,
    private readonly nameOf: (node: TaskNode) => string,
    /** The dependencies a task's signature follows (the graph's, less SIGGEN_EXCLUDE_SAFE_RECIPE_DEPS edges). */
    private readonly depsOf: (node: TaskNode) => readonly TaskId[] = (node) => node.deps,
  ) {
    const named = [...graph.nodes.values()].filter((n) => wanted.has(n.task.name)).map((n) => ({ id: n.id, name: nameOf(n) }));
    named.sort((a, b) => compareCodePoints(a.name, b.name) || compareCodePoints(a.id, b.id));
    this.named = named.map((n) => n.id);
    this.names = named.map((n) => n.name);
    this.named.forEach((id, i) => this.rank.set(id, i));
    this.ties = this.names.some((n, i) => i > 0 && this.names[i - 1] === n);
    this.words = (this.named.length + 31) >>> 5;
  }

  /** The named tasks `id` reaches, itself included, as a bitset (shared: never written to). */
  private reachOf(root: TaskId): Uint32Array {
    const known = this.reach.get(root);
    if (known) return known;
    // Iterative post-order over what is not known yet: the graphs are deep.
    const stack: { id: TaskId; next: number }[] = [{ id: root, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const node = this.graph.nodes.get(top.id);
      const deps = node === undefined ? [] : this.depsOf(node);
      if (top.next < deps.length) {
        const dep = deps[top.next++]!;
        if (!this.reach.has(dep) && this.graph.nodes.has(dep)) stack.push({ id: dep, next: 0 });
        continue;
      }
      stack.pop();
      if (this.reach.has(top.id)) continue;
      this.reach.set(top.id, this.union(deps, this.rank.get(top.id)));
    }
    return this.reach.get(root)!;
  }

  /** The union of the sets of `deps`, plus bit `own`; shares a dependency's set when it adds nothing. */
  private union(deps: readonly TaskId[], own?: number): Uint32Array {
    const sets: Uint32Array[] = [];
    for (const d of deps) {
      const r = this.reach.get(d);
      if (r !== undefined && r.length > 0 && !sets.includes(r)) sets.push(r);
    }
    if (own === undefined && sets.length === 0) return EMPTY;
    if (own === undefined && sets.length === 1) return sets[0]!;
    const out = new Uint32Array(this.words);
    for (const r of sets) for (let w = 0; w < out.length; w++) out[w]! |= r[w]!;
    if (own !== undefined) out[own >>> 5]! |= 1 << (own & 31);
    return out;
  }

  /** The set of named tasks reached from `from` (each a task, with what it reaches). */
  setOf(from: readonly TaskId[]): Uint32Array {
    for (const d of from) if (this.graph.nodes.has(d)) this.reachOf(d);
    return this.union(from);
  }

  /** The members of a set, in (pn:task) order. */
  members(set: Uint32Array): TaskId[] {
    const out: TaskId[] = [];
    this.forEach(set, (i) => out.push(this.named[i]!));
    return out;
  }

  private forEach(set: Uint32Array, f: (i: number) => void): void {
    for (let w = 0; w < set.length; w++) {
      let bits = set[w]!;
      while (bits !== 0) {
        const low = bits & -bits;
        f((w << 5) + 31 - Math.clz32(low));
        bits ^= low;
      }
    }
  }

  /** closureDigest of a set (null when empty), its members' unihashes from `unihashOf`. */
  digest(set: Uint32Array, unihashOf: (id: TaskId) => string): string | null {
    if (this.ties) return this.slowDigest(set, unihashOf);
    let n = 0;
    for (let w = 0; w < set.length; w++) for (let bits = set[w]!; bits !== 0; bits &= bits - 1) n++;
    if (n === 0) return null;
    if (this.scratch.length < n * 32) this.scratch = Buffer.alloc(Math.max(n * 32, this.scratch.length * 2));
    let at = 0;
    for (let w = 0; w < set.length; w++) {
      for (let bits = set[w]!; bits !== 0; bits &= bits - 1) {
        const i = (w << 5) + 31 - Math.clz32(bits & -bits);
        const unihash = unihashOf(this.named[i]!);
        if (this.memberUnihash[i] !== unihash) {
          this.memberUnihash[i] = unihash;
          this.memberDigest[i] = closureMemberDigest(this.names[i]!, unihash);
        }
        this.memberDigest[i]!.copy(this.scratch, at);
        at += 32;
      }
    }
    return createHash("sha256").update(this.scratch.subarray(0, at)).digest("hex");
  }

  /** Members sharing a pn:task are ordered by unihash too, which the numbering cannot know. */
  private slowDigest(set: Uint32Array, unihashOf: (id: TaskId) => string): string | null {
    const members: RunTaskDep[] = [];
    this.forEach(set, (i) => members.push({ task: this.names[i]!, unihash: unihashOf(this.named[i]!) }));
    return closureDigest(members);
  }
}
