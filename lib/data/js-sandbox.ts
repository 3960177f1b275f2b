// One node:vm context for every inline expression and `js` function of the process.
// Code is compiled once per distinct text into a function taking `d`, so the context is
// never mutated per call (re-entrant: an expression may read a variable whose value holds
// another expression) and 5,000 recipes reuse the same compiled functions.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, posix as posixPath } from "node:path";
import vm from "node:vm";
import { deserialize, serialize } from "node:v8";
import { javascriptParser } from "./javascript-parser.js";
import { bb, oe } from "./bb-api.js";
import { analyseInline, type InlineRefs } from "./inline-refs.js";

let context: vm.Context | undefined;

function sandbox(): vm.Context {
  // True/False/None let the common Python spellings of BitBake metadata work unchanged.
  // `path` stands in for os.path; `process` only tells the host architecture, never the
  // environment (metadata must not depend on it).
  context ??= vm.createContext({
    bb,
    oe,
    True: true,
    False: false,
    None: null,
    path: posixPath,
    process: Object.freeze({ arch: process.arch, platform: process.platform }),
  });
  return context;
}

export interface CompiledInline extends InlineRefs {
  readonly run: (d: unknown) => unknown;
}

/** The expression was cut short inside a string literal; BitBake then leaves `${@...}` as written. */
export class UnterminatedLiteral extends Error {}

const inlineCache = new Map<string, CompiledInline>();
const MAX_CACHE = 20000;

/**
 * What acorn found of the expressions it accepted (their references), kept in a file between runs
 * (keepInlineAnalysesIn), by text: a warm `bake -e RECIPE` expands a few dozen expressions, and
 * loading acorn and running its first parses cost it 25-35 ms of processor time for the 17 of the
 * generated corpus' recipe, as much as compiling them into functions costs without it. An
 * expression acorn rejects is not kept: it is parsed, and its error raised, every time.
 */
let kept: { readonly file: string; readonly analyses: Map<string, InlineRefs>; added: boolean } | null = null;

/**
 * Keeps what compileInline finds in `file` (beside the syntax trees of the same code generation:
 * what is kept depends on the parser and the analysis), written when the process exits if it found
 * anything new. Failing to read it or write it only costs the next run the parses.
 */
export function keepInlineAnalysesIn(file: string): void {
  if (kept?.file === file) return;
  let analyses = new Map<string, InlineRefs>();
  try {
    const read = deserialize(readFileSync(file)) as unknown;
    if (read instanceof Map) analyses = read as Map<string, InlineRefs>;
  } catch {
    // None yet, or unreadable.
  }
  if (kept === null) process.once("exit", saveInlineAnalyses);
  kept = { file, analyses, added: false };
}

/** Writes what compileInline found since the file was read or last written (on exit, and for tests). */
export function saveInlineAnalyses(): void {
  if (kept === null || !kept.added) return;
  try {
    mkdirSync(dirname(kept.file), { recursive: true });
    const tmp = `${kept.file}.${process.pid}.tmp`;
    writeFileSync(tmp, serialize(kept.analyses));
    renameSync(tmp, kept.file);
    kept.added = false;
  } catch {
    // A read-only build directory: parsed again next time.
  }
}

/** Compile `${@code}` (syntax check, reference analysis, function); throws SyntaxError or UnterminatedLiteral. */
export function compileInline(code: string): CompiledInline {
  const cached = inlineCache.get(code);
  if (cached) return cached;
  const text = code.trim();
  const known = kept?.analyses.get(code);
  const analysis = known ?? analyse(text);
  const script = new vm.Script(`(function (d) { return (\n${text}\n); })`, { filename: "inline expression" });
  const run = script.runInContext(sandbox()) as (d: unknown) => unknown;
  const compiled: CompiledInline = { ...analysis, run };
  if (inlineCache.size >= MAX_CACHE) inlineCache.clear();
  inlineCache.set(code, compiled);
  if (kept !== null && known === undefined) {
    if (kept.analyses.size >= MAX_CACHE) kept.analyses.clear();
    kept.analyses.set(code, analysis);
    kept.added = true;
  }
  return compiled;
}

/** acorn's syntax check of an expression (trimmed), and its references. */
function analyse(text: string): InlineRefs {
  let tree;
  try {
    tree = javascriptParser().parseExpressionAt(text, 0, { ecmaVersion: "latest" });
  } catch (e) {
    // Python's "unterminated string literal" case: `${@'}'}` is matched up to the first `}`.
    if (e instanceof SyntaxError && /^Unterminated (string constant|template)/.test(e.message)) {
      throw new UnterminatedLiteral(e.message);
    }
    throw e;
  }
  if (text.slice(tree.end).trim() !== "") {
    throw new SyntaxError(`Unexpected token after expression (1:${tree.end}) in: ${text}`);
  }
  return analyseInline(tree);
}

export interface RunJsOptions {
  filename?: string;
  line?: number;
  globals?: Record<string, unknown>;
}

const bodyCache = new Map<string, (...args: unknown[]) => unknown>();

/**
 * Run statements (a function body) with `d` and `bb`/`oe` in scope; returns what the body
 * returns. A body using `await` runs as an async function and returns its promise.
 */
export function runInSandbox(code: string, d: unknown, opts: RunJsOptions = {}): unknown {
  const names = Object.keys(opts.globals ?? {});
  const filename = opts.filename ?? "js function";
  const line = opts.line ?? 1;
  const key = `${filename}\0${line}\0${names.join(",")}\0${code}`;
  let fn = bodyCache.get(key);
  if (!fn) {
    const isAsync = /\bawait\b/.test(code);
    const params = ["d", ...names].join(", ");
    // The body starts on the second line of the wrapper, so line numbers in stack traces
    // name the metadata file's lines.
    const script = new vm.Script(`(${isAsync ? "async " : ""}function (${params}) {\n${code}\n})`, {
      filename,
      lineOffset: line - 2,
    });
    fn = script.runInContext(sandbox()) as (...args: unknown[]) => unknown;
    if (bodyCache.size >= MAX_CACHE) bodyCache.clear();
    bodyCache.set(key, fn);
  }
  return fn(d, ...names.map((n) => opts.globals![n]));
}

/** Text of a value as Python's str() prints it: None, True/False, decimal numbers, list reprs. */
export function pythonText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  return pythonRepr(value);
}

function pythonRepr(value: unknown): string {
  if (typeof value === "string") {
    const q = value.includes("'") && !value.includes('"') ? '"' : "'";
    const body = value
      .replace(/\\/g, "\\\\")
      .replace(/\n/g, "\\n")
      .replace(/\r/g, "\\r")
      .replace(/\t/g, "\\t")
      .replace(new RegExp(q, "g"), "\\" + q);
    return q + body + q;
  }
  if (value === null || value === undefined || typeof value === "boolean" || typeof value === "number" || typeof value === "bigint") {
    return pythonText(value);
  }
  if (Array.isArray(value)) return "[" + value.map(pythonRepr).join(", ") + "]";
  // Values made by sandboxed code come from another realm: test tags, not instanceof.
  const tag = Object.prototype.toString.call(value);
  if (tag === "[object Set]") {
    const items = [...(value as Set<unknown>)];
    return items.length === 0 ? "set()" : "{" + items.map(pythonRepr).join(", ") + "}";
  }
  if (tag === "[object Map]") {
    return "{" + [...(value as Map<unknown, unknown>)].map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`).join(", ") + "}";
  }
  if (typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    if (proto === null || proto.constructor?.name === "Object") {
      return "{" + Object.entries(value as object).map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`).join(", ") + "}";
    }
  }
  return String(value);
}
