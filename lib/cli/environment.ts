// `bake -e` and `bake getvar`: a datastore shown as BitBake shows it, with each variable's history.
import { existsSync } from "node:fs";
import { describeVariable, type DataStore } from "../data/index.js";
import type { Metadata } from "../evaluate/index.js";

function isFunction(d: DataStore, name: string): boolean {
  return d.getVarFlag(name, "func", false) !== null;
}

/** The whole environment: included files, then variables, then functions (as bitbake -e orders them). */
export function formatEnvironment(m: Metadata): string {
  const d = m.d;
  const out: string[] = ["# INCLUDE HISTORY:", ...[...m.files].filter(existsHint).map((f) => `#   ${f}`), "#"];
  const names = d.keys().filter((k) => !k.startsWith("__")).sort();
  for (const name of names.filter((n) => !isFunction(d, n))) out.push(describeVariable(d, name));
  for (const name of names.filter((n) => isFunction(d, n))) out.push(describeVariable(d, name));
  return out.join("\n");
}

// m.files also records paths that were looked for and not found (for the parse cache); hide those.
function existsHint(path: string): boolean {
  return existsSync(path);
}
