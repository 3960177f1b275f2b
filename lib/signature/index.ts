// Signatures: which variables and functions each task depends on, its basehash and taskhash,
// signature data files and their comparison.

export {
  taskDependencies,
  compareCodePoints,
  DependencyError,
  type DependencySource,
  type ExpansionRefs,
  type StoredValueRefs,
  type TaskDependencies,
} from "./taskdeps.js";
export { computeBaseHash, baseHashInput, type BaseHashInput } from "./basehash.js";
export { addClosureMember, closureDigest, closureMemberDigest, CLOSURE_LANES, finishClosureDigest, computeTaskHash, taskHashDocument, type TaskHashInput, type RunTaskDep, type FileChecksum } from "./taskhash.js";
export { parseFileChecksums, checksumName, FileChecksumCache, type FileChecksumEntry } from "./file-checksums.js";
export {
  makeSigData,
  sigDataPath,
  writeSigData,
  readSigData,
  findSigData,
  SigDataError,
  SIGDATA_FORMAT,
  type SigData,
  type SigDataDep,
  type SigDataRuntime,
} from "./siginfo.js";
export { compareSigData, type DiffOptions } from "./diffsigs.js";
export { analyzeJs, JsSyntaxError, type CodeAnalysis } from "./js.js";
export { parseShell, shellCommands, ShellSyntaxError, type Script, type Command, type Word, type WordPart } from "./shell/index.js";
export { parseSafeRecipeDeps, SafeRecipeDepsError, type SafeRecipeDeps } from "./safe-recipe-deps.js";
