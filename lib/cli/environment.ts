// `bake -e` and `bake getvar`: a datastore shown as BitBake shows it, with each variable's history.
import { existsSync } from "node:fs";
import { describeVariable, type DataStore } from "../data/index.js";
import type { IncludeNode, Metadata } from "../evaluate/index.js";

function isFunction(d: DataStore, name: string): boolean {
  return d.getVarFlag(name, "func", false) !== null;
}

function isPythonFunction(d: DataStore, name: string): boolean {
  return isFunction(d, name) && (d.getVarFlag(name, "python", false) !== null || d.getVarFlag(name, "js", false) !== null);
}

/**
 * The whole environment as bitbake -e prints it (bb.cooker showEnvironment): the include history,
 * then the variables with their history, the shell functions each followed by a blank line (bb.data
 * emit_env), then every python function, `__anon` ones included, after a blank line each.
 */
export function formatEnvironment(m: Metadata): string {
  const d = m.d;
  const keys = d.keys().sort();
  const names = keys.filter((k) => !k.startsWith("__"));
  let out = ["#", "# INCLUDE HISTORY:", "#", ...includeHistory(m)].join("\n") + "\n";
  for (const name of names) if (!isFunction(d, name)) out += describeVariable(d, name);
  for (const name of names) {
    // emit_var skips a function's name holding characters a shell name cannot (all=False for functions).
    if (!isFunction(d, name) || isPythonFunction(d, name) || /[-.{}+]/.test(name)) continue;
    const text = describeVariable(d, name);
    out += text.startsWith("# line: ") ? `${text}\n` : text;
  }
  out += "\n";
  // BitBake keeps an anonymous function's text as the `def` it runs.
  const anonymous = new Set(m.anonymous.filter((f) => f.language === "python").map((f) => f.name));
  for (const name of keys) {
    if (!isPythonFunction(d, name)) continue;
    if (anonymous.has(name)) out += `\npython ${name} () {\ndef ${name}(d):\n${d.getVar(name, false) ?? ""}}\n\n`;
    // A name with only a python flag and no value (`do_package:prepend` once applied) shows BitBake's str(None).
    else if (d.getVar(name, false) === null) out += `\npython ${name} () {\nNone}\n\n`;
    else out += `${describeVariable(d, name)}\n`;
  }
  return out;
}

/**
 * The configuration's include history as BitBake prints it (the cooker's datastore, for a recipe
 * too): each file, indented under the one that read it, "includes:" after one that read others.
 * A Metadata without one (none recorded) lists the files it read, less a recipe's own.
 */
function includeHistory(m: Metadata): string[] {
  const lines: string[] = [];
  const walk = (nodes: readonly IncludeNode[], level: number): void => {
    for (const n of nodes) {
      lines.push(`# ${"  ".repeat(level)}${n.name}${n.children.length > 0 ? " includes:" : ""}`);
      walk(n.children, level + 1);
    }
  };
  walk(m.includes, 0);
  if (lines.length > 0) return lines;
  const own = m.included ?? new Set<string>();
  return [...m.files].filter((f) => !own.has(f) && existsHint(f)).map((f) => `# ${f}`);
}

// m.files also records paths that were looked for and not found (for the parse cache); hide those.
function existsHint(path: string): boolean {
  return existsSync(path);
}
