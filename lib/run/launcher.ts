// The launcher of isolated shell tasks: one small `/bin/sh` per worker thread, started once inside
// `unshare --net --map-current-user` (loopback up), that starts each task script it is sent.
//
// Why: spawning from bake forks the whole Node process (hundreds of MiB of page tables), and a
// network namespace per task costs an unshare and an `ip` more; for short tasks that was most of
// the time a task took. The launcher forks a tiny process instead, and its tasks share its
// namespace (loopback only, like each task's own before). Each task is still its own session and
// process group (`setsid`), with exactly the environment its script exports (the launcher has none),
// and is `/bin/sh RUNFILE` once started, as the build lock expects.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { SUPERVISED_STDIN } from "../fetch/index.js";

/** A task the launcher started: its pid (= process group), and its exit status when it ends. */
export interface LaunchedTask {
  readonly pid: Promise<number>;
  /** The shell's exit status (128 + N when killed by signal N, as `wait` reports it). */
  readonly status: Promise<number>;
}

// Reads two lines per task (log file, run file), answers `pid N` then `exit S`. A path with a
// newline cannot be sent: such tasks are spawned directly (see launchable). $0 is setsid, $1 env.
//
// A task costs one fork and two execs: the background child execs setsid, which (the child leads
// no group, so setsid does not fork) makes it a session and process group of its own and execs
// `/bin/sh RUNFILE` in the same process, whose pid the launcher reports. When the task ends, its
// group goes (anything it left behind), as when bake spawns a task itself.
//
// It dies with bake by the same means as a supervised command (lib/fetch/supervise.ts: a pipe
// whose only writer is bake, fd 3, ends when bake does, however it ends), but with one watcher for
// all of the launcher's tasks instead of one per task, which had cost each task another fork and
// exec. The watcher (a subshell that ignores TERM, INT and HUP) blocks reading fd 3 and, at its
// end, sends the launcher SIGTERM; the launcher, waiting for its task (a trapped signal ends
// `wait`) or reading the next one, gives the running task's group SIGTERM and its shell two
// seconds to end (make deletes the target it was writing) before SIGKILL, and exits, starting
// nothing more. A write to bake's end of stdout after bake died raises SIGPIPE, trapped the same
// way: were it left at its default it would kill the launcher with the task still running, and
// ignored it would be ignored in every task too (a caught signal is reset by exec, an ignored one
// is not). `$!` is the running task while `running` is set (a signal can come between the fork
// and the next command), unless the signal came before the first fork. Should the launcher itself
// die while bake lives, bake ends the group of the task it was running (execute.ts).
//
// A shell without job control starts a background command with SIGINT and SIGQUIT ignored, and an
// ignored signal stays ignored through exec: every task (make, a test suite, a program that sets a
// handler only when SIGINT is not ignored, as Python's KeyboardInterrupt does) would start with
// other signal dispositions than one bake spawns itself. So the task is exec'd through
// `env --default-signal=INT,QUIT` ($1, when this env knows the option: coreutils 8.31 and later),
// one exec more in the same process.
const LOOP =
  'for ip in /usr/sbin/ip /sbin/ip /usr/bin/ip /bin/ip; do [ -x "$ip" ] && { "$ip" link set lo up; break; }; done 2>/dev/null\n' +
  "reset=\n" +
  '[ -n "$1" ] && "$1" --default-signal=INT,QUIT true 2>/dev/null && reset="$1 --default-signal=INT,QUIT"\n' +
  "gone() {\n" +
  '  trap "" TERM PIPE\n' +
  '  if [ -n "$running" ] && [ $! != $watcher ]; then\n' +
  "    kill -s TERM -- -$!\n" +
  "    i=0; while kill -0 $! && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done\n" +
  "    kill -s KILL -- -$!\n" +
  "  fi 2>/dev/null\n" +
  "  exit 0\n" +
  "}\n" +
  "trap gone TERM PIPE\n" +
  '( trap "" TERM INT HUP; while read -r _ <&3; do :; done; kill -s TERM $$ ) </dev/null >/dev/null 2>&1 &\n' +
  "watcher=$!\n" +
  "exec 3<&-\n" +
  "running=\n" +
  "while IFS= read -r log && IFS= read -r run; do\n" +
  "  running=1\n" +
  '  "$0" $reset /bin/sh "$run" </dev/null >>"$log" 2>&1 &\n' +
  '  echo "pid $!"\n' +
  "  wait $!\n" +
  "  status=$?\n" +
  "  running=\n" +
  "  kill -s KILL -- -$! 2>/dev/null\n" +
  '  echo "exit $status"\n' +
  "done\n";

export class Launcher {
  private readonly child: ChildProcess;
  private readonly waiting: ((line: string) => void)[] = [];
  private failure: Error | null = null;

  constructor(unshare: string, setsid: string, env: string) {
    this.child = spawn(unshare, ["--net", "--map-current-user", "/bin/sh", "-c", LOOP, setsid, env], {
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
let env: string | undefined;

/** This thread's launcher (started on first use, again if it died); null without `setsid`. */
export function threadLauncher(unshare: string): Launcher | null {
  setsid ??= ["/usr/bin/setsid", "/bin/setsid"].find((p) => existsSync(p)) ?? null;
  if (setsid === null) return null;
  env ??= ["/usr/bin/env", "/bin/env"].find((p) => existsSync(p)) ?? "";
  if (shared === null || shared.unshare !== unshare || !shared.launcher.usable) shared = { unshare, launcher: new Launcher(unshare, setsid, env) };
  return shared.launcher;
}
