// One bake per build directory: `${TOPDIR}/bake.lock` (BitBake's bitbake.lock), bake's process
// lock (common/lock.ts). Below its holder line the lock lists the process group of each task bake
// starts: a task's group dies with bake (fetch/supervise.ts, run/launcher.ts), and should one survive all the same,
// the next bake, taking over the dead one's lock, kills it and waits for it to be gone before
// anything else runs.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BakeError } from "../common/errors.js";
import { describeHolder, tryLock, type LockHolder } from "../common/lock.js";

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    "build-lock-held": BuildLockHeld;
  }
}

export class BuildLockHeld extends BakeError {
  readonly kind = "build-lock-held" as const;
  /** null when the other bake is still writing its pid. */
  readonly pid: number | null;
  constructor(
    readonly lockFile: string,
    holder: LockHolder | "unreadable",
  ) {
    super(`another bake (${holder === "unreadable" ? "just starting" : describeHolder(holder)}) is running in this build directory (lock ${lockFile})`);
    this.name = "BuildLockHeld";
    this.pid = holder === "unreadable" ? null : holder.pid;
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

/** The live (not zombie) processes of each process group, from /proc. */
function groupMembers(): Map<number, number[]> {
  const out = new Map<number, number[]>();
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return out;
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z" || fields[0] === "X") continue;
    const pgrp = Number(fields[2]);
    const members = out.get(pgrp);
    if (members) members.push(Number(pid));
    else out.set(pgrp, [Number(pid)]);
  }
  return out;
}

/**
 * Whether a group a dead bake recorded is still that task's. While its leader lives, the leader
 * must still run the task's script (its pid may have been reused since). Once the leader is
 * gone, any process left in the group is the task's: Linux reuses no pid while a process group
 * still has that id.
 */
function isLeftover(pgid: number, runfile: string, members: readonly number[]): boolean {
  if (!members.includes(pgid)) return members.length > 0;
  try {
    return readFileSync(`/proc/${pgid}/cmdline`, "utf8").split("\0").includes(runfile);
  } catch {
    return members.length > 1;
  }
}

/** Longest wait for killed processes to be gone (one stuck in the kernel, on NFS say). */
const SWEEP_WAIT_MS = 10_000;

/**
 * Kill what is left of a dead bake's tasks (normally nothing: each task's group dies with bake,
 * see fetch/supervise.ts and run/launcher.ts; this catches a group whose watcher was killed too), and wait until
 * those processes are gone: a write still in flight must not land after the next build starts.
 */
function sweepLeftovers(groups: readonly { readonly pgid: number; readonly runfile: string }[]): number[] {
  const members = groupMembers();
  // A pid may have led two tasks' groups in turn: the last record is the one that can be alive.
  const latest = [...new Map(groups.map((g) => [g.pgid, g])).values()];
  const killed = latest.filter((g) => isLeftover(g.pgid, g.runfile, members.get(g.pgid) ?? []));
  for (const g of killed) {
    try {
      process.kill(-g.pgid, "SIGKILL");
    } catch {
      // Gone meanwhile.
    }
  }
  const deadline = Date.now() + SWEEP_WAIT_MS;
  while (killed.length > 0 && Date.now() < deadline) {
    const now = groupMembers();
    if (killed.every((g) => (now.get(g.pgid) ?? []).length === 0)) break;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
  return killed.map((g) => g.pgid);
}

/** A task's process group as the lock lists it: `task <pgid> <runfile>`. */
function taskGroups(records: readonly string[]): { pgid: number; runfile: string }[] {
  return records
    .map((l) => /^task (\d+) (.+)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pgid: Number(m[1]), runfile: m[2]! }));
}

export function acquireBuildLock(topdir: string): BuildLock {
  const path = join(topdir, "bake.lock");
  for (let attempt = 0; ; attempt++) {
    const got = tryLock(path);
    if (!got.ok) {
      // A lock being written by its creator right now reads empty: a live one, wait for it.
      if (got.holder === "unreadable" && attempt < 19) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        continue;
      }
      throw new BuildLockHeld(path, got.holder);
    }
    const lock = got.lock;
    const takenOver = got.broke === null ? null : { pid: got.broke.pid, killedGroups: sweepLeftovers(taskGroups(got.broke.records)) };
    return {
      path,
      takenOver,
      recordProcess: (pgid, runfile) => lock.append(`task ${pgid} ${runfile}`),
      release: () => lock.release(),
    };
  }
}
