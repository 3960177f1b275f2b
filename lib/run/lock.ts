// One bake per build directory: `${TOPDIR}/bake.lock`, created exclusively, holding the owner's
// pid (BitBake's bitbake.lock). The file also lists the process group of each task bake starts,
// so that after a `kill -9` of bake the next bake can stop the task shells the dead one left
// running (they are in their own process groups, so they outlive it) before redoing their work.
import { appendFileSync, closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

export class BuildLockHeld extends Error {
  constructor(
    readonly lockFile: string,
    /** null when the other bake is still writing its pid. */
    readonly pid: number | null,
  ) {
    super(`another bake (${pid === null ? "just starting" : `pid ${pid}`}) is running in this build directory (lock ${lockFile})`);
    this.name = "BuildLockHeld";
  }
}

export interface BuildLock {
  readonly path: string;
  /** What the lock took over from a dead bake (for a note to the user), or null. */
  readonly takenOver: { readonly pid: number; readonly killedGroups: readonly number[] } | null;
  /** Remember a task's process group, to be killed by the next bake if this one dies. */
  recordProcess(pgid: number, runfile: string): void;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

interface LockContent {
  readonly pid: number;
  readonly groups: readonly { readonly pgid: number; readonly runfile: string }[];
}

function parse(text: string): LockContent | null {
  const [first, ...rest] = text.split("\n");
  const pid = Number(first);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const groups = rest
    .map((l) => /^task (\d+) (.+)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pgid: Number(m[1]), runfile: m[2]! }));
  return { pid, groups };
}

function readLock(path: string): LockContent | null | "missing" {
  try {
    return parse(readFileSync(path, "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw err;
  }
}

/**
 * Kill what is left of a dead bake's task: its process group, but only when the group leader
 * still runs that task's script (a pid may have been reused by something else since).
 */
function killLeftover(pgid: number, runfile: string): boolean {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pgid}/cmdline`, "utf8");
  } catch {
    return false;
  }
  if (!cmdline.split("\0").includes(runfile)) return false;
  try {
    process.kill(-pgid, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}

export function acquireBuildLock(topdir: string): BuildLock {
  const path = join(topdir, "bake.lock");
  let takenOver: BuildLock["takenOver"] = null;
  for (let attempt = 0; attempt < 20; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, "wx");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const content = readLock(path);
      if (content === "missing") continue;
      // A lock being written by its creator right now reads empty: a live one, wait for it.
      if (content === null) {
        if (attempt < 19) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
          continue;
        }
        throw new BuildLockHeld(path, null);
      }
      if (alive(content.pid)) throw new BuildLockHeld(path, content.pid);
      // Stale. Move it aside under a name of our own (atomic), then check we moved the stale one
      // and not a fresh lock another bake created meanwhile; if not, put that one back.
      const aside = `${path}.stale.${process.pid}`;
      try {
        renameSync(path, aside);
      } catch {
        continue;
      }
      const moved = readLock(aside);
      if (moved === "missing" || moved === null || moved.pid !== content.pid) {
        try {
          linkSync(aside, path);
        } catch {
          // Someone else holds a newer lock already; theirs stands.
        }
        rmSync(aside, { force: true });
        continue;
      }
      rmSync(aside, { force: true });
      const killedGroups = content.groups.filter((g) => killLeftover(g.pgid, g.runfile)).map((g) => g.pgid);
      takenOver = { pid: content.pid, killedGroups };
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    let released = false;
    return {
      path,
      takenOver,
      recordProcess(pgid, runfile) {
        if (!released) appendFileSync(path, `task ${pgid} ${runfile}\n`);
      },
      release() {
        if (released) return;
        released = true;
        const now = readLock(path);
        if (now !== "missing" && now !== null && now.pid === process.pid) rmSync(path, { force: true });
      },
    };
  }
  throw new Error(`could not take the build lock ${path}: it keeps changing`);
}
