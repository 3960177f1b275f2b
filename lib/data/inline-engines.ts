// Which language runs `${@...}`. A datastore has a default (JavaScript for bake's own
// configuration, Python for a BitBake-style one); `${@js ...}` and `${@python ...}` choose one
// explicitly. The Python engine lives in lib/python and registers itself here, so the datastore
// does not depend on it.

export type InlineLanguage = "js" | "python";

export interface InlineResult {
  readonly value: string;
  readonly references: readonly string[];
  readonly execs: readonly string[];
  readonly contains: readonly (readonly [string, readonly string[]])[];
  readonly expandLiterals: readonly string[];
}

/** Evaluates Python `${@...}` code with `store` as `d`. */
export type PythonInline = (code: string, store: unknown) => InlineResult;

let python: PythonInline | null = null;

export function registerPythonInline(engine: PythonInline): void {
  python = engine;
}

export function pythonInline(): PythonInline {
  if (python === null) throw new Error("Python `${@...}` needs bake's Python engine (lib/python), which is not loaded");
  return python;
}

/** Applies a variable filter expression (d.setVarFilter, BitBake's bb.filter) to an expanded value. */
export type VarFilter = (expression: string, value: string) => string;

let varFilter: VarFilter | null = null;

export function registerVarFilter(engine: VarFilter): void {
  varFilter = engine;
}

export function applyVarFilter(expression: string, value: string): string {
  if (varFilter === null) throw new Error("variable filters need bake's Python engine (lib/python), which is not loaded");
  return varFilter(expression, value);
}

const MARKER = /^\s*(js|python)\s/;

/** The language and code of an inline expression: an explicit `js `/`python ` marker wins over the default. */
export function inlineLanguageOf(code: string, fallback: InlineLanguage): { language: InlineLanguage; code: string } {
  const m = MARKER.exec(code);
  if (m === null) return { language: fallback, code };
  return { language: m[1] as InlineLanguage, code: code.slice(m[0].length) };
}

/** `text` with every `${@` that has no marker given `language`'s marker (a file of a layer whose language is not the build's). */
export function markInline(text: string, language: InlineLanguage): string {
  if (!text.includes("${@")) return text;
  return text.replace(/\$\{@(?!\s*(?:js|python)\s)/g, `\${@${language} `);
}

/**
 * What a configuration's Python left in the interpreter without writing to the datastore: a layer
 * library imported (`addpylib`, with BB_GLOBAL_PYMODULES as it was then), a `def` block, modules
 * imported by name. A configuration whose Python did nothing else is kept between runs
 * (config/configuration-cache.ts) with these steps, and they are taken again in this thread's
 * interpreter before its first Python crossing (lib/python), so a run that needs no Python
 * (a warm `-p`) starts no interpreter.
 */
export type PythonNamespaceStep =
  | { readonly kind: "pylib"; readonly dir: string; readonly namespace: string; readonly globalModules: string | null }
  | { readonly kind: "def"; readonly text: string; readonly file: string; readonly line: number }
  | { readonly kind: "import"; readonly names: readonly string[] };

let pendingNamespace: readonly PythonNamespaceStep[] = [];

/** Steps this thread's interpreter must have taken before its next Python crossing (those it has taken already are skipped). */
export function requirePythonNamespace(steps: readonly PythonNamespaceStep[]): void {
  if (steps.length === 0) return;
  // The same configuration loaded again before any Python ran: its steps are pending already.
  if (JSON.stringify(pendingNamespace.slice(-steps.length)) === JSON.stringify(steps)) return;
  pendingNamespace = [...pendingNamespace, ...steps];
}

/** The steps required and not yet taken; the caller takes them (and gives them back with requirePythonNamespace if that fails). */
export function takePendingPythonNamespace(): readonly PythonNamespaceStep[] {
  const steps = pendingNamespace;
  pendingNamespace = [];
  return steps;
}

export function pythonNamespacePending(): boolean {
  return pendingNamespace.length !== 0;
}
