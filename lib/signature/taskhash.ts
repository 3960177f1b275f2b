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

/** One closure member's 32 bytes: what closureDigest concatenates (so each is hashed once per unihash). */
export function closureMemberDigest(task: string, unihash: string): Buffer {
  return createHash("sha256").update(`${task}\0${unihash}`, "utf8").digest();
}

/**
 * A set of tasks as one hash: the sha256 of its members' closureMemberDigest, in (task, unihash)
 * order. A function of the set alone (not of how it was reached), so a `[hashclosure]` task's
 * taskhash changes exactly when a member comes, goes or changes unihash, and costs one digest
 * instead of one document entry per member. Null for the empty set.
 */
export function closureDigest(members: readonly RunTaskDep[]): string | null {
  if (members.length === 0) return null;
  const sorted = [...members].sort((a, b) => compareCodePoints(a.task, b.task) || compareCodePoints(a.unihash, b.unihash));
  return createHash("sha256")
    .update(Buffer.concat(sorted.map((m) => closureMemberDigest(m.task, m.unihash))))
    .digest("hex");
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
