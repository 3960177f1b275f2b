// The piscina worker: loads the build configuration once per (topdir, environment variables), parses the recipe
// variant a task belongs to (keeping the recently used ones), and runs the task on a copy of its datastore, so that what a `js` task sets does
// not leak into the next task (BitBake forks a process per task for the same reason).
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { BroadcastChannel, parentPort } from "node:worker_threads";
import { withLock } from "../common/lock.js";
import { WorkerCache, type RecipeRequest } from "../config/index.js";
import { withPython } from "../python/index.js";
import type { TaskOutcome } from "./events.js";
import { executeTask } from "./execute.js";
import { knownIsolationCommand } from "./network.js";
import { KILLS_CHANNEL, type TaskMessage, type TaskRequest, type TaskResult } from "./task-protocol.js";

export type { TaskRequest } from "./task-protocol.js";

const aborts = new Map<number, AbortController>();
/** Kills heard before their task started here (or for another worker's tasks: never started here). */
const killedEarly = new Set<number>();
// Made as the module loads, before piscina says this worker is ready (a kill broadcast before
// then is not heard: the pool says it again until the task ends).
const kills = new BroadcastChannel(KILLS_CHANNEL);
kills.unref();
kills.onmessage = (e) => {
  const id = (e as { data: number }).data;
  const abort = aborts.get(id);
  if (abort) abort.abort();
  else killedEarly.add(id);
};

/** A task waits this long for its [lockfiles] before failing. */
const LOCKFILE_TIMEOUT_MS = 6 * 3600 * 1000;

// The run queue starts the longest chains first, which interleaves recipes: a recipe's next task
// seldom follows its last one, so keep the recipes of a build's front, not just the last few.
const cache = new WorkerCache(64);

/** Run one task (piscina's default entry). */
export default async function runTask(req: TaskRequest): Promise<TaskResult> {
  const abort = new AbortController();
  aborts.set(req.id, abort);
  if (killedEarly.delete(req.id) || req.killed) abort.abort();
  if (req.unshare !== undefined) knownIsolationCommand(req.unshare);
  let posted = 0;
  const post = (m: TaskMessage) => {
    posted++;
    parentPort?.postMessage(m);
  };
  try {
    let d;
    try {
      d = (await withPython(() => cache.recipe(req))).metadata.d.createCopy();
      if (req.taskdepdata !== undefined) d.setVar("BB_TASKDEPDATA", req.taskdepdata);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { outcome: { ok: false, failure: { reason: "error", message: `cannot parse ${req.recipeFile}: ${message}`, log: null } }, posted };
    }
    const run = () =>
      executeTask(d, {
        task: req.task,
        taskhash: req.taskhash,
        signal: abort.signal,
        onSpawn: (pgid, runfile) => post({ id: req.id, type: "spawned", pgid, runfile }),
        onFetch: (event) => post({ id: req.id, type: "fetch", event }),
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
    return { outcome: await locked(), posted };
  } finally {
    aborts.delete(req.id);
  }
}

/** `${STAMP}` of a recipe variant: where its stamps go (called by name through piscina). */
export async function stampBase(req: RecipeRequest): Promise<string | null> {
  return (await withPython(() => cache.recipe(req))).metadata.d.getVar("STAMP");
}
