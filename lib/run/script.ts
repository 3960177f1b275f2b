// The exact shell script a shell function runs as (BitBake's exec_func_shell with data.emit_func):
// an exit trap, `set -e`, the exported variables, every shell function the function calls
// (transitively), then `cd` and the call. The same exported variables, and nothing else, make the
// process environment, so the script in ${T} reruns by hand exactly as the task ran.
import type { DataStore } from "../data/index.js";
import { toBoolean } from "../data/index.js";
import { shellCommands } from "../signature/index.js";

export type FunctionKind = "shell" | "js" | "python";

/** What kind of code a function is; null when NAME is not a function (or has no body). */
export function functionKind(d: DataStore, name: string): FunctionKind | null {
  if (d.getVar(name, false) === null) return null;
  if (d.getVarFlag(name, "python", false)) return "python";
  if (d.getVarFlag(name, "js", false)) return "js";
  return "shell";
}

// Expanded, as BitBake's exported_keys reads [export] and [unexport]. These two flags are looked
// at for every variable of every task and are nearly always "1": only a value with a reference
// is expanded, which gives the same answer as expanding every one.
function flagTrue(d: DataStore, name: string, flag: string): boolean {
  const raw = d.getVarFlag(name, flag, false);
  const v = raw !== null && raw.includes("${") ? d.getVarFlag(name, flag) : raw;
  try {
    return toBoolean(v, false) === true;
  } catch {
    return false;
  }
}

// Names a POSIX shell accepts as variables and functions; BitBake skips others (with - . + { }) too.
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface ExportedVariables {
  /** NAME → value, sorted by name: the whole environment of the task's processes. */
  readonly vars: ReadonlyMap<string, string>;
  /** Variables flagged `unexport` (the script unsets them, for whoever runs it by hand). */
  readonly unexported: readonly string[];
  /** Exported variables whose expansion failed: left out, as BitBake does, with the reason. */
  readonly failed: readonly { readonly name: string; readonly message: string }[];
}

