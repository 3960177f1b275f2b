// Signatures: which variables and functions each task depends on, and its basehash.

export {
  taskDependencies,
  DependencyError,
  type DependencySource,
  type ExpansionRefs,
  type StoredValueRefs,
  type TaskDependencies,
} from "./taskdeps.js";
export { computeBaseHash, baseHashInput, type BaseHash, type BaseHashInput } from "./basehash.js";
export { analyzeJs, JsSyntaxError, type CodeAnalysis } from "./js.js";
export { parseShell, shellCommands, ShellSyntaxError, type Script, type Command, type Word, type WordPart } from "./shell.js";
