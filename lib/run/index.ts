// Running tasks: the run queue, the worker pool, task execution and the build lock.
export {
  BuildStats,
  buildName,
  packageFullName,
  type BuildStatsOptions,
  type TaskStat,
  type SetsceneStat,
  type CpuSample,
  type BuildInfo,
} from "./buildstats.js";
export { parseProcStat, readCpuCounters, type CpuCounters } from "./proc-stat.js";
export { runBuild, taskDepData, tasksToRun, StampBaseMissing, type BuildOptions, type SetsceneMode } from "./build.js";
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
export { acquireBuildLock, BuildLockHeld, type BuildLock } from "./build-lock.js";
export { TaskPool, type RunTaskOptions, type TaskRequest } from "./pool.js";
// Task execution (execute.ts) is the workers' (worker.ts imports it): exported from here, every
// build would load the fetchers and the task API into its own thread too.
export { logTail, TAIL_LINES } from "./log-tail.js";
export { shellScript, cpuTimesFile, parseTimes, exportedVariables, calledShellFunctions, functionKind, shellQuote } from "./script.js";
export { networkIsolationAvailable, mayUseNetwork } from "./network.js";
