// Running one task of a recipe, given its finalised datastore (BitBake's bb.build._exec_task and
// exec_func): the log file and its link, then each of prefuncs, the task, postfuncs — a shell
// function as `/bin/sh` on the script written to ${T}, a `js` function in this thread.
import { spawn } from "node:child_process";
import {
  appendFileSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { runJs, withJsMessageHandler, type DataStore, type JsMessage } from "../data/index.js";
import type { FetchEvent } from "../fetch/index.js";
// The supervisor alone, not the fetchers: a worker whose tasks are all shell functions loads none of them.
import { supervised, SUPERVISED_STDIN } from "../fetch/supervise.js";
import { isSet } from "../graph/types.js";
import type { TaskFailure, TaskOutcome } from "./events.js";
import { constants } from "node:os";
import { launchable, threadLauncher, type Launcher } from "./launcher.js";
import { isolationCommand, mayUseNetwork, shellCommand } from "./network.js";
import { cpuTimesFile, exportedVariables, functionKind, parseTimes, shellScript } from "./script.js";
import { logTail } from "./log-tail.js";

export interface TaskRun {
  /** `do_compile`. */
  readonly task: string;
  readonly taskhash: string;
  /** Told the process group of each shell as it starts (to kill it, or clean up after a crash). */
  readonly onSpawn?: (pgid: number, runfile: string) => void;
  /** When aborted, the running shell's process group is killed and nothing more starts. */
  readonly signal?: AbortSignal;
  /** What the fetcher of a `js` function reports (download progress, files fetched, warnings). */
  readonly onFetch?: (event: FetchEvent) => void;
}

/** (Re)point `link` at `target` (a name in the same directory) atomically. */
function pointLink(link: string, target: string): void {
  // A task's first run in a build directory: the link is new, one syscall makes it.
  if (makeLink(target, link)) return;
  const temp = `${link}.${process.pid}.tmp`;
  if (!makeLink(target, temp)) {
    rmSync(temp, { force: true }); // Left by a bake that was killed between these two lines.
    symlinkSync(target, temp);
  }
  renameSync(temp, link);
}

/** A new symlink `path` → `target`; false when `path` exists. */
function makeLink(target: string, path: string): boolean {
  try {
    symlinkSync(target, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

/**
 * The run file, as writeFileSync(path, text, { mode: 0o755 }) writes it (made 0755 less the
 * umask, or emptied), but written from the string: no Buffer is made for it first.
 */
function writeRunFile(path: string, text: string): void {
  const fd = openSync(path, "w", 0o755);
  try {
    const written = writeSync(fd, text);
    // A file takes the whole text in one write; should one stop short, the rest goes as bytes.
    if (written < Buffer.byteLength(text)) {
      const rest = Buffer.from(text).subarray(written);
      for (let at = 0; at < rest.length; ) at += writeSync(fd, rest, at, rest.length - at);
    }
  } finally {
    closeSync(fd);
  }
}

/** `path` opened to append; `dir`, where it is, made first when missing (the first task of a recipe). */
function openMakingDir(path: string, dir: string): number {
  try {
    return openSync(path, "a");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(dir, { recursive: true });
  return openSync(path, "a");
}

function words(text: string | null): string[] {
  return (text ?? "").split(/\s+/).filter(Boolean);
}

class TaskError extends Error {
  constructor(readonly failure: TaskFailure) {
    super(failure.reason);
  }
}

function signalName(signal: NodeJS.Signals | null): string {
  return signal ?? "unknown signal";
}

const KILL_GRACE_MS = 3000;

const MESSAGE_PREFIX = { debug: "DEBUG", note: "NOTE", plain: "", warn: "WARNING", error: "ERROR", fatal: "ERROR" } as const;

export async function executeTask(d: DataStore, run: TaskRun): Promise<TaskOutcome> {
  const { task } = run;
  d.setVar("BB_RUNTASK", task);
  d.setVar("BB_TASKHASH", run.taskhash);
  d.setVar("BB_UNIHASH", run.taskhash);
  const tempdir = d.getVar("T");
  if (!tempdir) return { ok: false, failure: { reason: "error", message: `T is not set for ${task}`, log: null } };
  const logbase = `log.${task}.${process.pid}`;
  const logfile = join(tempdir, logbase);
  const fd = openMakingDir(logfile, tempdir);
  const launched: ShellCpu = { seconds: 0, shells: 0 };
  try {
    pointLink(join(tempdir, `log.${task}`), logbase);
    appendFileSync(join(tempdir, "log.task_order"), `${task} (${process.pid}): ${logbase}\n`);
    const umask = d.getVarFlag(task, "umask");
    const funcs = [...words(d.getVarFlag(task, "prefuncs")), task, ...words(d.getVarFlag(task, "postfuncs"))];
    // What metadata code logs while this task runs (bb.note in its js functions, however nested,
    // and in the inline expressions they expand) goes to this task's log.
    const toLog = (m: JsMessage) => writeSync(fd, `${MESSAGE_PREFIX[m.level] ? `${MESSAGE_PREFIX[m.level]}: ` : ""}${m.text}\n`);
    return await withJsMessageHandler(toLog, async (): Promise<TaskOutcome> => {
      for (const func of funcs) {
        if (run.signal?.aborted) {
          return { ok: false, failure: { reason: "killed", signal: "SIGTERM", log: logfile, tail: logTail(logfile) }, ...cpuOf(launched) };
        }
        await runFunction(d, func, { ...run, fd, logfile, tempdir, umask: umask || null, isTask: func === task, launched });
      }
      return { ok: true, log: logfile, ...cpuOf(launched) };
    });
  } catch (err) {
    if (err instanceof TaskError) return { ok: false, failure: err.failure, ...cpuOf(launched) };
    const message = err instanceof Error ? err.message : String(err);
    writeSync(fd, `ERROR: ${message}\n`);
    return { ok: false, failure: { reason: "error", message, log: logfile }, ...cpuOf(launched) };
  } finally {
    closeSync(fd);
  }
}

interface FunctionRun extends TaskRun {
  readonly fd: number;
  readonly logfile: string;
  readonly tempdir: string;
  readonly umask: string | null;
  readonly isTask: boolean;
  /** The processor time of the task's shells (the launcher's account, or their `times`), summed as they end. */
  readonly launched: ShellCpu;
}

interface ShellCpu {
  seconds: number;
  shells: number;
}

function cpuOf(launched: ShellCpu): { cpu?: number } {
  return launched.shells > 0 ? { cpu: Math.round(launched.seconds * 1e6) / 1e6 } : {};
}

async function runFunction(d: DataStore, func: string, run: FunctionRun): Promise<void> {
  const kind = functionKind(d, func);
  if (kind === null) {
    writeSync(run.fd, `WARNING: Function ${func} doesn't exist\n`);
    return;
  }
  if (kind === "python") {
    writeSync(run.fd, `ERROR: ${func} is a Python function: bake runs shell and js functions only\n`);
    throw new TaskError({ reason: "python-function", func, log: run.logfile });
  }
  // As BitBake's exec_func: the function's own cleandirs are emptied, its dirs made, the last
  // of them is where it runs (default ${B}).
  for (const dir of words(d.getVarFlag(func, "cleandirs"))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  const dirs = words(d.getVarFlag(func, "dirs"));
  const cwd = dirs.at(-1) ?? d.getVar("B") ?? run.tempdir;
  for (const dir of dirs.length > 0 ? dirs : [cwd]) mkdirSync(dir, { recursive: true });
  if (kind === "js") await runJsFunction(d, func, run);
  else await runShellFunction(d, func, cwd, run);
}

async function runJsFunction(d: DataStore, func: string, run: FunctionRun): Promise<void> {
  writeSync(run.fd, `DEBUG: Executing js function ${func}\n`);
  try {
    // Loaded with the first js function a worker runs: it brings the fetchers and shared state,
    // which shell tasks never use (a worker's start-up is part of every build's time).
    const { taskGlobals } = await import("./task-api.js");
    const globals = taskGlobals(d, {
      execFunc: (name) => runFunction(d, name, { ...run, isTask: false }),
      log: (text) => writeSync(run.fd, `${text}\n`),
      ...(run.onFetch ? { onFetch: run.onFetch } : {}),
      ...(run.signal ? { signal: run.signal } : {}),
    });
    await runJs(d.getVar(func, false) ?? "", d, {
      filename: d.getVarFlag(func, "filename", false) ?? func,
      // The lineno flag is the header's line; the body starts on the next one.
      line: (Number(d.getVarFlag(func, "lineno", false) ?? 1) || 1) + 1,
      globals,
    });
  } catch (err) {
    // A function it called (bb.build.exec_func) failed: that failure, already logged, is the cause.
    if (err instanceof TaskError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    writeSync(run.fd, `ERROR: ${func}: ${message}\n`);
    throw new TaskError({ reason: "js-error", message, log: run.logfile, tail: logTail(run.logfile) });
  }
  writeSync(run.fd, `DEBUG: js function ${func} finished\n`);
}

async function runShellFunction(d: DataStore, func: string, cwd: string, run: FunctionRun): Promise<void> {
  const exported = exportedVariables(d);
  const runbase = `run.${func}.${process.pid}`;
  const runfile = join(run.tempdir, runbase);
  const isolate = !mayUseNetwork(run.task, d.getVarFlag(run.task, "network"));
  const unshare = isolate ? isolationCommand() : null;
  const interactive = run.isTask && isSet(d.getVarFlag(func, "interactive") ?? undefined);
  const launcher = !interactive && unshare !== null && launchable(runfile, run.logfile) ? threadLauncher(unshare) : null;
  // The launcher accounts for a shell's processor time as it reaps it; a shell bake spawns
  // itself has to write its own (`times`, into a file beside the log).
  writeRunFile(runfile, shellScript(d, func, { cwd, umask: run.umask, exported, cpuTimes: launcher === null }));
  if (run.isTask) pointLink(join(run.tempdir, `run.${func}`), runbase);
  writeSync(run.fd, `DEBUG: Executing shell function ${func}\n`);
  const result = launcher !== null ? await launchedShell(launcher, runfile, run) : { ...(await spawnedShell(runfile, isolate, cwd, exported.vars, run, interactive)), ...takeCpuTimes(d) };
  if (result.cpu !== undefined) {
    run.launched.seconds += result.cpu;
    run.launched.shells++;
  }
  if (result.signal !== null) {
    writeSync(run.fd, `ERROR: ${func} was killed by ${result.signal}\n`);
    throw new TaskError({ reason: "killed", signal: signalName(result.signal), log: run.logfile, tail: logTail(run.logfile) });
  }
  if (result.code !== 0) {
    const code = result.code ?? 1;
    writeSync(run.fd, `ERROR: ${func} failed with exit code ${code}\n`);
    throw new TaskError({ reason: "exit-non-zero", code, log: run.logfile, tail: logTail(run.logfile) });
  }
  writeSync(run.fd, `DEBUG: Shell function ${func} finished\n`);
}

/**
 * What a shell bake spawned itself wrote at its exit (its `times`, see shellScript), read here, in
 * the task's thread, and removed: the task's outcome carries it, so the main thread looks for no
 * file per task. Nothing when the shell wrote none (killed before its exit trap).
 */
function takeCpuTimes(d: DataStore): { cpu?: number } {
  const file = cpuTimesFile(d);
  if (file === null) return {};
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return {};
  }
  rmSync(file, { force: true });
  return { cpu: parseTimes(text) };
}

/** How a shell ended; `cpu`: its processor time, when known (the launcher ran it, or its `times` was read). */
interface ShellEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly cpu?: number;
}

/** The task's shell as a child of bake (not isolated, or where the launcher cannot be used). */
async function spawnedShell(
  runfile: string,
  isolate: boolean,
  cwd: string,
  env: ReadonlyMap<string, string>,
  run: FunctionRun,
  interactive: boolean,
): Promise<ShellEnd> {
  const shell = shellCommand(runfile, isolate);
  const command = supervised(shell.file, shell.args);
  return await new Promise<ShellEnd>((resolve, reject) => {
    // Its own process group (detached) so that a second Ctrl-C can kill the whole task, and a
    // first one, sent by the terminal to bake's group, does not reach it; supervised, so that
    // the group dies with bake however bake ends. An [interactive] task (devshell, menuconfig)
    // instead has bake's terminal, in bake's process group (a background group could not read
    // the terminal), and so needs no supervisor: it ends with the terminal.
    // The terminal's type goes with it: ncurses (Kconfig's menuconfig) draws nothing without TERM,
    // which the task environment (exported variables only) does not otherwise have.
    const terminal = interactive && process.env["TERM"] ? { TERM: process.env["TERM"] } : {};
    const child = spawn(interactive ? shell.file : command.file, interactive ? shell.args : command.args, {
      cwd,
      env: { ...Object.fromEntries(env), ...terminal },
      stdio: interactive ? "inherit" : [SUPERVISED_STDIN, run.fd, run.fd],
      detached: !interactive,
    });
    let killTimer: NodeJS.Timeout | undefined;
    const kill = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        return;
      }
      killTimer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // Already gone.
        }
      }, KILL_GRACE_MS);
    };
    child.on("spawn", () => {
      if (child.pid !== undefined) run.onSpawn?.(child.pid, runfile);
      if (run.signal?.aborted) kill();
    });
    run.signal?.addEventListener("abort", kill, { once: true });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(killTimer);
      run.signal?.removeEventListener("abort", kill);
      resolve({ code, signal });
    });
  });
}

