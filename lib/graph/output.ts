// `bake -g`: the task graph written as BitBake writes it (task-depends.dot, pn-buildlist), plus JSON
// (bake's own, in build order, with task ids: for scripts that want more than the dot file says).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { byCodePoint, displayName, type TaskGraph, type TaskNode } from "./types.js";

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

/** BitBake's name of a task in its graph files: `pn.do_task`. */
function dotName(node: TaskNode): string {
  return `${node.recipe.pn}.${node.task.name}`;
}

/** BitBake's version string: `PE:PV-PR`, with an empty PE as `:PV-PR`. */
export function pepvpr(recipe: { readonly pe: string; readonly pv: string; readonly pr: string }): string {
  return `${recipe.pe}:${recipe.pv}-${recipe.pr}`;
}

/**
 * task-depends.dot as BitBake's cooker writes it, byte for byte for the same graph: tasks sorted by
 * `pn.do_task`, each as `"pn.do_task" [label="pn do_task\nPE:PV-PR\nfile"]` (file: the recipe id,
 * `virtual:native:/…` for a variant) followed by its sorted dependency edges.
 */
export function taskDependsDot(graph: TaskGraph): string {
  const byName = new Map<string, { node: TaskNode; deps: Set<string> }>();
  for (const node of graph.nodes.values()) {
    const name = dotName(node);
    const entry = byName.get(name) ?? { node, deps: new Set<string>() };
    for (const dep of node.deps) entry.deps.add(dotName(graph.nodes.get(dep)!));
    byName.set(name, entry);
  }
  let out = "digraph depends {\n";
  for (const name of [...byName.keys()].sort(byCodePoint)) {
    const { node, deps } = byName.get(name)!;
    out += `"${name}" [label="${node.recipe.pn} ${node.task.name}\\n${pepvpr(node.recipe)}\\n${node.recipeId}"]\n`;
    for (const dep of [...deps].sort(byCodePoint)) out += `"${name}" -> "${dep}"\n`;
  }
  return out + "}\n";
}

/** pn-buildlist as BitBake writes it: every recipe name of the graph, sorted, one a line. */
export function pnBuildlist(graph: TaskGraph): string {
  const pns = new Set([...graph.nodes.values()].map((n) => n.recipe.pn));
  return [...pns].sort(byCodePoint).join("\n") + "\n";
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
  // In BitBake's order, as its notes name them.
  const files: Array<[string, string]> = [
    ["pn-buildlist", pnBuildlist(graph)],
    ["task-depends.dot", taskDependsDot(graph)],
    ["task-depends.json", taskDependsJson(graph)],
  ];
  return files.map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });
}
