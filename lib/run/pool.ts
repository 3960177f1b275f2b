// The worker pool tasks run in (piscina threads, each keeping the configuration and a few recipes
// parsed). A task's shell runs in its own process group; the pool learns that group from what the
// worker posts, to kill it on a second interrupt and to record it in the build lock.
//
// What a worker says of a task (a shell started, fetch progress) comes on the worker's own
// parentPort, tagged with the task's number, and a kill goes to every worker on one broadcast
// channel: no message channel is made, sent and closed per task.
import { BroadcastChannel } from "node:worker_threads";
import { WorkerPool } from "../common/worker-pool.js";
import type { FetchEvent } from "../fetch/index.js";
import type { TaskOutcome } from "./events.js";
import type { RecipeRequest } from "../config/index.js";
import { KILLS_CHANNEL, type TaskMessage, type TaskRequest, type TaskResult } from "./task-protocol.js";

export type { TaskRequest } from "./task-protocol.js";

/** How long a task may ignore a kill request (a busy `js` task cannot hear it) before its thread goes. */
const ABORT_FALLBACK_MS = 5000;
/** How often a kill is said again until the task ends. */
const KILL_REPEAT_MS = 100;
/** Longest wait for a task's last messages after its result (normally none: they come first). */
const MESSAGES_DRAIN_MS = 1000;

export interface RunTaskOptions {
  readonly signal?: AbortSignal;
  readonly onSpawn?: (pgid: number, runfile: string) => void;
  /** Fetch progress, files fetched and fetch warnings of the task, as they happen. */
  readonly onFetch?: (event: FetchEvent) => void;
}

/** A running task, as its messages find it. */
interface Listening {
  readonly opts: RunTaskOptions;
  readonly groups: number[];
  heard: number;
  /** Called at each message once the result said how many to expect. */
  onHeard: (() => void) | null;
}

/**
 * What piscina is given to end a task's thread (the pool's last resort): the part of an
 * AbortSignal it uses, made per task and almost never aborted: an AbortController with its
 * signal (an EventTarget) and listener cost 6-8 µs each time, this next to nothing.
 */
class LastResort {
  aborted = false;
  readonly reason = undefined;
  private listener: (() => void) | null = null;

  addEventListener(_type: "abort", listener: () => void): void {
    this.listener = listener;
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    if (this.listener === listener) this.listener = null;
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listener = this.listener;
    this.listener = null;
    listener?.();
  }
}

// Task numbers are unique in the process (the kill channel is the process's, whatever the pool).
let nextId = 0;

export class TaskPool {
  private readonly pool: WorkerPool;
  private readonly running = new Map<number, Listening>();
  private kills: BroadcastChannel | null = null;

  constructor(threads: number) {
    this.pool = new WorkerPool(
      {
        filename: new URL("./worker.js", import.meta.url).href,
        minThreads: 1,
        maxThreads: Math.max(1, threads),
        idleTimeout: 60_000,
        // Workers await child processes: their event loops must keep turning between tasks too.
        atomics: "disabled",
      },
      (m) => this.heard(m as TaskMessage),
    );
  }

  private heard(m: TaskMessage): void {
    const task = this.running.get(m.id);
    if (task === undefined) return;
    task.heard++;
    switch (m.type) {
      case "spawned":
        task.groups.push(m.pgid);
        task.opts.onSpawn?.(m.pgid, m.runfile);
        break;
      case "fetch":
        task.opts.onFetch?.(m.event);
        break;
    }
    task.onHeard?.();
  }

  private kill(id: number): void {
    if (this.kills === null) {
      this.kills = new BroadcastChannel(KILLS_CHANNEL);
      this.kills.unref();
    }
    this.kills.postMessage(id);
  }

  async runTask(req: Omit<TaskRequest, "id" | "killed">, opts: RunTaskOptions = {}): Promise<TaskOutcome> {
    const id = nextId++;
    const task: Listening = { opts, groups: [], heard: 0, onHeard: null };
    this.running.set(id, task);
    // The result comes on piscina's own channel, which may overtake the task's messages: it
    // says how many there were, and they are waited for.
    const drained = (posted: number) =>
      new Promise<void>((resolve) => {
        if (task.heard >= posted) return resolve();
        const timer = setTimeout(resolve, MESSAGES_DRAIN_MS);
        task.onHeard = () => {
          if (task.heard < posted) return;
          clearTimeout(timer);
          resolve();
        };
      });
    const hard = new LastResort();
    let fallback: NodeJS.Timeout | undefined;
    let repeat: NodeJS.Timeout | undefined;
    const onAbort = () => {
      // Said again until the task ends: a worker still starting (the pool's first) has no
      // channel yet to hear it, and a broadcast is not queued for listeners to come.
      this.kill(id);
      repeat = setInterval(() => this.kill(id), KILL_REPEAT_MS);
      fallback = setTimeout(() => {
        for (const g of task.groups) {
          try {
            process.kill(-g, "SIGKILL");
          } catch {
            // Gone already.
          }
        }
        hard.abort();
      }, ABORT_FALLBACK_MS);
    };
    // A task killed before it is sent says so in its request and starts nothing: there is nothing
    // to kill, and no fallback to arm (a first worker starting under load may take longer than it).
    const killedBeforeSent = opts.signal?.aborted === true;
    if (!killedBeforeSent) opts.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const sent: TaskRequest = { ...req, id, ...(killedBeforeSent ? { killed: true } : {}) };
      const result = (await this.pool.run(sent, { signal: hard })) as TaskResult;
      await drained(result.posted);
      return result.outcome;
    } catch (err) {
      if (hard.aborted) return { ok: false, failure: { reason: "killed", signal: "SIGKILL", log: "", tail: [] } };
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, failure: { reason: "error", message: `the task's worker failed: ${message}`, log: null } };
    } finally {
      clearTimeout(fallback);
      clearInterval(repeat);
      opts.signal?.removeEventListener("abort", onAbort);
      this.running.delete(id);
    }
  }

  async stampBase(req: RecipeRequest): Promise<string | null> {
    return (await this.pool.run(req, { name: "stampBase" })) as string | null;
  }

  async close(): Promise<void> {
    this.kills?.close();
    this.kills = null;
    await this.pool.destroy();
  }
}
