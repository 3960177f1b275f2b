// A task's basehash: the hash of its code and of the values of everything it depends on.
//
// BitBake hashes the plain concatenation of the task's value and each sorted dependency's name
// and value, which cannot tell "A" = "BC" from "AB" = "C". bake hashes a canonical JSON
// document instead: an object with fields in a fixed order and the dependencies as a sorted
// list of [name, value] pairs, so the bytes hashed are a property of the code, not of luck.

import { createHash } from "node:crypto";
import { asBaseHash, type BaseHash } from "../common/hashes.js";
import { sortCodePoints, type TaskDependencies } from "./taskdeps.js";

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
  const deps = sortCodePoints([...t.deps]).map((name) => [name, t.valueOf(name)] as const);
  return { format: 1, code: t.code, deps };
}

/**
 * Each dependency's `[name, value]` as the UTF-8 bytes of its JSON, per analysis scope: a recipe's
 * tasks share most of their dependencies (every shell task has every exported variable), and
 * encoding the same long values again for each of ~40 tasks was most of the cost of hashing. The
 * pieces are kept as bytes, not strings: a task's document was a string of a few hundred
 * kilobytes joined, flattened and encoded again for each task.
 */
const encodedDeps = new WeakMap<object, Map<string, Buffer>>();

const OPEN = Buffer.from('{"format":1,"code":');
const DEPS = Buffer.from(',"deps":[');
const COMMA = 0x2c;
const CLOSE = Buffer.from("]}");

/**
 * Where a task's document is assembled before it is hashed, kept from task to task: a new buffer
 * of a document's size (tens of kilobytes, most of a recipe's tasks) for each task was a fifth of
 * what signature analysis allocated.
 */
let scratch = Buffer.allocUnsafe(1 << 16);

/** sha256 (hex) of the canonical JSON of baseHashInput(t). */
export function computeBaseHash(t: TaskDependencies): BaseHash {
  let encoded = encodedDeps.get(t.scope);
  if (encoded === undefined) {
    encoded = new Map();
    encodedDeps.set(t.scope, encoded);
  }
  // The bytes JSON.stringify gives for { format, code, deps } (fields in a fixed order, only
  // strings, nulls and arrays inside), assembled from the pieces; t.deps is in code-point order
  // already (taskdeps.ts), the order baseHashInput sorts into.
  const code = Buffer.from(JSON.stringify(t.code), "utf8");
  const parts: Buffer[] = new Array(t.deps.length);
  let length = OPEN.length + code.length + DEPS.length + Math.max(0, t.deps.length - 1) + CLOSE.length;
  for (let i = 0; i < t.deps.length; i++) {
    const name = t.deps[i]!;
    let part = encoded.get(name);
    if (part === undefined) {
      part = Buffer.from(JSON.stringify([name, t.valueOf(name)]), "utf8");
      encoded.set(name, part);
    }
    parts[i] = part;
    length += part.length;
  }
  if (scratch.length < length) scratch = Buffer.allocUnsafe(Math.max(length, 2 * scratch.length));
  const doc = scratch;
  doc.set(OPEN, 0);
  let at = OPEN.length;
  doc.set(code, at);
  at += code.length;
  doc.set(DEPS, at);
  at += DEPS.length;
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) doc[at++] = COMMA;
    doc.set(parts[i]!, at);
    at += parts[i]!.length;
  }
  doc.set(CLOSE, at);
  at += CLOSE.length;
  return asBaseHash(createHash("sha256").update(doc.subarray(0, at)).digest("hex"));
}
