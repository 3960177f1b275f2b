export { ConfigurationError } from "./errors.js";
export { findTopdir, loadBuildConfiguration, type BuildConfiguration, type LoadOptions } from "./configuration.js";
export { checkLayers, layerOf, readLayers, type Layer } from "./layers.js";
export {
  appendApplies,
  checkDanglingAppends,
  collectRecipes,
  namesFromFile,
  type RecipeCollection,
  type RecipeFile,
} from "./collection.js";
export { compareVersionStrings, parseVersionedList, splitVersion, versionSatisfies } from "./version.js";
