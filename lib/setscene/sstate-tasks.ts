// Which tasks are sstate tasks, what output directories they declare, and the architecture their
// objects are filed under: read from the task flags sstate.bbclass sets.
import { basename } from "node:path";
import { isSet, type TaskNode } from "../graph/types.js";
import type { OutputSpec } from "./install.js";

/** The archive member name of an output directory: its base name, made unique. */
function outputName(dir: string, taken: Set<string>): string {
  let name = basename(dir).replace(/[^A-Za-z0-9._+-]/g, "_").replace(/^[^A-Za-z0-9]+/, "") || "output";
  for (let i = 2; taken.has(name); i++) name = `${name.replace(/-\d+$/, "")}-${i}`;
  taken.add(name);
  return name;
}

/** The output directories an sstate task declares ([sstate-inputdirs]/[sstate-outputdirs] pairs, [sstate-plaindirs]). */
export function taskOutputs(node: TaskNode): OutputSpec[] {
  const words = (f: string | undefined) => (f ?? "").split(/\s+/).filter(Boolean);
  const inputs = words(node.task.flags["sstate-inputdirs"]);
  const outputs = words(node.task.flags["sstate-outputdirs"]);
  const taken = new Set<string>();
  const out: OutputSpec[] = [];
  inputs.forEach((input, i) => out.push({ name: outputName(input, taken), input, output: outputs[i] ?? input }));
  for (const plain of words(node.task.flags["sstate-plaindirs"])) out.push({ name: outputName(plain, taken), input: plain, output: plain });
  return out;
}

/** A task whose output is shared state: flagged `sstate`, declaring where its output is, and run (not noexec). */
export function isSstateTask(node: TaskNode): boolean {
  // A noexec task makes no output: there is nothing to restore, and BitBake counts it as covered.
  return isSet(node.task.flags.sstate) && !isSet(node.task.flags.noexec) && taskOutputs(node).length > 0;
}

const PKGARCH = /^[A-Za-z0-9._+-]+$/;

/** sstate.bbclass sets `[sstate] = "${SSTATE_PKGARCH}"`: the architecture objects are filed under. */
export function pkgArchOf(node: TaskNode): string {
  const v = (node.task.flags.sstate ?? "").trim();
  return v !== "1" && PKGARCH.test(v) ? v : "any";
}
