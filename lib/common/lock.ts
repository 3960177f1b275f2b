// bake's one process lock: a lock file created with O_EXCL (no fcntl in node), naming its holder.
// It serves the build directory (`bake.lock`, one bake at a time), downloads in DL_DIR and a
// task's [lockfiles] (between bakes, and between the worker threads of one bake).
//
// The first line says who holds the lock: `<pid> <host> <token> <start>`, the pid first as in
// BitBake's bitbake.lock; `start` is when that process started (clock ticks after boot, field 22
// of /proc/<pid>/stat), so a pid reused by a later process is told apart. The holder may append
// lines of its own below (the build lock lists its tasks' process groups there).
//
// A lock is stale when its holder is gone: on this host, a dead pid or a pid that now belongs to
// a process started at another time; a holder on another host cannot be seen and holds until it
// lets go. A lock naming our own pid is another thread's, unless its start says otherwise.
// Breaking a stale lock is serialised through a second O_EXCL file (`.break`), and only the very
// content found stale is removed, so two waiters can never both break a lock and one of them
// delete a fresh one.
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { BakeError } from "./errors.js";

export interface LockHolder {
  readonly pid: number;
  /** Null in a lock written with the pid alone (taken to be this host's). */
  readonly host: string | null;
  readonly token: string | null;
  readonly start: string | null;
  /** The lines the holder appended. */
  readonly records: readonly string[];
}

declare module "./errors.js" {
  interface BakeErrorKinds {
    "lock-timeout": LockTimeout;
  }
}

export class LockTimeout extends BakeError {
  readonly kind = "lock-timeout" as const;
  override readonly name = "LockTimeout";
  constructor(
    readonly lockPath: string,
    readonly holder: string,
  ) {
    super(`Timed out waiting for lock ${lockPath} held by ${holder}`);
  }
}

export interface HeldLock {
  readonly path: string;
  /** Adds a line below the holder's (for whoever finds the lock stale after a crash). */
  append(line: string): void;
  /** Removes the lock if it is still ours; a second call does nothing. */
  release(): void;
}

export type LockAttempt =
  | { readonly ok: true; readonly lock: HeldLock; /** The stale lock broken to take this one. */ readonly broke: LockHolder | null }
  /** Held by a live holder; `unreadable`: a lock being written this instant (or a crash in between, until it is old). */
  | { readonly ok: false; readonly holder: LockHolder | "unreadable" };

/** Lock paths this thread holds (for a lock naming our pid where start times are unknown). */
const heldHere = new Set<string>();

/** Field 22 of /proc/<pid>/stat; the same in every thread of a process. Null off Linux. */
function processStart(pid: number | "self"): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

const ourStart = processStart("self");
const ourHost = hostname();

// A `.break` file lives for microseconds; one older than this belongs to a crashed breaker.
const BREAKER_STALE_MS = 10_000;
// A lock file with no holder line is a crash between create and write, once it is this old.
const UNREADABLE_STALE_MS = 10_000;

function parseHolder(text: string): LockHolder | "unreadable" {
  const [first = "", ...rest] = text.split("\n");
  const [pid, host, token, start] = first.trim().split(/\s+/);
  const n = Number(pid);
  if (!Number.isInteger(n) || n <= 0) return "unreadable";
  return { pid: n, host: host ?? null, token: token ?? null, start: start ?? null, records: rest.filter((l) => l !== "") };
}

