// The datastore stage: variables, flags, overrides, expansion and inline JavaScript,
// with BitBake's semantics (data_smart.py, DataNode.eval of parse/ast.py).

import { runInSandbox, type RunJsOptions } from "./js-sandbox.js";
import type { DataStore } from "./store.js";

export { DataStore } from "./store.js";
export { Attachment } from "./attachment.js";
export { JsDataFacade } from "./facade.js";
export type { DataMessage, DataSnapshot, SetOptions } from "./store.js";
export type { ExpansionRefs, VarRefs } from "./expansion.js";
export { applyAssignment, type AssignOperator, type AssignmentLike } from "./assignment.js";
export type { HistoryEntry, HistorySnapshot } from "./history.js";
export { ExpansionError, FatalError, SkipRecipe } from "./errors.js";
export type { HistoryLoc } from "./errors.js";
export { describeVariable } from "./describe.js";
export { gitHead } from "./git-revision.js";
export { bindInheritedClasses, inheritedClasses } from "./inherited.js";
export { logMetadataMessage, metadataMessageShown, takeJsMessages, toBoolean, withJsMessageHandler, type JsMessageHandler } from "./bb-api.js";
export { inlineLanguageOf, markInline, pythonNamespacePending, registerPythonInline, registerVarFilter, requirePythonNamespace, takePendingPythonNamespace, type InlineLanguage, type InlineResult, type PythonNamespaceStep } from "./inline-engines.js";
export type { JsMessage, JsMessageLevel } from "./bb-api.js";
export { pythonText } from "./js-sandbox.js";
export { javascriptParser } from "./javascript-parser.js";
export type { RunJsOptions } from "./js-sandbox.js";

/**
 * Run JavaScript statements (a function body: a `js` task, an anonymous `js () {}`) in
 * the sandbox of inline expressions, with `d` bound to the datastore and `bb`, `oe`,
 * True/False/None and `opts.globals` in scope. Returns the body's return value (a
 * promise when the body uses `await`).
 */
export function runJs(code: string, d: DataStore, opts?: RunJsOptions): unknown {
  return runInSandbox(code, d.facade(), opts);
}
export { bb as bbModule, oe as oeModule } from "./bb-api.js";
