// `bake -u taskexp TARGET`: BitBake's task dependency explorer, in text mode (BitBake's is a GTK
// window; bake has no GUI toolkit, and a terminal works over ssh). Tasks are named as in
// task-depends.dot, `pn.do_task`. Commands, one a line on stdin:
//   TASK | show TASK    what TASK depends on and what depends on it
//   list [TEXT]          every task (whose name contains TEXT)
//   why A B              a chain of dependencies from A down to B, if any
//   help, quit
import { createInterface } from "node:readline";
import type { TaskGraph, TaskId, TaskNode } from "../graph/index.js";

const HELP = `commands:
  TASK | show TASK   dependencies and dependents of TASK (pn.do_task, or pn for its default task)
  list [TEXT]        every task, or those whose name contains TEXT
  why A B            a chain of dependencies from task A down to task B
  help               this text
  quit               leave (also end of input)
`;

function dotName(n: TaskNode): string {
  return `${n.recipe.pn}.${n.task.name}`;
}

export class TaskExplorer {
  private readonly byName = new Map<string, TaskNode>();
  private readonly dependents = new Map<TaskId, TaskNode[]>();

  constructor(private readonly graph: TaskGraph) {
    for (const n of graph.nodes.values()) {
      this.byName.set(dotName(n), n);
      for (const d of n.deps) {
        const list = this.dependents.get(d);
        if (list) list.push(n);
        else this.dependents.set(d, [n]);
      }
    }
  }

  private find(name: string): TaskNode | string {
    const exact = this.byName.get(name);
    if (exact) return exact;
    // A bare recipe name means its target task, else do_build.
    const target = this.graph.targets.map((t) => this.graph.nodes.get(t)!).find((n) => n.recipe.pn === name);
    if (target) return target;
    const build = this.byName.get(`${name}.do_build`);
    if (build) return build;
    const like = [...this.byName.keys()].filter((k) => k.includes(name)).sort().slice(0, 5);
    return `no task ${name} in this graph${like.length > 0 ? ` (did you mean ${like.join(", ")}?)` : ""}`;
  }

  private sorted(nodes: Iterable<TaskNode>): string[] {
    return [...new Set([...nodes].map(dotName))].sort();
  }

  /** The answer to one command line; null to quit. */
  answer(line: string): string | null {
    const [cmd, ...rest] = line.trim().split(/\s+/).filter(Boolean);
    if (cmd === undefined) return "";
    switch (cmd) {
      case "quit":
      case "exit":
      case "q":
        return null;
      case "help":
      case "?":
        return HELP;
      case "list": {
        const names = [...this.byName.keys()].filter((k) => rest.length === 0 || k.includes(rest[0]!)).sort();
        return `${names.join("\n")}\n${names.length} task${names.length === 1 ? "" : "s"}\n`;
      }
      case "why": {
        if (rest.length !== 2) return "usage: why A B\n";
        const [a, b] = [this.find(rest[0]!), this.find(rest[1]!)];
        if (typeof a === "string") return `${a}\n`;
        if (typeof b === "string") return `${b}\n`;
        const chain = this.path(a, b);
        return chain ? `${chain.map(dotName).join("\n  -> ")}\n` : `${dotName(a)} does not depend on ${dotName(b)}\n`;
      }
      case "show":
        return this.show(rest.join(" "));
      default:
        return this.show(line.trim());
    }
  }

  private show(name: string): string {
    const n = this.find(name);
    if (typeof n === "string") return `${n}\n`;
    const deps = this.sorted(n.deps.map((d) => this.graph.nodes.get(d)!));
    const rdeps = this.sorted(this.dependents.get(n.id) ?? []);
    const v = n.recipe;
    return [
      `${dotName(n)}  (${v.pe}:${v.pv}-${v.pr}, ${n.recipeId})`,
      `  depends on (${deps.length}):`,
      ...deps.map((x) => `    ${x}`),
      `  needed by (${rdeps.length}):`,
      ...rdeps.map((x) => `    ${x}`),
      "",
    ].join("\n");
  }

  private path(from: TaskNode, to: TaskNode): TaskNode[] | null {
    const previous = new Map<TaskId, TaskId | null>([[from.id, null]]);
    const queue = [from.id];
    while (queue.length > 0) {
      const id = queue.shift()!;
      if (id === to.id) {
        const chain: TaskNode[] = [];
        for (let at: TaskId | null = id; at !== null; at = previous.get(at)!) chain.unshift(this.graph.nodes.get(at)!);
        return chain;
      }
      for (const d of this.graph.nodes.get(id)!.deps) {
        if (!previous.has(d)) {
          previous.set(d, id);
          queue.push(d);
        }
      }
    }
    return null;
  }
}

/** The explorer on a terminal or a script: a prompt when stdin is a terminal, answers on stdout. */
export async function exploreTasks(graph: TaskGraph, input: NodeJS.ReadableStream & { isTTY?: boolean }, output: NodeJS.WritableStream): Promise<number> {
  const explorer = new TaskExplorer(graph);
  const tty = input.isTTY === true;
  output.write(`task explorer: ${graph.nodes.size} tasks; targets ${graph.targets.map((t) => dotName(graph.nodes.get(t)!)).join(" ")}; "help" lists the commands\n`);
  const rl = createInterface({ input, ...(tty ? { output, prompt: "taskexp> " } : {}), terminal: tty });
  if (tty) rl.prompt();
  for await (const line of rl) {
    const answer = explorer.answer(line);
    if (answer === null) break;
    output.write(answer);
    if (tty) rl.prompt();
  }
  rl.close();
  return 0;
}
