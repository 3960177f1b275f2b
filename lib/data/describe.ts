// `bake -e` output for one variable, in the format of bitbake -e (bb/data.py emit_var
// with its history comment block from VariableHistory.emit), so that users can read it
// the same way.

import { basename } from "node:path";
import type { DataStore } from "./store.js";

/** The `bitbake -e` block for NAME: history comments, pre-expansion value, `NAME="value"`. */
export function describeVariable(d: DataStore, name: string): string {
  if (d.getVarFlag(name, "func", false)) return describeFunction(d, name);
  let out = "";
  let oval: string | null;
  let val: string | null;
  try {
    oval = d.getVar(name, false);
    val = d.getVar(name);
  } catch (e) {
    const err = e as Error;
    return `# expansion of ${name} threw ${err.name}: ${err.message}\n`;
  }
  out += historyBlock(d, name, oval);
  const expandedName = d.expand(name);
  if (isTrue(d.getVarFlag(name, "unexport"))) return out + `unset ${expandedName}\n`;
  if (val === null) return out;
  if (isTrue(d.getVarFlag(name, "export"))) out += "export ";
  return out + `${expandedName}="${shellEscape(val)}"\n`;
}

function describeFunction(d: DataStore, name: string): string {
  const lang = d.getVarFlag(name, "python", false) ? "python" : d.getVarFlag(name, "js", false) ? "js" : null;
  if (lang !== null) {
    // bitbake -e prints Python functions after the environment, unexpanded.
    return `\n${lang} ${name} () {\n${d.getVar(name, false) ?? ""}}\n`;
  }
  let val: string | null;
  try {
    val = d.getVar(name);
  } catch (e) {
    const err = e as Error;
    return `# expansion of ${name} threw ${err.name}: ${err.message}\n`;
  }
  const expandedName = d.expand(name);
  if (isTrue(d.getVarFlag(name, "unexport"))) return `unset ${expandedName}\n`;
  if (val === null) return "";
  // The comment also tells the task runner where a shell function came from.
  const lineno = d.getVarFlag(name, "lineno", false);
  const filename = d.getVarFlag(name, "filename", false);
  return `# line: ${lineno ?? "None"}, file: ${filename ?? "None"}\n${expandedName}() {\n${val.replace(/\n+$/, "")}\n}\n`;
}

function historyBlock(d: DataStore, name: string, oval: string | null): string {
  const history = d.history(name, "bitbake");
  const commentVal = String(oval ?? "None").replace(/\n/g, "\n#");
  if (history.length === 0) {
    return `#\n# $${name}\n#   [no history recorded]\n#\n#   "${commentVal}"\n`;
  }
  let out = history.length === 1 ? `#\n# $${name}\n` : `#\n# $${name} [${history.length} operations]\n`;
  for (const e of history) {
    const flag = e.flag !== undefined ? `[${e.flag}] ` : "";
    const where = e.func !== undefined ? `${basename(e.file ?? "")}:${e.line ?? 0} [${e.func}]` : `${e.file ?? "<internal>"}:${e.line ?? 0}`;
    out += `#   ${e.op} ${where}\n#     ${flag}"${e.detail.replace(/\n/g, "\n#     ")}"\n`;
  }
  if (history.length > 1) out += `# pre-expansion value:\n#   "${commentVal}"\n`;
  return out;
}

function shellEscape(val: string): string {
  return val.replace(/"/g, '\\"').replace(/`/g, "\\`").replace(/\n/g, " \\\n").replace(/\$/g, "\\$");
}

// bb.utils.to_boolean for flags, without its exception on odd text (bitbake -e would fail).
function isTrue(v: string | null): boolean {
  if (!v) return false;
  return ["y", "yes", "1", "true"].includes(v.toLowerCase());
}
