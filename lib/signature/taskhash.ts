// A task's taskhash (BitBake's get_taskhash): its basehash, the unihash of every task it depends
// on, the checksums of the local files it reads, and its taint. Its unihash is the taskhash unless
// a hash-equivalence server says an earlier, equivalent taskhash's unihash stands for it.
//
// BitBake concatenates these strings and hashes the result; bake hashes a canonical JSON
// document (fields in a fixed order, lists sorted) so that no two different inputs can hash
// alike by running together, and so that the document is what `bake -S` dumps.
import { createHash } from "node:crypto";
import { asTaskHash, type TaskHash } from "../common/hashes.js";
import { compareCodePoints } from "./taskdeps.js";

/** One task this task depends on: `pn:do_task` (no paths, so build directories agree) and its unihash. */
export interface RunTaskDep {
  readonly task: string;
  readonly unihash: string;
}

/** A local file the task reads: its name for humans (`./rel` or a basename) and sha256. */
export interface FileChecksum {
  readonly name: string;
  readonly sha256: string;
}

export interface TaskHashInput {
  readonly basehash: string;
  readonly deps: readonly RunTaskDep[];
  readonly files: readonly FileChecksum[];
  /** A forced run's mark (`-f`, `-C`) or a nostamp task's per-build value. */
  readonly taint: string | null;
  /** The closureDigest of the tasks a `[hashclosure]` task covers beyond `deps`; null or absent: none. */
  readonly closure?: string | null;
}

/** How many 32-bit lanes a closure sum has: a member is its sha512, read as 16 little-endian lanes. */
export const CLOSURE_LANES = 16;

/** One closure member as the lanes closureDigest adds up (so each is hashed once per unihash). */
export function closureMemberDigest(task: string, unihash: string): Uint32Array {
  const bytes = createHash("sha512").update(`${task}\0${unihash}`, "utf8").digest();
  const lanes = new Uint32Array(CLOSURE_LANES);
  for (let i = 0; i < CLOSURE_LANES; i++) lanes[i] = bytes.readUInt32LE(i * 4);
  return lanes;
}

/** `sum += member`, lane by lane, modulo 2^32 (the Uint32Array wraps). */
export function addClosureMember(sum: Uint32Array, member: Uint32Array): void {
  for (let i = 0; i < CLOSURE_LANES; i++) sum[i]! += member[i]!;
}

/** The closureDigest of a set from its members' lane sum and its size. */
export function finishClosureDigest(sum: Uint32Array, members: number): string {
  const bytes = Buffer.alloc(CLOSURE_LANES * 4);
  for (let i = 0; i < CLOSURE_LANES; i++) bytes.writeUInt32LE(sum[i]!, i * 4);
  return createHash("sha256").update(`bake-closure-2\0${members}\0`).update(bytes).digest("hex");
}

/**
 * A set of tasks as one hash: the sha256 of the sum (16 lanes modulo 2^32) of its members'
 * closureMemberDigest, and of how many they are. A function of the set alone, in no order (not of
 * how it was reached), so a `[hashclosure]` task's taskhash changes exactly when a member comes,
 * goes or changes unihash. Being a sum, it is also compositional: the digest of a set is that of a
 * subset plus the members it adds, so a graph's closures cost the members each task adds, not
 * every member of every closure (lib/setscene/closure.ts). A sum is a fine checksum of which tasks
 * a closure holds; it is not meant to resist sets crafted to collide, which signed sstate guards
 * against. Null for the empty set.
 */
export function closureDigest(members: readonly RunTaskDep[]): string | null {
  if (members.length === 0) return null;
  const sum = new Uint32Array(CLOSURE_LANES);
  for (const m of members) addClosureMember(sum, closureMemberDigest(m.task, m.unihash));
  return finishClosureDigest(sum, members.length);
}

/** The canonical document, with lists sorted: what the taskhash is the sha256 of. */
export function taskHashDocument(input: TaskHashInput): string {
  const deps = [...input.deps]
    .sort((a, b) => compareCodePoints(a.task, b.task) || compareCodePoints(a.unihash, b.unihash))
    .map((d) => [d.task, d.unihash]);
  const files = [...input.files]
    .sort((a, b) => compareCodePoints(a.name, b.name) || compareCodePoints(a.sha256, b.sha256))
    .map((f) => [f.name, f.sha256]);
  // Format 1 has no closure: tasks without one keep the signatures they had before format 2.
  if (input.closure === undefined || input.closure === null) return JSON.stringify({ format: 1, basehash: input.basehash, deps, files, taint: input.taint });
  return JSON.stringify({ format: 2, basehash: input.basehash, deps, closure: input.closure, files, taint: input.taint });
}

export function computeTaskHash(input: TaskHashInput): TaskHash {
  return asTaskHash(createHash("sha256").update(taskHashDocument(input), "utf8").digest("hex"));
}