function read(path: string): { text: string; holder: LockHolder | "unreadable" } | "gone" {
  try {
    const text = readFileSync(path, "utf8");
    return { text, holder: parseHolder(text) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw e;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isStale(path: string, holder: LockHolder | "unreadable"): boolean {
  if (holder === "unreadable") {
    try {
      return Date.now() - statSync(path).mtimeMs > UNREADABLE_STALE_MS;
    } catch {
      return false;
    }
  }
  if (holder.host !== null && holder.host !== ourHost) return false;
  if (holder.pid === process.pid) {
    if (ourStart !== null && holder.start !== null) return holder.start !== ourStart;
    return !heldHere.has(path);
  }
  if (!pidAlive(holder.pid)) return true;
  const start = holder.start === null ? null : processStart(holder.pid);
  return start !== null && start !== holder.start;
}

/** Removes the lock if it still reads `seen`; false when another breaker is at work. */
function breakStale(path: string, seen: string): boolean {
  const breaker = `${path}.break`;
  try {
    closeSync(openSync(breaker, "wx"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    try {
      if (Date.now() - statSync(breaker).mtimeMs > BREAKER_STALE_MS) rmSync(breaker, { force: true });
    } catch {
      // Gone meanwhile.
    }
    return false;
  }
  try {
    const now = read(path);
    if (now !== "gone" && now.text === seen) rmSync(path, { force: true });
  } finally {
    rmSync(breaker, { force: true });
  }
  return true;
}

function holding(path: string, token: string): HeldLock {
  let released = false;
  // Opened at the first append and kept: a build appends a line per task it starts, and opening
  // the lock again for each was a path lookup and an open and close per task.
  let appending: number | null = null;
  return {
    path,
    append(line) {
      if (released) return;
      appending ??= openSync(path, "a");
      writeSync(appending, `${line}\n`);
    },
    release() {
      if (released) return;
      released = true;
      if (appending !== null) closeSync(appending);
      appending = null;
      heldHere.delete(path);
      const now = read(path);
      if (now !== "gone" && now.holder !== "unreadable" && now.holder.token === token) rmSync(path, { force: true });
    },
  };
}

/** One try at the lock, without waiting for a live holder; a stale lock is broken and taken. */
export function tryLock(path: string): LockAttempt {
  const token = randomBytes(8).toString("hex");
  let broke: LockHolder | null = null;
  // Bounded: each round either takes the lock, meets a live holder, or sees the lock change.
  for (let round = 0; round < 100; round++) {
    let fd: number | null = null;
    try {
      fd = openSync(path, "wx", 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    if (fd !== null) {
      try {
        writeSync(fd, `${process.pid} ${ourHost} ${token}${ourStart === null ? "" : ` ${ourStart}`}\n`);
      } finally {
        closeSync(fd);
      }
      heldHere.add(path);
      return { ok: true, lock: holding(path, token), broke };
    }
    const found = read(path);
    if (found === "gone") continue;
    if (!isStale(path, found.holder)) return { ok: false, holder: found.holder };
    if (breakStale(path, found.text)) {
      if (found.holder !== "unreadable") broke = found.holder;
    } else {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
  throw new Error(`could not take the lock ${path}: it keeps changing`);
}

/** Who holds a lock, for messages. */
export function describeHolder(holder: LockHolder | "unreadable"): string {
  if (holder === "unreadable") return "a process just starting";
  return holder.host === null || holder.host === ourHost ? `pid ${holder.pid}` : `pid ${holder.pid} on ${holder.host}`;
}

export interface WaitOptions {
  /** Default one hour. */
  readonly timeoutMs?: number;
  /** Called once when the lock is busy, with a description of its holder. */
  readonly onWait?: (holder: string) => void;
  readonly signal?: AbortSignal;
}

/** Runs `fn` holding the lock at `path`, waiting for a live holder to let go. */
export async function withLock<T>(path: string, fn: () => Promise<T>, opts: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 3_600_000);
  let delay = 20;
  let announced = false;
  for (;;) {
    opts.signal?.throwIfAborted();
    const attempt = tryLock(path);
    if (attempt.ok) {
      try {
        return await fn();
      } finally {
        attempt.lock.release();
      }
    }
    const who = describeHolder(attempt.holder);
    if (!announced) {
      opts.onWait?.(who);
      announced = true;
    }
    if (Date.now() >= deadline) throw new LockTimeout(path, who);
    await sleep(delay);
    delay = Math.min(delay * 2, 500);
  }
}
