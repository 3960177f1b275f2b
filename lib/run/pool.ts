// The worker pool tasks run in (piscina threads, each keeping the configuration and a few recipes
// parsed). A task's shell runs in its own process group; the pool learns that group through a
// message port, to kill it on a second interrupt and to record it in the build lock.
import { MessageChannel } from "node:worker_threads";
import { WorkerPool } from "../common/worker-pool.js";
import type { FetchEvent } from "../fetch/index.js";
import type { TaskOutcome } from "./events.js";
import type { RecipeRequest } from "../config/index.js";
import type { PortMessage, TaskRequest } from "./worker.js";

export type { TaskRequest } from "./worker.js";

/** How long a task may ignore a kill request (a busy `js` task cannot hear it) before its thread goes. */
const ABORT_FALLBACK_MS = 5000;
/** Longest wait for a task's last port messages after its result (normally none: they come first). */
const PORT_DRAIN_MS = 1000;

export interface RunTaskOptions {
  readonly signal?: AbortSignal;
  readonly onSpawn?: (pgid: number, runfile: string) => void;
  /** Fetch progress, files fetched and fetch warnings of the task, as they happen. */
  readonly onFetch?: (event: FetchEvent) => void;
}

export class TaskPool {
  private readonly pool: WorkerPool;

  constructor(threads: number) {
    this.pool = new WorkerPool({
      filename: new URL("./worker.js", import.meta.url).href,
      minThreads: 1,
      maxThreads: Math.max(1, threads),
      idleTimeout: 60_000,
      // Workers await child processes: their event loops must keep turning between tasks too.
      atomics: "disabled",
    });
  }

  async runTask(req: Omit<TaskRequest, "port">, opts: RunTaskOptions = {}): Promise<TaskOutcome> {
    const { port1, port2 } = new MessageChannel();
    const groups: number[] = [];
    port1.on("message", (m: PortMessage) => {
      switch (m.type) {
        case "spawned":
          groups.push(m.pgid);
          opts.onSpawn?.(m.pgid, m.runfile);
          return;
        case "fetch":
          opts.onFetch?.(m.event);
          return;
      }
    });
    // The worker closes its end after its last message; the result comes on piscina's own
    // channel, which may overtake them, so the port is drained before it is closed.
    let closed = false;
    port1.once("close", () => (closed = true));
    const drained = () =>
      new Promise<void>((resolve) => {
        if (closed) return resolve();
        const timer = setTimeout(resolve, PORT_DRAIN_MS);
        port1.once("close", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    const hard = new AbortController();
    let fallback: NodeJS.Timeout | undefined;
    const onAbort = () => {
      port1.postMessage("kill");
      fallback = setTimeout(() => {
        for (const g of groups) {
          try {
            process.kill(-g, "SIGKILL");
          } catch {
            // Gone already.
          }
        }
        hard.abort();
      }, ABORT_FALLBACK_MS);
    };
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const outcome = (await this.pool.run({ ...req, port: port2 }, { transferList: [port2], signal: hard.signal })) as TaskOutcome;
      await drained();
      return outcome;
    } catch (err) {
      if (hard.signal.aborted) return { ok: false, failure: { reason: "killed", signal: "SIGKILL", log: "", tail: [] } };
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, failure: { reason: "error", message: `the task's worker failed: ${message}`, log: null } };
    } finally {
      clearTimeout(fallback);
      opts.signal?.removeEventListener("abort", onAbort);
      port1.close();
    }
  }

  async stampBase(req: RecipeRequest): Promise<string | null> {
    return (await this.pool.run(req, { name: "stampBase" })) as string | null;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
