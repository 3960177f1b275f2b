// The syntax tree of one metadata file (.bb, .bbappend, .bbclass, .inc, .conf).
// Every node carries where it came from, so that every later error and every line of
// `bake -e` history can name a file, line and column.

export interface Location {
  readonly file: string;
  /** 1-based line of the statement's first character. */
  readonly line: number;
  /** 1-based column of the statement's first character. */
  readonly column: number;
}

/** Assignment operators, spelled as in the metadata. */
export type AssignOp = "=" | "?=" | "??=" | ":=" | "+=" | "=+" | ".=" | "=.";

/** `[export] NAME[flag] op "value"`. NAME keeps its `:override` chain and any `${...}`. */
export interface Assignment {
  readonly kind: "assignment";
  readonly loc: Location;
  readonly exported: boolean;
  readonly name: string;
  readonly flag: string | null;
  readonly op: AssignOp;
  /** Text between the quotes, continuation backslash-newlines removed, not expanded. */
  readonly value: string;
  /**
   * The line a value continued over several lines ends on, which BitBake's history names (its
   * parser reads the joined line at its last); absent for a one-line statement.
   */
  readonly lastLine?: number;
}

/** `export NAME` without a value. */
export interface Export {
  readonly kind: "export";
  readonly loc: Location;
  readonly name: string;
}

/** `unset NAME` or `unset NAME[flag]`. */
export interface Unset {
  readonly kind: "unset";
  readonly loc: Location;
  readonly name: string;
  readonly flag: string | null;
}

/** `include F`, `require F`, `include_all F`; the path is expanded at evaluation. */
export interface Include {
  readonly kind: "include";
  readonly loc: Location;
  readonly mode: "include" | "require" | "include_all";
  readonly path: string;
}

/** `inherit A B` or `inherit_defer A`; the list is expanded at evaluation. */
export interface Inherit {
  readonly kind: "inherit";
  readonly loc: Location;
  readonly deferred: boolean;
  readonly classes: string;
}

/** `addtask T [T2…] [after A…] [before B…]`, words unexpanded. */
export interface AddTask {
  readonly kind: "addtask";
  readonly loc: Location;
  readonly tasks: readonly string[];
  readonly after: readonly string[];
  readonly before: readonly string[];
}

export interface DelTask {
  readonly kind: "deltask";
  readonly loc: Location;
  readonly tasks: readonly string[];
}

export interface AddHandler {
  readonly kind: "addhandler";
  readonly loc: Location;
  readonly handlers: readonly string[];
}

export interface ExportFunctions {
  readonly kind: "exportFunctions";
  readonly loc: Location;
  readonly functions: readonly string[];
}

/** `addpylib DIR NAMESPACE` (layer.conf); kept so real layers parse, bake has no Python. */
export interface AddPylib {
  readonly kind: "addpylib";
  readonly loc: Location;
  readonly dir: string;
  readonly namespace: string;
}

/** `addfragments PATH VAR FLAGSVAR BUILTINVAR` (configuration fragments). */
export interface AddFragments {
  readonly kind: "addfragments";
  readonly loc: Location;
  readonly args: readonly string[];
}

export type FunctionLanguage = "shell" | "js" | "python";

/**
 * `name() {…}`, `fakeroot name() {…}`, `js name() {…}`, `python name() {…}`, `python () {…}`.
 * An anonymous function (`python () {`, `js () {`) has name null.
 */
export interface FunctionDef {
  readonly kind: "function";
  readonly loc: Location;
  readonly name: string | null;
  readonly language: FunctionLanguage;
  readonly fakeroot: boolean;
  /** Body lines between the braces, each right-trimmed, joined with "\n", ending in "\n". */
  readonly body: string;
  /** Line of the first body line. */
  readonly bodyLine: number;
}

/** A Python `def name(...):` block, kept as text: bake never runs Python. */
export interface PythonDef {
  readonly kind: "pythonDef";
  readonly loc: Location;
  readonly name: string;
  /** The whole block, header included, lines joined with "\n". */
  readonly body: string;
}

export type Statement =
  | Assignment
  | Export
  | Unset
  | Include
  | Inherit
  | AddTask
  | DelTask
  | AddHandler
  | ExportFunctions
  | AddPylib
  | AddFragments
  | FunctionDef
  | PythonDef;

/** Which of BitBake's two readers a file is read with: recipes/classes vs configuration. */
export type FileKind = "recipe" | "conf";

export interface ParsedFile {
  readonly path: string;
  readonly kind: FileKind;
  readonly statements: readonly Statement[];
}

export function fileKindOf(path: string): FileKind {
  return path.endsWith(".conf") ? "conf" : "recipe";
}