/** Sends `signal` to a task's process group, or to the task alone before it made its group. */
function signalTask(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** The task's shell started by this thread's launcher, in the launcher's network namespace. */
async function launchedShell(launcher: Launcher, runfile: string, run: FunctionRun): Promise<ShellEnd> {
  const task = launcher.launch(runfile, run.logfile);
  let pid: number | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let sent: NodeJS.Signals | null = null;
  let orphaned = false;
  const kill = () => {
    if (pid === undefined || sent !== null) return; // Killed as soon as it has started (below).
    sent = "SIGTERM";
    signalTask(pid, "SIGTERM");
    killTimer = setTimeout(() => {
      sent = "SIGKILL";
      signalTask(pid!, "SIGKILL");
    }, KILL_GRACE_MS);
  };
  run.signal?.addEventListener("abort", kill, { once: true });
  try {
    pid = await task.pid;
    run.onSpawn?.(pid, runfile);
    if (run.signal?.aborted) kill();
    const status = await task.status.catch((err: unknown) => {
      // The launcher died with the task running (bake lives, so the launcher did not end it): the
      // task's group must not outlive it unsupervised, and is ended as a killed task is.
      orphaned = true;
      kill();
      throw err;
    });
    // `wait` says 128 + N for a shell killed by signal N; only a kill of ours is taken as one
    // (a script may exit 130 itself).
    if (sent !== null && status > 128) {
      const name = (Object.entries(constants.signals).find(([, n]) => n === status - 128)?.[0] ?? sent) as NodeJS.Signals;
      return { code: null, signal: name };
    }
    return { code: status, signal: null, cpu: await task.cpu };
  } finally {
    if (!orphaned) clearTimeout(killTimer);
    run.signal?.removeEventListener("abort", kill);
  }
}
