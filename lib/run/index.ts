// Running tasks: the run queue, the worker pool, task execution, stamps and the build lock.
export { runBuild, taskDepData, tasksToRun, StampBaseMissing, type BuildOptions } from "./build.js";
export {
  attempted,
  succeeded,
  type BuildEvent,
  type BuildListener,
  type BuildSummary,
  type TaskFailure,
  type TaskOutcome,
} from "./events.js";
export { runQueue, longestPathPriorities, processInterrupts, type InterruptSource, type SchedulerOptions } from "./scheduler.js";
export { taskHash, taskHashes, DependencyCycle, type TaskHash } from "./signature.js";
export { StampSet, stampFile, invalidateTask, readTaint, removeStamps, isSet } from "./stamps.js";
export { acquireBuildLock, BuildLockHeld, type BuildLock } from "./lock.js";
export { TaskPool, type RunTaskOptions, type RecipeRequest, type TaskRequest } from "./pool.js";
export { executeTask, logTail, TAIL_LINES, type TaskRun } from "./execute.js";
export { shellScript, exportedVariables, calledShellFunctions, functionKind, shellQuote } from "./script.js";
export { networkIsolationAvailable, mayUseNetwork } from "./network.js";
