// The `bb` and `oe` namespaces that inline expressions and `js` functions see. They
// follow the BitBake / OpenEmbedded helpers of the same names, so that
// `${@bb.utils.contains('DISTRO_FEATURES', 'x', 'a', 'b', d)}` reads as in Python metadata.

import { AsyncLocalStorage } from "node:async_hooks";
import { availableParallelism } from "node:os";
import { posix as posixPath } from "node:path";
import { FatalError, SkipRecipe } from "./errors.js";
import { gitRevision } from "./git-revision.js";

/** The part of the datastore the helpers need (the `d` passed by metadata code). */
export interface VarReader {
  getVar(name: string, expand?: unknown): string | null;
}

interface VarStore extends VarReader {
  setVar(name: string, value: string): void;
}

/**
 * bb.parse.mark_dependency: `file` is an input of this parse (read or looked for by an inline
 * function), so the parse cache must look at it too. Kept, as in BitBake, in `__depends`.
 */
function markDependency(d: VarStore, file: string): void {
  const known = d.getVar("__depends", false) ?? "";
  if (!known.split(" ").includes(file)) d.setVar("__depends", known === "" ? file : `${known} ${file}`);
}

/** oe.buildcfg.get_metadata_git_revision: the commit of the checkout holding `path`, or "<unknown>". */
function metadataRevision(path: string, d?: VarStore): string {
  return gitRevision(path, d ? (f) => markDependency(d, f) : undefined) ?? "<unknown>";
}

export type JsMessageLevel = "debug" | "note" | "plain" | "warn" | "error" | "fatal";
export interface JsMessage {
  readonly level: JsMessageLevel;
  readonly text: string;
}

export type JsMessageHandler = (m: JsMessage) => void;
// Where metadata code's messages go belongs to the work being done (one task, one parse), not to
// the thread: a `js` task that runs another js function (bb.build.exec_func, as do_clean runs
// CLEANFUNCS) must still log to its own log once the inner one returns. The scope follows the
// code through its awaits. Outside any scope the last few messages are kept for the caller.
const scope = new AsyncLocalStorage<JsMessageHandler>();
const pending: JsMessage[] = [];
const MAX_PENDING = 1000;

/** Runs `fn` with the messages that metadata code logs inside it (and in what it awaits) going to `handler`. */
export function withJsMessageHandler<T>(handler: JsMessageHandler, fn: () => T): T {
  return scope.run(handler, fn);
}

/** Messages logged outside any handler's scope (oldest first); empties the buffer. */
export function takeJsMessages(): JsMessage[] {
  return pending.splice(0, pending.length);
}

/** A message from metadata code in another language (parse-time Python), to the same handler. */
/**
 * Whether a message of `level` logged now goes anywhere: during a task (a handler writes every
 * message to its log), or a warning or error while parsing (parse-recipe.ts shows only those).
 */
export function metadataMessageShown(level: JsMessageLevel): boolean {
  return scope.getStore() !== undefined || level === "warn" || level === "error" || level === "fatal";
}

export function logMetadataMessage(level: JsMessageLevel, text: string): void {
  log(level, [text]);
}

function log(level: JsMessageLevel, args: unknown[]): void {
  const m: JsMessage = { level, text: args.map((a) => String(a)).join(" ") };
  const handler = scope.getStore();
  if (handler) handler(m);
  else {
    pending.push(m);
    if (pending.length > MAX_PENDING) pending.shift();
  }
}

// Python's str.split() with no argument: runs of whitespace, no empty words.
export function splitWords(s: string): string[] {
  const t = s.trim();
  return t === "" ? [] : t.split(/\s+/);
}

function wordSet(checkvalues: unknown): Set<string> {
  if (typeof checkvalues === "string") return new Set(splitWords(checkvalues));
  if (checkvalues && typeof (checkvalues as Iterable<unknown>)[Symbol.iterator] === "function") {
    return new Set([...(checkvalues as Iterable<unknown>)].map((v) => String(v)));
  }
  return new Set();
}

function contains(variable: string, checkvalues: unknown, truevalue: unknown, falsevalue: unknown, d: VarReader): unknown {
  const val = d.getVar(variable);
  if (!val) return falsevalue;
  const have = new Set(splitWords(val));
  for (const w of wordSet(checkvalues)) if (!have.has(w)) return falsevalue;
  return truevalue;
}

function containsAny(variable: string, checkvalues: unknown, truevalue: unknown, falsevalue: unknown, d: VarReader): unknown {
  const val = d.getVar(variable);
  if (!val) return falsevalue;
  const have = new Set(splitWords(val));
  for (const w of wordSet(checkvalues)) if (have.has(w)) return truevalue;
  return falsevalue;
}

