// A lock file that works across processes without fcntl: created with O_EXCL, holding the
// owner's pid, host and a random token. A lock whose owner is dead (same host, pid gone) is
// stale and gets broken. Breaking is serialised through a second O_EXCL file (`.break`) so two
// waiters can never both decide a lock is stale and one of them delete a fresh lock.
// Several threads of one process (bake's task workers) take these locks too: a lock naming our
// own pid is another thread's unless it names another process start (the pid was reused).

import { promises as fs, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { LockTimeout } from "./errors.js";

interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
  /** When the holding process started (clock ticks after boot), where the system says. */
  readonly start?: string;
}

export interface LockOptions {
  readonly timeoutMs?: number;
  /** Called once when the lock is busy, with a description of its holder. */
  readonly onWait?: (holder: string) => void;
  readonly signal?: AbortSignal;
}

/** Lock paths this thread holds (a fallback where the process start time is unknown). */
const heldHere = new Set<string>();

/**
 * Field 22 of /proc/self/stat: the same in every thread of the process (/proc/self is the
 * thread group), different for a later process that got the same pid. Null off Linux.
 */
function processStart(): string | null {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

const ourStart = processStart();

// A `.break` file lives for microseconds; one older than this belongs to a crashed breaker.
const BREAKER_STALE_MS = 10_000;
// A lock file with unreadable content is a crash between create and write, once it is this old.
const UNREADABLE_STALE_MS = 10_000;

export async function withLock<T>(path: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const token = await acquire(path, opts);
  try {
    return await fn();
  } finally {
    await release(path, token);
  }
}

async function acquire(path: string, opts: LockOptions): Promise<string> {
  const token = randomBytes(8).toString("hex");
  const content = JSON.stringify({ pid: process.pid, host: hostname(), token, ...(ourStart ? { start: ourStart } : {}) } satisfies Holder);
  const deadline = Date.now() + (opts.timeoutMs ?? 3_600_000);
  let delay = 20;
  let announced = false;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const handle = await fs.open(path, "wx");
      try {
        await handle.writeFile(content);
      } finally {
        await handle.close();
      }
      heldHere.add(path);
      return token;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const holder = await readHolder(path);
    if (holder !== "gone" && (await isStale(path, holder))) {
      await breakStale(path, holder);
      continue;
    }
    if (holder === "gone") continue;
    const who = holder === "unreadable" ? "an unknown process" : `pid ${holder.pid} on ${holder.host}`;
    if (!announced) {
      opts.onWait?.(who);
      announced = true;
    }
    if (Date.now() >= deadline) throw new LockTimeout(path, who);
    await sleep(delay);
    delay = Math.min(delay * 2, 500);
  }
}

async function readHolder(path: string): Promise<Holder | "unreadable" | "gone"> {
  let text: string;
  try {
    text = await fs.readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw e;
  }
  try {
    const h = JSON.parse(text) as Holder;
    if (typeof h.pid === "number" && typeof h.host === "string" && typeof h.token === "string") return h;
  } catch {
    // fall through
  }
  return "unreadable";
}

async function isStale(path: string, holder: Holder | "unreadable"): Promise<boolean> {
  if (holder === "unreadable") {
    const st = await fs.stat(path).catch(() => null);
    return st !== null && Date.now() - st.mtimeMs > UNREADABLE_STALE_MS;
  }
  // On another host we cannot see the process; only its own release frees the lock.
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) {
    if (ourStart !== null && holder.start !== undefined) return holder.start !== ourStart;
    return !heldHere.has(path);
  }
  return !pidAlive(holder.pid);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function breakStale(path: string, seen: Holder | "unreadable"): Promise<void> {
  const breaker = `${path}.break`;
  try {
    await (await fs.open(breaker, "wx")).close();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    const st = await fs.stat(breaker).catch(() => null);
    if (st && Date.now() - st.mtimeMs > BREAKER_STALE_MS) await fs.rm(breaker, { force: true });
    await sleep(10);
    return;
  }
  try {
    // Only the same stale content may be removed: a fresh lock has a new token.
    const now = await readHolder(path);
    const same =
      now === "unreadable" ? seen === "unreadable" : now !== "gone" && seen !== "unreadable" && now.token === seen.token;
    if (same) await fs.rm(path, { force: true });
  } finally {
    await fs.rm(breaker, { force: true });
  }
}

async function release(path: string, token: string): Promise<void> {
  heldHere.delete(path);
  const holder = await readHolder(path);
  if (holder !== "gone" && holder !== "unreadable" && holder.token === token) {
    await fs.rm(path, { force: true });
  }
}