/** BitBake's exported_vars: `[export]` set, `[unexport]` not, a value, not a function, not PWD. */
export function exportedVariables(d: DataStore): ExportedVariables {
  const vars = new Map<string, string>();
  const unexported: string[] = [];
  const failed: { name: string; message: string }[] = [];
  // Only a name flagged `export` or `unexport` at some point can have either flag (flags are set
  // through setVarFlag alone, which lists the name): those few are looked at, not every one of
  // the recipe's thousands of names (d.keys()), for each shell function of each task.
  for (const name of d.exportFlagged().sort()) {
    if (name.startsWith("__") || !SHELL_NAME.test(name) || d.getVarFlag(name, "func", false)) continue;
    if (flagTrue(d, name, "unexport")) {
      unexported.push(name);
      continue;
    }
    // The shell sets PWD itself; an exported one would lie about the task's directory.
    if (name === "PWD" || !flagTrue(d, name, "export")) continue;
    try {
      const value = d.getVar(name);
      if (value !== null) vars.set(name, value);
    } catch (err) {
      failed.push({ name, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return { vars, unexported, failed };
}

/** Single quotes keep a value byte for byte (BitBake's double quotes turn newlines into spaces). */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function isShellFunction(d: DataStore, name: string): boolean {
  return SHELL_NAME.test(name) && Boolean(d.getVarFlag(name, "func", false)) && functionKind(d, name) === "shell";
}

function words(text: string | null): string[] {
  return (text ?? "").split(/\s+/).filter(Boolean);
}

/**
 * The shell functions `func` calls, directly or through others, sorted: the commands of each body
 * as the shell parser finds them, plus `vardeps` (how metadata names calls hidden in variables).
 * A body the parser cannot read makes every shell function count, so the script still runs.
 */
export function calledShellFunctions(d: DataStore, func: string): string[] {
  const seen = new Set<string>([func]);
  const found: string[] = [];
  let frontier = [func];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const name of frontier) {
      let commands: ReadonlySet<string>;
      try {
        commands = shellCommands(d.getVar(name) ?? "");
      } catch {
        return d.keys().filter((k) => k !== func && !k.startsWith("__") && isShellFunction(d, k)).sort();
      }
      for (const dep of [...commands, ...words(d.getVarFlag(name, "vardeps"))]) {
        if (seen.has(dep)) continue;
        seen.add(dep);
        if (!isShellFunction(d, dep)) continue;
        found.push(dep);
        next.push(dep);
      }
    }
    frontier = next;
  }
  return found.sort();
}

function emitFunction(d: DataStore, name: string): string {
  const body = (d.getVar(name) ?? "").replace(/\n+$/, "");
  // `f() { }` is a syntax error in sh; an empty function still has to be callable.
  const text = body.trim() === "" ? ":" : body;
  const where = `# line: ${d.getVarFlag(name, "lineno", false) ?? "?"}, file: ${d.getVarFlag(name, "filename", false) ?? "?"}`;
  return `${where}\n${name}() {\n${text}\n}\n`;
}

/**
 * `${T}/cpu.<task>.<pid>`, beside the task's `log.<task>.<pid>`: where each shell function of the
 * running task (BB_RUNTASK) appends its `times`; null outside a task.
 */
export function cpuTimesFile(d: DataStore): string | null {
  const t = d.getVar("T");
  const task = d.getVar("BB_RUNTASK");
  return t && task ? `${t}/cpu.${task}.${process.pid}` : null;
}

/** Seconds of CPU in what `times` printed (one or more times): every `XmY.YYYs` summed. */
export function parseTimes(text: string): number {
  let total = 0;
  for (const m of text.matchAll(/(\d+)m(\d+(?:\.\d+)?)s/g)) total += Number(m[1]) * 60 + Number(m[2]);
  return Math.round(total * 1000) / 1000;
}

export interface ShellScriptOptions {
  readonly cwd: string;
  /** The task's `umask` flag (octal), applied in the script: worker threads cannot set their own. */
  readonly umask: string | null;
  readonly exported: ExportedVariables;
  /**
   * Whether the script appends its CPU time to cpuTimesFile at exit (default): not when the task
   * launcher runs it, which learns that time from the kernel as it reaps the shell.
   */
  readonly cpuTimes?: boolean;
}

export function shellScript(d: DataStore, func: string, opts: ShellScriptOptions): string {
  const out: string[] = [];
  out.push("#!/bin/sh\n");
  // As BitBake's shell_trap_code: say so when a command fails, since `set -e` exits silently.
  // Then the CPU time of the shell and of everything it waited for (`times`), which buildstats
  // reads: bake's worker threads cannot ask the kernel for one child's resource use.
  const cpuFile = opts.cpuTimes === false ? null : cpuTimesFile(d);
  out.push(
    "bake_exit_handler() {\n" +
      '    ret=$?\n    if [ "$ret" != 0 ]; then\n        echo "WARNING: exit code $ret from a shell command."\n    fi\n' +
      (cpuFile !== null ? `    times >>${shellQuote(cpuFile)} 2>/dev/null || :\n` : "") +
      "    exit $ret\n}\ntrap 'bake_exit_handler' 0\nset -e\n\n",
  );
  // bake -v (BB_VERBOSE_LOGS = "1"), as BitBake: trace every command of shell tasks in the log.
  if (d.getVar("BB_VERBOSE_LOGS") === "1") out.push("set -x\n\n");
  for (const f of opts.exported.failed) out.push(`# expansion of ${f.name} failed: ${f.message.replace(/\n/g, " ")}\n`);
  for (const [name, value] of opts.exported.vars) out.push(`export ${name}=${shellQuote(value)}\n`);
  for (const name of opts.exported.unexported) out.push(`unset ${name}\n`);
  out.push("\n");
  for (const dep of calledShellFunctions(d, func)) out.push(emitFunction(d, dep), "\n");
  out.push(emitFunction(d, func), "\n");
  if (opts.umask !== null) out.push(`umask ${opts.umask}\n`);
  out.push(`cd ${shellQuote(opts.cwd)}\n`);
  out.push(`${func}\n`);
  return out.join("");
}
