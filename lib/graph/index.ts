export { taskId, displayName, isSet, type TaskGraph, type TaskId, type TaskNode } from "./types.js";
export {
  bestOfPn,
  buildProvider,
  NothingProvides,
  RecipeIndex,
  runtimeProvider,
  type ProviderPreferences,
} from "./providers.js";
export { assumedProvided, buildTaskGraph, DependencyLoop, UnknownTask, type GraphOptions, type Target } from "./taskgraph.js";
export { pepvpr, pnBuildlist, taskDependsDot, taskDependsJson, writeGraphFiles } from "./output.js";
