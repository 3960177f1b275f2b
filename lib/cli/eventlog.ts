// `bake -w FILE` (BitBake's --write-log, also $BBEVENTLOG): every build event, one JSON object a
// line, as it happens. BitBake's lines carry pickled Python objects; bake's carry the event's
// fields as plain JSON (a task as its recipe, task name and id), so any tool can read them.
import { appendFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { BuildEvent, BuildListener } from "../run/index.js";
import type { TaskNode } from "../graph/index.js";

/** BitBake's name when -w is given an empty string: bitbake_eventlog_YYYYmmddHHMMSS.json, in bake's name. */
export function defaultEventLogName(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `bake_eventlog_${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}.json`;
}

function plain(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(plain);
  const node = value as Partial<TaskNode>;
  if (node.recipe !== undefined && node.task !== undefined && node.id !== undefined) {
    return { pn: node.recipe.pn, task: node.task.name, id: node.id, file: node.recipe.file };
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
}

export function eventLine(event: BuildEvent, time = Date.now()): string {
  const { type, ...vars } = event;
  return `${JSON.stringify({ class: `bake.${type}`, time: time / 1000, vars: plain(vars) })}\n`;
}

/** A listener writing every event to `path` (created empty) before passing it on. */
export function eventLog(path: string, cwd: string, next: BuildListener): { path: string; listener: BuildListener } {
  const file = resolve(cwd, path === "" ? defaultEventLogName() : path);
  writeFileSync(file, "");
  return {
    path: file,
    listener: (event) => {
      appendFileSync(file, eventLine(event));
      next(event);
    },
  };
}
