// The launcher of isolated shell tasks: one small Python process per worker thread, started once
// inside `unshare --net --map-current-user` (loopback up), that starts each task script it is sent.
//
// Why: spawning from bake forks the whole Node process (hundreds of MiB of page tables), and a
// network namespace per task costs an unshare and an `ip` more; for short tasks that was most of
// the time a task took. The launcher starts a task with posix_spawn instead (a vfork: no page
// table is copied, nothing but `/bin/sh RUNFILE` is exec'd), and its tasks share its namespace
// (loopback only, like each task's own before). Each task is its own session and process group,
// with exactly the environment its script exports (the launcher passes none), every signal at its
// default and none blocked (as libuv leaves a process bake spawns itself: Python ignores SIGPIPE
// and SIGXFSZ, and an ignored signal would stay ignored through exec), and is `/bin/sh RUNFILE`
// from its first instruction, as the build lock expects.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { SUPERVISED_STDIN } from "../fetch/supervise.js";

/** A task the launcher started: its pid (= process group), and its exit status when it ends. */
export interface LaunchedTask {
  readonly pid: Promise<number>;
  /** The shell's exit status (128 + N when killed by signal N, as a shell's `wait` reports it). */
  readonly status: Promise<number>;
  /**
   * Seconds of processor time (user + system) of the shell and of every process it waited for,
   * from the kernel's account of the reaped shell (wait4): what its `times` would print at exit.
   */
  readonly cpu: Promise<number>;
}

// Reads two lines per task (log file, run file), answers `pid N` then `exit S CPU` (CPU: seconds
// of processor time of the shell and all it waited for), or `error WHY` alone when the task could
// not be started (its log could not be opened, say). A path with a
// newline cannot be sent: such tasks are spawned directly (see launchable).
//
// When the task ends, its group goes (anything it left behind), as when bake spawns a task itself.
//
// It dies with bake by the same means as a supervised command (lib/fetch/supervise.ts: a pipe
// whose only writer is bake, fd 3, ends when bake does, however it ends), watched in the same
// select() that waits for the next task or for the running one to end (SIGCHLD wakes it through
// the signal wake-up pipe, so no exit goes unseen between the check and the wait): no watcher
// process. At the pipe's end, or on SIGTERM, the launcher gives the running task's group SIGTERM
// and its shell two seconds to end (make deletes the target it was writing) before SIGKILL, and
// exits, starting nothing more. A write to bake's end of stdout after bake died (EPIPE) does the
// same. SIGTERM is blocked from before the spawn until the task's pid is recorded, so it cannot
// come between the two and leave the task running. Should the launcher itself die while bake
// lives, bake ends the group of the task it was running (execute.ts).
//
// Needs Python 3.8 (posix_spawn's setsid, setsigdef); an older one exits 3 at once.
const LOOP = String.raw`import os, select, signal, sys, time
if sys.version_info < (3, 8):
    os._exit(3)
for ip in ("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"):
    if os.access(ip, os.X_OK):
        os.waitpid(os.posix_spawn(ip, [ip, "link", "set", "lo", "up"], {}, file_actions=[(os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0)]), 0)
        break
BAKE = 3
os.set_inheritable(BAKE, False)
running = None
def gone(*_):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if running is not None:
        try:
            os.killpg(running, signal.SIGTERM)
            for _ in range(20):
                if os.waitpid(running, os.WNOHANG)[0] != 0:
                    break
                time.sleep(0.1)
            os.killpg(running, signal.SIGKILL)
        except OSError:
            pass
    os._exit(0)
signal.signal(signal.SIGTERM, gone)
ended, ends = os.pipe()
os.set_blocking(ends, False)
signal.set_wakeup_fd(ends)
signal.signal(signal.SIGCHLD, lambda *_: None)
DEFAULTS = signal.valid_signals() - {signal.SIGKILL, signal.SIGSTOP}
GUARDED = {signal.SIGTERM}
def wait(fd):
    while True:
        ready = select.select([BAKE, fd], [], [])[0]
        if BAKE in ready and os.read(BAKE, 512) == b"":
            gone()
        if fd in ready:
            return
pending = b""
def line():
    global pending
    while b"\n" not in pending:
        wait(0)
        data = os.read(0, 65536)
        if not data:
            os._exit(0)
        pending += data
    text, _, pending = pending.partition(b"\n")
    return text
def say(text):
    try:
        os.write(1, text.encode())
    except BrokenPipeError:
        gone()
while True:
    log = line()
    run = line()
    signal.pthread_sigmask(signal.SIG_BLOCK, GUARDED)
    try:
        pid = os.posix_spawn(b"/bin/sh", [b"/bin/sh", run], {},
            file_actions=[(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                          (os.POSIX_SPAWN_OPEN, 1, log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666),
                          (os.POSIX_SPAWN_DUP2, 1, 2)],
            setsid=True, setsigmask=(), setsigdef=DEFAULTS)
    except OSError as e:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, GUARDED)
        say("error %s\n" % e.strerror)
        continue
    running = pid
    signal.pthread_sigmask(signal.SIG_UNBLOCK, GUARDED)
    say("pid %d\n" % pid)
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done == pid:
            break
        wait(ended)
        os.read(ended, 512)
    running = None
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    say("exit %d %.6f\n" % (128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status), usage.ru_utime + usage.ru_stime))
`;

