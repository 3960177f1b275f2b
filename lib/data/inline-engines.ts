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
