// A parse worker started before it has work: a thread's start (Node's own bootstrap and loading
// bake's parsing modules, about 130 ms of processor time here, 250-280 ms of wall time under load)
// then runs on the other core while this thread evaluates the configuration and collects the
// recipes, instead of after it, when this thread is parsing alone.
//
// Started only when the configuration is evaluated (not kept): then the parse cache's entries, made
// under the configuration kept before, cannot hold and every recipe is parsed again. A worker not
// asked for (a parse too small for workers, BB_NUMBER_PARSE_THREADS = "1", a parse cache that still
// held) is ended when the parse is over; it never keeps the process alive.
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";

// Loaded only when a worker is started: node:worker_threads brings seven of Node's own modules that
// a warm run (which imports this module with the parse) has no use for.
const require = createRequire(import.meta.url);

/** What a started worker is given until its work comes (see parse-worker.ts). */
export interface WaitingWorkerData {
  readonly parseWorkerWaiting: true;
}

interface Waiting {
  readonly worker: Worker;
  exited: boolean;
}

const waiting: Waiting[] = [];

/** Starts one parse worker to wait for its work, on a machine with a core to spare for it. */
export function prestartParseWorker(): void {
  if (waiting.length > 0 || availableParallelism() < 2) return;
  let worker: Worker;
  try {
    const data: WaitingWorkerData = { parseWorkerWaiting: true };
    const { Worker } = require("node:worker_threads") as typeof import("node:worker_threads");
    worker = new Worker(new URL("./parse-worker.js", import.meta.url), { workerData: data });
  } catch {
    return; // Started the usual way when needed.
  }
  const entry: Waiting = { worker, exited: false };
  // Until taken, nothing is waited for: a failure only means the parse starts a worker itself.
  const onError = () => undefined;
  worker.on("error", onError);
  worker.once("exit", () => {
    entry.exited = true;
    const at = waiting.indexOf(entry);
    if (at >= 0) waiting.splice(at, 1);
  });
  worker.unref();
  waiting.push(entry);
}

/** A started worker, now the caller's (sent its ParseWorkerData as its first message), or null. */
export function takePrestartedWorker(): Worker | null {
  for (let entry = waiting.shift(); entry !== undefined; entry = waiting.shift()) {
    if (entry.exited) continue;
    entry.worker.removeAllListeners("error");
    entry.worker.ref();
    return entry.worker;
  }
  return null;
}

/** Ends the started workers nobody took (not waited for: nothing of theirs is needed, and they keep no process alive). */
export function endPrestartedWorkers(): void {
  for (const entry of waiting.splice(0)) if (!entry.exited) void entry.worker.terminate();
}