export class Launcher {
  private readonly child: ChildProcess;
  private readonly waiting: ((line: string) => void)[] = [];
  private failure: Error | null = null;

  constructor(unshare: string, python: string) {
    // -I -S: no PYTHON* variables, user or site packages (nothing of the host's Python set-up).
    this.child = spawn(unshare, ["--net", "--map-current-user", python, "-I", "-S", "-c", LOOP], {
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
    // Its lines, split here rather than by readline's interface (a few microseconds a task less).
    this.child.stdout!.setEncoding("utf8");
    this.child.stdout!.on("data", lineSplitter((line) => this.waiting.shift()?.(line)));
    const gone = (why: string) => {
      this.failure ??= new Error(`the task launcher ${why}`);
      for (const w of this.waiting.splice(0)) w("");
    };
    this.child.on("error", (e) => gone(`failed: ${e.message}`));
    this.child.on("exit", (code, signal) => gone(code === 3 ? `needs Python 3.8 or newer (${python} is older)` : `exited (${signal ?? code})`));
  }

  get usable(): boolean {
    return this.failure === null;
  }

  /** Start `runfile` with its output appended to `logfile`. One task at a time per launcher. */
  launch(runfile: string, logfile: string): LaunchedTask {
    if (this.failure) throw this.failure;
    const said = (text: string) => this.failure ?? new Error(`the task launcher said ${JSON.stringify(text)}`);
    let pidSettled!: { resolve: (pid: number) => void; reject: (err: Error) => void };
    let statusSettled!: { resolve: (status: number) => void; reject: (err: Error) => void };
    let cpuSettled!: { resolve: (seconds: number) => void; reject: (err: Error) => void };
    const pid = new Promise<number>((resolve, reject) => (pidSettled = { resolve, reject }));
    const status = new Promise<number>((resolve, reject) => (statusSettled = { resolve, reject }));
    const cpu = new Promise<number>((resolve, reject) => (cpuSettled = { resolve, reject }));
    const onExit = (line: string) => {
      const m = /^exit (\d+) (\d+\.\d+)$/.exec(line);
      if (m) {
        statusSettled.resolve(Number(m[1]));
        cpuSettled.resolve(Number(m[2]));
        return;
      }
      const err = said(line);
      statusSettled.reject(err);
      cpuSettled.reject(err);
    };
    // The exit line is awaited only once the pid line said the task started (synchronously: the
    // next line may come in the same chunk); a task that could not start gets no exit line.
    this.waiting.push((line) => {
      const started = /^pid (\d+)$/.exec(line);
      if (started) {
        this.waiting.unshift(onExit);
        pidSettled.resolve(Number(started[1]));
        return;
      }
      const refused = /^error (.*)$/.exec(line);
      const err = refused ? new Error(`cannot start ${runfile} with its output to ${logfile}: ${refused[1]}`) : said(line);
      pidSettled.reject(err);
      statusSettled.reject(err);
      cpuSettled.reject(err);
    });
    this.child.stdin!.write(`${logfile}\n${runfile}\n`);
    // A failed start is reported through both; neither may go unhandled when only one is awaited.
    pid.catch(() => {});
    status.catch(() => {});
    cpu.catch(() => {});
    return { pid, status, cpu };
  }
}

/**
 * Calls `onLine` with each whole line of a stream given in chunks (without its newline), in
 * order, as soon as the chunk that ends it comes: a chunk may hold part of a line, or several.
 */
export function lineSplitter(onLine: (line: string) => void): (chunk: string) => void {
  let partial = "";
  return (chunk) => {
    let start = 0;
    for (let nl = chunk.indexOf("\n"); nl >= 0; nl = chunk.indexOf("\n", start)) {
      const line = chunk.slice(start, nl);
      start = nl + 1;
      if (partial !== "") {
        const whole = partial + line;
        partial = "";
        onLine(whole);
      } else onLine(line);
    }
    if (start < chunk.length) partial += chunk.slice(start);
  };
}

/** Paths the line protocol can carry. */
export function launchable(...paths: readonly string[]): boolean {
  return paths.every((p) => !p.includes("\n"));
}

let shared: { unshare: string; launcher: Launcher } | null = null;
let python: string | null | undefined;

/** This thread's launcher (started on first use, again if it died); null without `python3`. */
export function threadLauncher(unshare: string): Launcher | null {
  // An absolute path, as for unshare: not whatever a PATH (or a version manager's shim) offers.
  python ??= ["/usr/bin/python3", "/bin/python3"].find((p) => existsSync(p)) ?? null;
  if (python === null) return null;
  if (shared === null || shared.unshare !== unshare || !shared.launcher.usable) shared = { unshare, launcher: new Launcher(unshare, python) };
  return shared.launcher;
}
