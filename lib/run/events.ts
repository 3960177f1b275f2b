// What a build reports while it runs: the scheduler's events (BitBake's runQueueTaskStarted,
// runQueueTaskFailed, … fired to the UI), the ways a task can fail, and the closing summary.
import type { FetchEvent } from "../fetch/index.js";
import type { TaskId, TaskNode } from "../graph/types.js";
import type { SetsceneResult } from "../setscene/index.js";

/** Why a task failed. Every case is a value the UI can print; none is an exception. */
export type TaskFailure =
  | { readonly reason: "exit-non-zero"; readonly code: number; readonly log: string; readonly tail: readonly string[] }
  | { readonly reason: "killed"; readonly signal: string; readonly log: string; readonly tail: readonly string[] }
  /** A `js` function threw (bb.fatal, an expansion error, a bug in the metadata). */
  | { readonly reason: "js-error"; readonly message: string; readonly log: string; readonly tail: readonly string[] }
  /** bake runs no Python: a task (or a pre/postfunc) written in Python cannot run. */
  | { readonly reason: "python-function"; readonly func: string; readonly log: string | null }
  /** Anything else: the recipe no longer parses, a directory cannot be made, the worker died… */
  | { readonly reason: "error"; readonly message: string; readonly log: string | null };

/**
 * `log`: the task's log file, when it wrote one (the build report shows its tail). `cpu`: seconds
 * of processor time of the task's shells and all they waited for: the task launcher's account of
 * each it reaped, and what each shell bake spawned itself wrote at its exit (see cpuTimesFile).
 */
export type TaskOutcome =
  | { readonly ok: true; readonly log?: string; readonly cpu?: number }
  | { readonly ok: false; readonly failure: TaskFailure; readonly cpu?: number };


export type BuildEvent =
  | { readonly type: "BuildStarted"; readonly total: number; readonly threads: number }
  | {
      readonly type: "TaskStarted";
      readonly node: TaskNode;
      /** 1-based number of this task among those done or started ("Running task N of M"). */
      readonly index: number;
      readonly total: number;
      readonly noexec: boolean;
    }
  | { readonly type: "TaskSucceeded"; readonly node: TaskNode; readonly elapsedMs: number }
  | { readonly type: "TaskFailed"; readonly node: TaskNode; readonly elapsedMs: number; readonly failure: TaskFailure }
  /** Its stamp says it is done for its current signature ("didn't need to be rerun"). */
  | { readonly type: "TaskCurrent"; readonly node: TaskNode }
  /** Not run because a task it depends on failed (only with keep-going, otherwise nothing new starts). */
  | { readonly type: "TaskNotRun"; readonly node: TaskNode; readonly failedDependency: TaskNode }
  /** First interrupt: no new task starts; second: running tasks are killed. */
  | { readonly type: "Interrupted"; readonly hard: boolean; readonly running: number }
  | { readonly type: "Note"; readonly level: "note" | "warning"; readonly text: string }
  /** The fetcher of a running task said something: bytes so far, a file done, a retry, a warning. */
  | { readonly type: "TaskFetch"; readonly node: TaskNode; readonly event: FetchEvent }
  /** A task ran (just before its TaskSucceeded or TaskFailed): the signature it ran for, its log. */
  | { readonly type: "TaskRan"; readonly node: TaskNode; readonly unihash: string; readonly log: string | null; readonly cpu?: number }
  /** Setscene looked for (and restored, when `elapsedMs` > 0) an sstate task's object. */
  | { readonly type: "Setscene"; readonly node: TaskNode; readonly result: SetsceneResult; readonly unihash: string; readonly elapsedMs: number }
  | { readonly type: "BuildFinished"; readonly summary: BuildSummary };

export type BuildListener = (event: BuildEvent) => void;

export interface BuildSummary {
  /** Tasks the build considered. */
  readonly total: number;
  /** Tasks run to success (noexec tasks included). */
  readonly ran: number;
  /** Tasks whose stamp was current. */
  readonly current: number;
  readonly failed: number;
  /** Tasks left out because something they depend on failed. */
  readonly notRun: number;
  /** Tasks never reached because the build stopped (a failure without keep-going, or an interrupt). */
  readonly unstarted: number;
  readonly interrupted: boolean;
  readonly failures: readonly { readonly id: TaskId; readonly failure: TaskFailure }[];
}

/** BitBake's counts: attempted = completed + failed, where completed includes the current ones. */
export function attempted(s: BuildSummary): number {
  return s.ran + s.current + s.failed;
}

export function succeeded(s: BuildSummary): boolean {
  return s.failed === 0 && !s.interrupted && s.unstarted === 0 && s.notRun === 0;
}
