// The launcher of isolated shell tasks: one small `/bin/sh` per worker thread, started once inside
// `unshare --net --map-current-user` (loopback up), that starts each task script it is sent.
//
// Why: spawning from bake forks the whole Node process (hundreds of MiB of page tables), and a
// network namespace per task costs an unshare and an `ip` more; for short tasks that was most of
// the time a task took. The launcher forks a tiny process instead, and its tasks share its
// namespace (loopback only, like each task's own before). Each task is still its own session and
// process group (`setsid`), with exactly the environment its script exports (the launcher has none), and is
// `/bin/sh RUNFILE` once started, as the build lock expects, and supervised as every task is.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { supervised, SUPERVISED_STDIN } from "../fetch/index.js";

/** A task the launcher started: its pid (= process group), and its exit status when it ends. */
export interface LaunchedTask {
  readonly pid: Promise<number>;
  /** The shell's exit status (128 + N when killed by signal N, as `wait` reports it). */
  readonly status: Promise<number>;
}

// Reads two lines per task (log file, run file), answers `pid N` then `exit S`. A path with a
// newline cannot be sent: such tasks are spawned directly (see launchable). $0 is setsid, $1 the
// supervisor script (lib/fetch/supervise.ts), fd 3 the pipe it watches: the task's group is
// killed when bake ends, however it ends; after the task, the group goes too (its watcher and
// anything it left behind), as when bake spawns a task itself.
const LOOP =
  'for ip in /usr/sbin/ip /sbin/ip /usr/bin/ip /bin/ip; do [ -x "$ip" ] && { "$ip" link set lo up; break; }; done 2>/dev/null\n' +
  'while IFS= read -r log && IFS= read -r run; do\n' +
  '  "$0" /bin/sh -c "$1" /bin/sh "$run" <&3 >>"$log" 2>&1 &\n' +
  '  pid=$!\n' +
  '  echo "pid $pid"\n' +
  '  wait $pid\n' +
  '  status=$?\n' +
  '  kill -s KILL -- -$pid 2>/dev/null\n' +
  '  echo "exit $status"\n' +
  "done\n";

/** The supervisor script `supervised` wraps a command in (so that both ways of starting agree). */
const SUPERVISOR = supervised("/bin/sh", []).args[1]!;

export class Launcher {
  private readonly child: ChildProcess;
  private readonly waiting: ((line: string) => void)[] = [];
  private failure: Error | null = null;

  constructor(unshare: string, setsid: string) {
    this.child = spawn(unshare, ["--net", "--map-current-user", "/bin/sh", "-c", LOOP, setsid, SUPERVISOR], {
      stdio: ["pipe", "pipe", "ignore", SUPERVISED_STDIN],
      // Its own process group: a first Ctrl-C, sent to bake's group, must not end it (or the
      // tasks it waits for would be reported lost while they run on).
      detached: true,
      // Nothing to inherit: each task's environment is what its script exports.
      env: {},
    });
    // Neither keeps the worker alive: when it ends, the launcher reads end-of-file and exits.
    this.child.unref();
    (this.child.stdin as unknown as { unref?: () => void }).unref?.();
    (this.child.stdout as unknown as { unref?: () => void }).unref?.();
    (this.child.stdio[3] as unknown as { unref?: () => void } | null)?.unref?.();
    const lines = createInterface({ input: this.child.stdout! });
    lines.on("line", (line) => this.waiting.shift()?.(line));
    const gone = (why: string) => {
      this.failure ??= new Error(`the task launcher ${why}`);
      for (const w of this.waiting.splice(0)) w("");
    };
    this.child.on("error", (e) => gone(`failed: ${e.message}`));
    this.child.on("exit", (code, signal) => gone(`exited (${signal ?? code})`));
  }

  get usable(): boolean {
    return this.failure === null;
  }

  private next(): Promise<string> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Start `runfile` with its output appended to `logfile`. One task at a time per launcher. */
  launch(runfile: string, logfile: string): LaunchedTask {
    if (this.failure) throw this.failure;
    const pidLine = this.next();
    const exitLine = this.next();
    this.child.stdin!.write(`${logfile}\n${runfile}\n`);
    const field = async (line: Promise<string>, key: string) => {
      const text = await line;
      const m = new RegExp(`^${key} (\\d+)$`).exec(text);
      if (!m) throw this.failure ?? new Error(`the task launcher said ${JSON.stringify(text)}`);
      return Number(m[1]);
    };
    const pid = field(pidLine, "pid");
    const status = field(exitLine, "exit");
    // A failed pid read is reported through status as well; this one must not go unhandled.
    pid.catch(() => {});
    return { pid, status };
  }
}

/** Paths the line protocol can carry. */
export function launchable(...paths: readonly string[]): boolean {
  return paths.every((p) => !p.includes("\n"));
}

let shared: { unshare: string; launcher: Launcher } | null = null;
let setsid: string | null | undefined;

/** This thread's launcher (started on first use, again if it died); null without `setsid`. */
export function threadLauncher(unshare: string): Launcher | null {
  setsid ??= ["/usr/bin/setsid", "/bin/setsid"].find((p) => existsSync(p)) ?? null;
  if (setsid === null) return null;
  if (shared === null || shared.unshare !== unshare || !shared.launcher.usable) shared = { unshare, launcher: new Launcher(unshare, setsid) };
  return shared.launcher;
}
