// What the main thread and a task worker say to each other about a task, besides piscina's request
// and result: its own module, so that the main thread loads none of the worker's.
import type { RecipeRequest } from "../config/index.js";
import type { FetchEvent } from "../fetch/index.js";
import type { TaskOutcome } from "./events.js";

export interface TaskRequest extends RecipeRequest {
  readonly task: string;
  readonly taskhash: string;
  /** BB_TASKDEPDATA: JSON of the tasks this one depends on, transitively (what staging reads). */
  readonly taskdepdata?: string;
  /** The task's number in this process: its messages carry it, a kill names it. */
  readonly id: number;
  /** Killed before it was sent: nothing of it is to run. */
  readonly killed?: boolean;
  /** The main thread's isolationCommand() (network.ts), when it asked: the worker need not ask again. */
  readonly unshare?: string | null;
}

/** What a worker posts on its parentPort while a task runs. */
export type TaskMessage =
  | { readonly id: number; readonly type: "spawned"; readonly pgid: number; readonly runfile: string }
  /** The fetcher of a `js` function reported something (progress is sent at most every 200 ms per file). */
  | { readonly id: number; readonly type: "fetch"; readonly event: FetchEvent };

/** A task's outcome, and how many messages it posted (the pool waits for them all). */
export interface TaskResult {
  readonly outcome: TaskOutcome;
  readonly posted: number;
}

/** Where the main thread posts the number of a task to kill (every worker hears it). */
export const KILLS_CHANNEL = "bake-task-kills";
