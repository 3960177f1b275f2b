// The signature a stamp is written for. A placeholder until the signatures stage gives unihashes:
// a hash of the task's basehash and of the signatures of everything it depends on, so a change
// anywhere upstream reaches every task downstream (BitBake's get_taskhash, minus file checksums).
import { createHash } from "node:crypto";
import type { TaskGraph, TaskId } from "../graph/types.js";

export type TaskHash = string & { readonly __brand: "TaskHash" };

/**
 * One task's signature. `taint` is a forced run's mark (`-f`, `-C`) or a nostamp task's per-build
 * value: either changes the hash, and so the hashes of all its dependents, as in BitBake.
 */
export function taskHash(basehash: string, taint: string | null, depHashes: readonly TaskHash[]): TaskHash {
  // Canonical JSON of fields in a fixed order, dependency hashes sorted: the order the graph
  // lists dependencies in must not change a signature.
  const input = JSON.stringify({ basehash, taint, deps: [...depHashes].sort() });
  return createHash("sha256").update(input).digest("hex") as TaskHash;
}

export class DependencyCycle extends Error {
  constructor(readonly cycle: readonly TaskId[]) {
    super(`the task graph has a cycle: ${cycle.join(" -> ")}`);
    this.name = "DependencyCycle";
  }
}

/**
 * The signature of each of `ids` and of everything they depend on, computed in dependency order.
 * Dependencies missing from the graph are ignored (the graph builder reports those).
 */
export function taskHashes(
  graph: TaskGraph,
  ids: Iterable<TaskId>,
  taint: (id: TaskId) => string | null,
): Map<TaskId, TaskHash> {
  const hashes = new Map<TaskId, TaskHash>();
  const onPath = new Set<TaskId>();
  for (const root of ids) {
    if (hashes.has(root) || !graph.nodes.has(root)) continue;
    // Iterative post-order walk: graphs of many thousand tasks would overflow a recursive one.
    const stack: { id: TaskId; next: number }[] = [{ id: root, next: 0 }];
    onPath.add(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const node = graph.nodes.get(top.id)!;
      if (top.next < node.deps.length) {
        const dep = node.deps[top.next++]!;
        if (hashes.has(dep) || !graph.nodes.has(dep)) continue;
        if (onPath.has(dep)) {
          const from = stack.findIndex((f) => f.id === dep);
          throw new DependencyCycle([...stack.slice(from).map((f) => f.id), dep]);
        }
        onPath.add(dep);
        stack.push({ id: dep, next: 0 });
        continue;
      }
      const deps = node.deps.filter((d) => graph.nodes.has(d)).map((d) => hashes.get(d)!);
      hashes.set(top.id, taskHash(node.task.basehash, taint(top.id), deps));
      onPath.delete(top.id);
      stack.pop();
    }
  }
  return hashes;
}
