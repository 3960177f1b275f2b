// addtask / deltask bookkeeping, as bb.build.addtask/deltask: a task's `deps` flag lists what it runs
// after; `before X` adds the task to X's list. Names are kept unexpanded until finalisation.
import type { Location } from "../parse/index.js";
import type { Metadata } from "./state.js";

export function taskName(name: string): string {
  return name.startsWith("do_") ? name : `do_${name}`;
}

function depsOf(m: Metadata, task: string): string[] {
  return (m.d.getVarFlag(task, "deps", false) ?? "").split(" ").filter(Boolean);
}

export function addTask(m: Metadata, name: string, before: readonly string[], after: readonly string[], loc: Location): void {
  const at = { file: loc.file, line: loc.line, op: "addtask" };
  const task = taskName(name);
  m.d.setVarFlag(task, "task", "1", at);
  if (!m.tasks.includes(task)) m.tasks.push(task);
  const deps = depsOf(m, task);
  for (const entry of after.map(taskName)) if (!deps.includes(entry)) deps.push(entry);
  m.d.setVarFlag(task, "deps", deps.join(" "), at);
  for (const entry of before.map(taskName)) {
    const existing = depsOf(m, entry);
    if (!existing.includes(task)) m.d.setVarFlag(entry, "deps", [task, ...existing].join(" "), at);
  }
}

export function deleteTask(m: Metadata, name: string, loc: Location): void {
  const at = { file: loc.file, line: loc.line, op: "deltask" };
  const task = taskName(name);
  const index = m.tasks.indexOf(task);
  if (index >= 0) {
    m.tasks.splice(index, 1);
    m.d.delVarFlag(task, "task", at);
  }
  m.d.delVarFlag(task, "deps", at);
  for (const other of m.tasks) {
    const deps = depsOf(m, other);
    if (deps.includes(task)) m.d.setVarFlag(other, "deps", deps.filter((t) => t !== task).join(" "), at);
  }
}

/** A finalised task and what it runs after (names expanded, as bb.build.add_tasks records them). */
export interface TaskEntry {
  readonly name: string;
  readonly after: readonly string[];
}

export function finalTasks(m: Metadata): TaskEntry[] {
  return m.tasks.map((t) => {
    const name = m.d.expand(t);
    return { name, after: depsOf(m, name).map((dep) => m.d.expand(dep)) };
  });
}
