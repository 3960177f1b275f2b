// Layer set-up from one file, in the manner of kas: layers/layers.json pins every extra layer
// repository; `bake layers fetch|lock|status` makes and checks the tree.
export { setupContext, type SetupContext, type SetupMessage, type SetupOptions } from "./context.js";
export { fetchLayers, type FetchOptions } from "./fetch.js";
export { lockLayers } from "./lock.js";
export { layersStatus } from "./status.js";
export { BblayersConfError, LayerSetupError, LayersFileError, type FieldIssue } from "./errors.js";
export {
  LAYERS_FILE,
  LOCK_FILE,
  fieldPath,
  parseLayersFile,
  parseLockFile,
  renderLockFile,
  type CommitId,
  type GitLayerRepo,
  type LayerRepo,
  type LayersFile,
  type LockEntry,
  type LockFile,
  type PathLayerRepo,
} from "./schema.js";
export {
  SHIPPED_LAYERS,
  bblayersEntries,
  describeTarget,
  lockMismatch,
  planFetch,
  shippedLayerEntries,
  type FetchStep,
  type GitStep,
  type PathStep,
  type Target,
} from "./plan.js";
export { BLOCK_BEGIN, BLOCK_END, renderBblayersBlock, renderBblayersConf } from "./bblayers.js";
export { checkoutDifferences } from "./status.js";
export type { Checkout } from "./inspect.js";
