// A task's basehash: the hash of its code and of the values of everything it depends on.
//
// BitBake hashes the plain concatenation of the task's value and each sorted dependency's name
// and value, which cannot tell "A" = "BC" from "AB" = "C". bake hashes a canonical JSON
// document instead: an object with fields in a fixed order and the dependencies as a sorted
// list of [name, value] pairs, so the bytes hashed are a property of the code, not of luck.

import { createHash } from "node:crypto";
import { asBaseHash, type BaseHash } from "../common/hashes.js";
import { compareCodePoints, type TaskDependencies } from "./taskdeps.js";

/** The document a basehash is computed from (also what `bake -S` can dump). */
export interface BaseHashInput {
  /** Version of this document's shape: bump it when anything about it changes. */
  readonly format: 1;
  /** The task's own value for hashing; the task's name is not part of it, as in BitBake. */
  readonly code: string | null;
  /** Each dependency with its value (null when it has none), sorted by name. */
  readonly deps: readonly (readonly [name: string, value: string | null])[];
}

export function baseHashInput(t: TaskDependencies): BaseHashInput {
  const deps = [...t.deps].sort(compareCodePoints).map((name) => [name, t.valueOf(name)] as const);
  return { format: 1, code: t.code, deps };
}

/** sha256 (hex) of the canonical JSON of baseHashInput(t). */
export function computeBaseHash(t: TaskDependencies): BaseHash {
  const input = baseHashInput(t);
  // Built with fields in a fixed order and only strings, nulls and arrays inside: JSON.stringify is canonical.
  const json = JSON.stringify({ format: input.format, code: input.code, deps: input.deps });
  return asBaseHash(createHash("sha256").update(json, "utf8").digest("hex"));
}
