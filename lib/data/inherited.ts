// Which classes the metadata of a datastore inherited. The evaluator knows (BitBake keeps the list
// in __inherit_cache); metadata code asks through bb.data.inherits_class, in JavaScript as in Python.
import { Attachment } from "./attachment.js";
import type { DataStore } from "./store.js";

const lists = new Attachment<() => readonly string[]>();

/** `list` gives the paths of the class files inherited so far into `d`. */
export function bindInheritedClasses(d: DataStore, list: () => readonly string[]): void {
  lists.set(d, list);
}

/** The class files inherited into `d`, as paths; none when no evaluator filled it. */
export function inheritedClasses(d: DataStore): readonly string[] {
  return lists.get(d)?.() ?? [];
}

/**
 * A copy answers with the list of the datastore it was copied from until it is bound to one of its
 * own: BitBake keeps the list in the datastore, so every copy has it.
 */
export function carryInheritedClasses(from: DataStore, to: DataStore): void {
  const list = lists.get(from);
  if (list !== undefined) lists.set(to, list);
}