function filterString(val: string | null, checkvalues: unknown): string {
  if (!val) return "";
  const have = new Set(splitWords(val));
  return [...wordSet(checkvalues)]
    .filter((w) => have.has(w))
    .sort(codePointOrder)
    .join(" ");
}

function codePointOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** bb.utils.to_boolean: "y/yes/1/true" and "n/no/0/false", `dflt` for an empty value. */
export function toBoolean(value: unknown, dflt: unknown = null): unknown {
  if (!value) return dflt;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "boolean") return value;
  const n = String(value).toLowerCase();
  if (n === "y" || n === "yes" || n === "1" || n === "true") return true;
  if (n === "n" || n === "no" || n === "0" || n === "false") return false;
  throw new Error(`Invalid value for to_boolean: ${String(value)}`);
}

// oe.types.boolean: stricter than to_boolean about the empty string.
function oeBoolean(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === "boolean") return value;
  if (typeof value !== "string") throw new TypeError(`boolean accepts a string, not '${typeof value}'`);
  const v = value.toLowerCase();
  if (["yes", "y", "true", "t", "1"].includes(v)) return true;
  if (["no", "n", "false", "f", "0"].includes(v)) return false;
  throw new Error(`Invalid boolean value '${value}'`);
}

/** The part of `d` that knows the inherited classes (bake's facade; absent elsewhere). */
interface InheritanceReader {
  inheritedClasses?(): readonly string[];
}

/** bb.data.inherits_class: whether `classes/<klass>.bbclass` (of any classes directory) was inherited. */
function inheritsClass(klass: string, d: InheritanceReader): boolean {
  const needle = `/${klass}.bbclass`;
  return (d.inheritedClasses?.() ?? []).some((path) => path.endsWith(needle));
}

export const bb = Object.freeze({
  data: Object.freeze({ inherits_class: inheritsClass }),
  utils: Object.freeze({
    contains,
    contains_any: containsAny,
    filter: (variable: string, checkvalues: unknown, d: VarReader) => filterString(d.getVar(variable), checkvalues),
    to_boolean: toBoolean,
  }),
  parse: Object.freeze({ SkipRecipe, vars_from_file: varsFromFile, mark_dependency: markDependency }),
  fatal: (...args: unknown[]): never => {
    log("fatal", args);
    throw new FatalError(args.map((a) => String(a)).join(" "));
  },
  error: (...args: unknown[]) => log("error", args),
  warn: (...args: unknown[]) => log("warn", args),
  note: (...args: unknown[]) => log("note", args),
  plain: (...args: unknown[]) => log("plain", args),
  debug: (...args: unknown[]) => log("debug", args.length > 1 && typeof args[0] === "number" ? args.slice(1) : args),
});

/** bb.parse.vars_from_file: [PN, PV, PR] from a recipe file name `pn_pv_pr.bb` (missing parts null). */
function varsFromFile(file: unknown, _d?: unknown): (string | null)[] {
  if (typeof file !== "string" || !(file.endsWith(".bb") || file.endsWith(".bbappend"))) return [null, null, null];
  const base = posixPath.basename(file);
  const parts: (string | null)[] = base.slice(0, base.lastIndexOf(".")).split("_");
  if (parts.length > 3) throw new Error(`Unable to generate default variables from filename (too many underscores): ${file}`);
  while (parts.length < 3) parts.push(null);
  return parts;
}

export const oe = Object.freeze({
  buildcfg: Object.freeze({
    get_metadata_git_revision: metadataRevision,
    /** The revision of the checkout holding the file being parsed (FILE; the build directory for configuration). */
    detect_revision: (d: VarStore) => metadataRevision(posixPath.dirname(d.getVar("FILE") ?? `${d.getVar("TOPDIR") ?? "."}/x`), d),
  }),
  utils: Object.freeze({
    /** Usable CPUs, clamped to [at_least, at_most] like OE's cpu_count. */
    cpu_count: (atLeast = 1, atMost = 64) => Math.max(Math.min(availableParallelism(), atMost), atLeast),
    prune_suffix: (value: string, suffixes: Iterable<string>, d: VarReader) => {
      let v = value;
      for (const suffix of suffixes) if (suffix && v.endsWith(suffix)) v = v.slice(0, -suffix.length);
      const prefix = d.getVar("MLPREFIX");
      if (prefix && v.startsWith(prefix)) v = v.slice(prefix.length);
      return v;
    },
    conditional: (variable: string, checkvalue: unknown, truevalue: unknown, falsevalue: unknown, d: VarReader) =>
      d.getVar(variable) === checkvalue ? truevalue : falsevalue,
    ifelse: (condition: unknown, iftrue: unknown = true, iffalse: unknown = false) => (condition ? iftrue : iffalse),
    vartrue: (variable: string, iftrue: unknown, iffalse: unknown, d: VarReader) =>
      oeBoolean(d.getVar(variable)) ? iftrue : iffalse,
  }),
});
