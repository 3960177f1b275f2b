// The piscina worker: loads the build configuration once per (topdir, environment variables), parses the recipe
// variant a task belongs to (keeping the recently used ones), and runs the task on a copy of its datastore, so that what a `js` task sets does
// not leak into the next task (BitBake forks a process per task for the same reason).
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { MessagePort } from "node:worker_threads";
import { withLock } from "../common/lock.js";
import { WorkerCache, type RecipeRequest } from "../config/index.js";
import { withPython } from "../python/index.js";
import type { FetchEvent } from "../fetch/index.js";
import type { TaskOutcome } from "./events.js";
import { executeTask } from "./execute.js";

export interface TaskRequest extends RecipeRequest {
  readonly task: string;
  readonly taskhash: string;
  /** BB_TASKDEPDATA: JSON of the tasks this one depends on, transitively (what staging reads). */
  readonly taskdepdata?: string;
  /** Messages to the main thread (PortMessage); from it: `"kill"`. */
  readonly port?: MessagePort;
}

export type PortMessage =
  | { readonly type: "spawned"; readonly pgid: number; readonly runfile: string }
  /** The fetcher of a `js` function reported something (progress is sent at most every 200 ms per file). */
  | { readonly type: "fetch"; readonly event: FetchEvent };

/** A task waits this long for its [lockfiles] before failing. */
const LOCKFILE_TIMEOUT_MS = 6 * 3600 * 1000;

// The run queue starts the longest chains first, which interleaves recipes: a recipe's next task
// seldom follows its last one, so keep the recipes of a build's front, not just the last few.
const cache = new WorkerCache(64);

/** Run one task (piscina's default entry). */
export default async function runTask(req: TaskRequest): Promise<TaskOutcome> {
  const abort = new AbortController();
  req.port?.on("message", (m) => {
    if (m === "kill") abort.abort();
  });
  try {
    let d;
    try {
      d = (await withPython(() => cache.recipe(req))).metadata.d.createCopy();
      if (req.taskdepdata !== undefined) d.setVar("BB_TASKDEPDATA", req.taskdepdata);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, failure: { reason: "error", message: `cannot parse ${req.recipeFile}: ${message}`, log: null } };
    }
    const run = () =>
      executeTask(d, {
        task: req.task,
        taskhash: req.taskhash,
        signal: abort.signal,
        onSpawn: (pgid, runfile) => req.port?.postMessage({ type: "spawned", pgid, runfile } satisfies PortMessage),
        onFetch: (event) => req.port?.postMessage({ type: "fetch", event } satisfies PortMessage),
      });
    // [lockfiles]: held for the whole task, across processes (two builds sharing a directory);
    // taken in sorted order so that two tasks never wait for each other.
    const lockfiles = [...new Set((d.getVarFlag(req.task, "lockfiles") ?? "").split(/\s+/).filter(Boolean))].sort();
    const locked = lockfiles.reduceRight<() => Promise<TaskOutcome>>(
      (inner, path) => () => {
        mkdirSync(dirname(path), { recursive: true });
        return withLock(path, inner, { timeoutMs: LOCKFILE_TIMEOUT_MS, signal: abort.signal });
      },
      run,
    );
    return await locked();
  } finally {
    req.port?.close();
  }
}

/** `${STAMP}` of a recipe variant: where its stamps go (called by name through piscina). */
export async function stampBase(req: RecipeRequest): Promise<string | null> {
  return (await withPython(() => cache.recipe(req))).metadata.d.getVar("STAMP");
}
