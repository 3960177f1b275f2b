// `bake -g`: the task graph written as BitBake writes it (task-depends.dot, pn-buildlist), plus JSON.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { displayName, type TaskGraph } from "./types.js";

function topological(graph: TaskGraph): string[] {
  const order: string[] = [];
  const done = new Set<string>();
  const visit = (id: string) => {
    if (done.has(id)) return;
    done.add(id);
    const node = graph.nodes.get(id as never)!;
    for (const dep of node.deps) visit(dep);
    order.push(id);
  };
  for (const id of [...graph.nodes.keys()].sort()) visit(id);
  return order;
}

export function taskDependsDot(graph: TaskGraph): string {
  const lines = ["digraph depends {"];
  for (const id of topological(graph)) {
    const node = graph.nodes.get(id as never)!;
    const name = displayName(node);
    lines.push(`"${name}" [label="${name}\\n${node.recipe.pv}\\n${node.recipe.file}"]`);
    for (const dep of [...node.deps].sort()) lines.push(`"${name}" -> "${displayName(graph.nodes.get(dep)!)}"`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

/** Recipe names in build order: by where each recipe's last task falls in a topological order. */
export function pnBuildlist(graph: TaskGraph): string {
  const last = new Map<string, number>();
  topological(graph).forEach((id, i) => last.set(graph.nodes.get(id as never)!.recipe.pn, i));
  return [...last.entries()].sort((a, b) => a[1] - b[1]).map(([pn]) => pn).join("\n") + "\n";
}

export function taskDependsJson(graph: TaskGraph): string {
  const tasks = topological(graph).map((id) => {
    const node = graph.nodes.get(id as never)!;
    return {
      id,
      name: displayName(node),
      recipe: node.recipe.pn,
      version: node.recipe.pv,
      file: node.recipe.file,
      variant: node.recipe.variant,
      task: node.task.name,
      deps: [...node.deps].sort(),
    };
  });
  return JSON.stringify({ format: 1, targets: graph.targets, tasks }, null, 1) + "\n";
}

/** Writes the three files into `dir`; returns their paths. */
export function writeGraphFiles(graph: TaskGraph, dir: string): string[] {
  const files: Array<[string, string]> = [
    ["task-depends.dot", taskDependsDot(graph)],
    ["pn-buildlist", pnBuildlist(graph)],
    ["task-depends.json", taskDependsJson(graph)],
  ];
  return files.map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });
}
