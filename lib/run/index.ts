// Running tasks: the run queue, the worker pool, task execution, stamps and the build lock.
export {
  BuildStats,
  buildName,
  taskName,
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
  type SetsceneResult,
} from "./events.js";
export { runQueue, longestPathPriorities, processInterrupts, type InterruptSource, type SchedulerOptions } from "./scheduler.js";
export { taskHash, dependencyOrder, pnTask, Signatures, DependencyCycle, type TaskHash, type UniHash, type SignatureInputs } from "./signature.js";
export { planSetscene, planRoots, type SetscenePlan, type SstateState, type PlanInputs } from "./setscene.js";
export { SstateSession, summaryLine, type SessionOptions, type SetsceneCounts } from "./sstate-session.js";
export { sstateSettings, resolveSigningKey, trustPolicyOf, taskOutputs, isSstateTask, pkgArchOf, SharedState, SstateSettingError, type SstateSettings } from "./shared-state.js";
export { HashEquivalence, type HashEquivalenceSettings } from "./hash-equivalence.js";
export { installObject, uninstall, type OutputSpec } from "./sstate-install.js";
export { StampSet, stampFile, invalidateTask, readTaint, removeStamps, isSet } from "./stamps.js";
export { acquireBuildLock, BuildLockHeld, type BuildLock } from "./lock.js";
export { TaskPool, type RunTaskOptions, type RecipeRequest, type TaskRequest } from "./pool.js";
export { executeTask, logTail, TAIL_LINES, type TaskRun } from "./execute.js";
export { shellScript, cpuTimesFile, parseTimes, exportedVariables, calledShellFunctions, functionKind, shellQuote } from "./script.js";
export { networkIsolationAvailable, mayUseNetwork } from "./network.js";
