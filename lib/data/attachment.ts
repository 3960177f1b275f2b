// Values other modules keep beside a datastore, on the datastore itself.
import type { DataStore } from "./store.js";

/**
 * A value other modules keep beside each datastore (the classes the evaluator inherited into it,
 * what the Python bridge made for it), held by the datastore itself. Not a WeakMap keyed by the
 * datastore: V8's scavenger holds a WeakMap's values strongly, and these values reach their
 * datastore (closures over the evaluator's Metadata), so every recipe's datastore outlived two
 * young-generation collections and was promoted to the old generation with all it held (on the
 * generated 2,000-recipe corpus, 90 of the 520 MB a parse thread allocates, and a fifth of its
 * processor time in the garbage collector).
 */
export class Attachment<T> {
  get(d: DataStore): T | undefined {
    return d.attachments?.get(this) as T | undefined;
  }

  set(d: DataStore, value: T): void {
    (d.attachments ??= new Map()).set(this, value);
  }
}
