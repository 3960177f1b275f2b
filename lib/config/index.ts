export { ConfigurationError, RecipeParseFailures } from "./errors.js";
export { findTopdir } from "./topdir.js";
export { loadBuildConfiguration, type BuildConfiguration, type LoadOptions } from "./configuration.js";
export { checkLayers, layerOf, readLayers, type Layer } from "./layers.js";
export {
  appendApplies,
  checkDanglingAppends,
  collectRecipes,
  namesFromFile,
  type RecipeCollection,
  type RecipeFile,
} from "./collection.js";
export { compareVersions, compareVersionStrings, parseVersionedList, splitVersion, versionSatisfies } from "./version.js";
export { explodeDeps, recipeId, TASK_FLAGS, type RecipeInfo, type RecipeSummary, summaryOf, type TaskInfo } from "./recipe-info.js";
export type { RecipeParseResult } from "./parse-recipe.js";
export { FileHashes, ParseCache, type CachedRecords } from "./parse-cache.js";
export { codeGeneration } from "./code-generation.js";
export { parseAllRecipes, signRecipes, type ParseAllOptions, type ParsedRecipes, type ParseProgress, type Signatures } from "./recipes.js";
export { WorkerCache, type ConfigurationRequest, type RecipeRequest } from "./worker-cache.js";
