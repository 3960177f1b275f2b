// One parsed assignment statement applied to a datastore (BitBake's DataNode.eval in parse/ast.py):
// `=`, `?=`, `??=`, `:=`, `+=`, `=+`, `.=`, `=.`, on a variable or a flag, with `export`.

import type { HistoryLoc } from "./errors.js";
import type { DataStore } from "./store.js";

export type AssignOperator = "=" | "?=" | "??=" | ":=" | "+=" | "=+" | ".=" | "=.";

/** The fields of a parsed `[export] NAME[flag] op "value"` statement. */
export interface AssignmentLike {
  readonly name: string;
  readonly flag: string | null;
  readonly op: AssignOperator;
  readonly value: string;
  readonly exported: boolean;
}

/** What history calls each operator (bitbake -e's words). */
const HISTORY_OP: Readonly<Record<AssignOperator, string>> = {
  "=": "set",
  "??=": "set",
  "?=": "set?",
  ":=": "immediate",
  "+=": "append",
  "=+": "prepend",
  ".=": "postdot",
  "=.": "predot",
};

export function applyAssignment(d: DataStore, a: AssignmentLike, loc: HistoryLoc): void {
  const key = a.name;
  if (a.exported) d.setVarFlag(key, "export", "1", { file: loc.file, line: loc.line, op: "exported", detail: "1" });
  // The value the operator builds on: weak defaults and pending :append/:prepend/:remove left out.
  const current = (): string | null =>
    a.flag !== null ? d.getVarRaw(key, a.flag, { noweakdefault: true }) : d.getVarRaw(key, null, { noweakdefault: true, parsing: true });
  let val: string | null;
  switch (a.op) {
    case "?=":
      val = current() ?? a.value;
      break;
    case ":=":
      // Expanded in a throwaway copy, as BitBake does: code run by the expansion cannot
      // change this datastore.
      val = d.createCopy().expand(a.value, key + "[:=]");
      break;
    case "+=":
      val = `${current() ?? ""} ${a.value}`;
      break;
    case "=+":
      val = `${a.value} ${current() ?? ""}`;
      break;
    case ".=":
      val = (current() ?? "") + a.value;
      break;
    case "=.":
      val = a.value + (current() ?? "");
      break;
    case "=":
    case "??=":
      val = a.value;
      break;
  }
  const op = HISTORY_OP[a.op];
  if (op !== "set" && op !== "immediate" && (key.includes(":append") || key.includes(":remove") || key.includes(":prepend"))) {
    d.messages.push({ level: "warn", text: `${key} ${a.op} is not a recommended operator combination, please replace it.`, file: loc.file, line: loc.line });
  }
  const at = { file: loc.file, line: loc.line, op, detail: a.value };
  if (a.flag !== null) d.setVarFlag(key, a.op === "??=" ? "_defaultval_flag_" + a.flag : a.flag, val, at);
  else if (a.op === "??=") d.setVarFlag(key, "_defaultval", val, at);
  else d.setVar(key, val, at);
}
