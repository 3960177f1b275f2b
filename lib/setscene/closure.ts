// The closures of `[hashclosure]` tasks: for a set of task names, which tasks of those names each
// task reaches (itself included), and the closureDigest of such a set.
//
// Membership is compositional: a task's set is the union of its dependencies' sets (plus itself
// when named), kept as a bitset over the named tasks, so the graph is walked once and a union costs
// (named tasks / 32) word operations. The named tasks are numbered in (pn:task) order, so reading
// a set's bits in order yields its members already sorted (what diffsigs shows).
//
// So is the digest: closureDigest is a sum over the members, and each set made by a union
// remembers the largest set it was made from (its base), so its sum is the base's plus the members
// it adds. A graph's digests cost the members each set adds beyond its base, not every member of
// every closure: about linear in the graph, where summing each closure from scratch was closure
// size times tasks.
import type { TaskGraph, TaskId, TaskNode } from "../graph/types.js";
import { addClosureMember, closureMemberDigest, CLOSURE_LANES, compareCodePoints, finishClosureDigest } from "../signature/index.js";

const EMPTY = new Uint32Array(0);

export class ClosureIndex {
  /** The named tasks, in (pn:task) order: bit i of a set is named[i]. */
  private readonly named: TaskId[];
  private readonly names: string[];
  private readonly rank = new Map<TaskId, number>();
  private readonly words: number;
  private readonly reach = new Map<TaskId, Uint32Array>();
  /** The largest set a set was made from (absent: made from nothing, or a named task alone). */
  private readonly base = new Map<Uint32Array, Uint32Array>();
  /** How many members a set has. */
  private readonly sizes = new Map<Uint32Array, number>();
  /** Each set's sum of member digests, for the unihashes of now: forgotten when one changes. */
  private sums = new Map<Uint32Array, Uint32Array>();
  /** Each named task's closureMemberDigest, for the unihash it was made from. */
  private readonly memberUnihash: (string | undefined)[] = [];
  private readonly memberDigest: (Uint32Array | undefined)[] = [];

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

  /**
   * The union of the sets of `deps`, plus bit `own`. A union equal to one of its parts is that
   * part (shared, so equal sets are mostly one object and are summed once); a new set records
   * its largest part as its base.
   */
  private union(deps: readonly TaskId[], own?: number): Uint32Array {
    const sets: Uint32Array[] = [];
    for (const d of deps) {
      const r = this.reach.get(d);
      if (r !== undefined && r.length > 0 && !sets.includes(r)) sets.push(r);
    }
    if (own === undefined && sets.length === 0) return EMPTY;
    if (own === undefined && sets.length === 1) return sets[0]!;
    const out = new Uint32Array(this.words);
    let largest: Uint32Array | undefined;
    for (const r of sets) {
      for (let w = 0; w < out.length; w++) out[w]! |= r[w]!;
      if (largest === undefined || this.sizeOf(r) > this.sizeOf(largest)) largest = r;
    }
    if (own !== undefined) out[own >>> 5]! |= 1 << (own & 31);
    const size = countBits(out);
    if (largest !== undefined && size === this.sizeOf(largest)) return largest;
    this.sizes.set(out, size);
    if (largest !== undefined) this.base.set(out, largest);
    return out;
  }

  private sizeOf(set: Uint32Array): number {
    let n = this.sizes.get(set);
    if (n === undefined) this.sizes.set(set, (n = countBits(set)));
    return n;
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
    const size = this.sizeOf(set);
    return size === 0 ? null : finishClosureDigest(this.sumOf(set, unihashOf), size);
  }

  /** A member's unihash changed: every sum that holds it is stale (sets and bases stay). */
  unihashesChanged(): void {
    this.sums = new Map();
  }

  /** The sum of a set's member digests: its base's (down a chain of bases, iteratively) plus what it adds. */
  private sumOf(set: Uint32Array, unihashOf: (id: TaskId) => string): Uint32Array {
    const chain: Uint32Array[] = [];
    for (let s: Uint32Array | undefined = set; s !== undefined && !this.sums.has(s); s = this.base.get(s)) chain.push(s);
    for (let c = chain.length - 1; c >= 0; c--) {
      const s = chain[c]!;
      const base = this.base.get(s);
      const sum = base === undefined ? new Uint32Array(CLOSURE_LANES) : this.sums.get(base)!.slice();
      for (let w = 0; w < s.length; w++) {
        for (let bits = base === undefined ? s[w]! : s[w]! & ~base[w]!; bits !== 0; bits &= bits - 1) {
          addClosureMember(sum, this.memberOf((w << 5) + 31 - Math.clz32(bits & -bits), unihashOf));
        }
      }
      this.sums.set(s, sum);
    }
    return this.sums.get(set)!;
  }

  private memberOf(i: number, unihashOf: (id: TaskId) => string): Uint32Array {
    const unihash = unihashOf(this.named[i]!);
    if (this.memberUnihash[i] !== unihash) {
      this.memberUnihash[i] = unihash;
      this.memberDigest[i] = closureMemberDigest(this.names[i]!, unihash);
    }
    return this.memberDigest[i]!;
  }
}

function countBits(set: Uint32Array): number {
  let n = 0;
  for (let w = 0; w < set.length; w++) for (let bits = set[w]!; bits !== 0; bits &= bits - 1) n++;
  return n;
}
