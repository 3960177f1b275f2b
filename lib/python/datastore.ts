// The JavaScript object Python's `d` (bake_bridge.DataSmart) calls: bake's DataStore itself,
// with BitBake's calling conventions, and what the evaluator knows beside it (inherited
// classes, tasks) for bb.data.inherits_class and bb.build.addtask. Reads are recorded and
// anything else is reported to inline-memo.ts, which reuses `${@...}` results that read alone.
import type { DataStore, SetOptions } from "../data/index.js";
import { Attachment, inheritedClasses } from "../data/index.js";
import { recordExpand, recordFlag, recordHas, recordInherits, recordList, recordOutsideWorld, recordVar, type ReplayTarget } from "./inline-memo.js";

/** The evaluator's state beside a datastore (evaluate's Metadata). */
export interface MetadataOwner {
  readonly inherited: readonly string[];
  readonly tasks: readonly string[];
  addTask(task: string, before: string, after: string): void;
  delTask(task: string): void;
}

// Kept on each datastore, not in WeakMaps keyed by it (see Attachment): each of these reaches its datastore.
const owners = new Attachment<MetadataOwner>();
const facades = new Attachment<object>();
let facadeSerial = 0;
const targets = new Attachment<ReplayTarget>();

// bake_bridge.caller: where the Python writing to d stands ("file\0line\0function", "" if nowhere).
let pythonCaller: (() => string) | null = null;

export function setPythonCaller(fn: () => string): void {
  pythonCaller = fn;
}

/**
 * Where a write from Python happened, for the history BitBake's infers from its caller's frame
 * (`python3_3.14.7.bb:466 [__anon_495_…]`): asked of Python only while the history is recorded.
 */
function at(d: DataStore): SetOptions {
  if (pythonCaller === null || !d.tracking) return {};
  const where = pythonCaller();
  if (!where) return {};
  const [file, line, func] = where.split("\0");
  return { file: file!, line: Number(line), func: func! };
}

export function bindMetadata(d: DataStore, owner: MetadataOwner): void {
  owners.set(d, owner);
}

/**
 * Strings longer than this cross into Python as their UTF-8 bytes (bake_bridge._long decodes them).
 * Pyodide turns a JavaScript string into a Python one a code unit at a time (~15 ns a character
 * here, 1.3 ms for the 150 KB of a recipe's `d.keys()`); the bytes are copied at memory speed and
 * decoded in C (0.1 ms for the same keys). Shorter strings are cheaper as they are.
 */
export const LONG_STRING = 512;
const utf8 = new TextEncoder();

/** `v` as it crosses into Python: long text as UTF-8 bytes, unless it holds a lone surrogate (which UTF-8 cannot carry). */
export function crossing(v: string): string | Uint8Array;
export function crossing(v: string | null): string | Uint8Array | null;
export function crossing(v: string | null): string | Uint8Array | null {
  return v !== null && v.length > LONG_STRING && (v as unknown as { isWellFormed(): boolean }).isWellFormed() ? utf8.encode(v) : v;
}

function text(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

/**
 * `name in d`: BitBake's DataSmart is a MutableMapping without its own __contains__, so this is
 * Mapping's, `d[name]` not raising: the unexpanded value is not None. A variable with only flags
 * (`VAR[doc] = …`) is not in d.
 */
function has(d: DataStore, name: string): boolean {
  return d.getVar(name, false) !== null;
}

/** Whether `d`'s recipe inherits `klass` (BitBake's bb.data.inherits_class: a class file of that name). */
function inherits(d: DataStore, klass: string): boolean {
  const needle = `/${klass}.bbclass`;
  return inheritedOf(d).some((path) => path.endsWith(needle));
}

/** The classes `d` inherited: its owner's, or for a copy made outside Python, its origin's. */
function inheritedOf(d: DataStore): readonly string[] {
  return owners.get(d)?.inherited ?? inheritedClasses(d);
}

/** `d` as inline-memo.ts replays reads on it. */
export function replayTarget(d: DataStore): ReplayTarget {
  let t = targets.get(d);
  if (t === undefined) {
    t = {
      store: d,
      inherited: () => inheritedOf(d).join("\n"),
      tasks: () => (owners.get(d)?.tasks ?? []).join("\n"),
      has: (name) => has(d, name),
      inherits: (klass) => inherits(d, klass),
    };
    targets.set(d, t);
  }
  return t;
}

/** A method that changes or enumerates the datastore: fine to call, but its caller's result depends on more than reads. */
function writing<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    recordOutsideWorld();
    return fn(...args);
  };
}

export function pythonFacade(d: DataStore): object {
  let f = facades.get(d);
  if (f !== undefined) return f;
  f = {
    // Which datastore this is, for Python keeping something per datastore (bb.fetch2's URL data,
    // which BitBake keys by id(d)): a Python object wrapping the facade lives one call.
    serial: ++facadeSerial,
    // JavaScript null reaches Python as pyodide's jsnull; undefined reaches it as None.
    getVar: (name: string, expand: boolean) => {
      const v = d.getVar(name, expand);
      recordVar(name, expand, v);
      return d.objectOf(name, v) ?? crossing(v) ?? undefined;
    },
    getVarFlag: (name: string, flag: string, expand: boolean) => {
      const v = d.getVarFlag(name, flag, expand);
      recordFlag(name, flag, expand, v);
      return crossing(v) ?? undefined;
    },
    expand: (s: string, varname: string | null | undefined) => {
      const v = d.expand(s, varname ?? null);
      recordExpand(s, varname ?? null, v);
      return crossing(v);
    },
    has: (name: string) => {
      const v = has(d, name);
      recordHas("has", name, v);
      return v;
    },
    hasOverrides: (name: string) => {
      const v = d.hasOverrides(name);
      recordHas("hasOverrides", name, v);
      return v;
    },
    inheritsClass: (klass: string) => {
      const v = inherits(d, klass);
      recordInherits(klass, v);
      return v;
    },
    // Lists cross as lines of text: cheaper than converting an array, and compared as one value.
    inherited: () => {
      const v = inheritedOf(d).join("\n");
      recordList("inherited", v);
      return v;
    },
    tasks: () => {
      const v = (owners.get(d)?.tasks ?? []).join("\n");
      recordList("tasks", v);
      return v;
    },
    setVar: writing((name: string, value: unknown, parsing: boolean) => d.setVar(name, text(value), { parsing, ...at(d) })),
    // An object Python set (a tuple, a dict…): its text for the datastore, the object kept for
    // Python reading it back. An argument's proxy ends with the call: a copy is kept.
    setVarObject: writing((name: string, value: string, object: { copy(): unknown }, parsing: boolean) =>
      d.setVarObject(name, value, object.copy(), { parsing, ...at(d) }),
    ),
    appendVar: writing((name: string, value: unknown) => d.appendVar(name, text(value) ?? "", at(d))),
    prependVar: writing((name: string, value: unknown) => d.prependVar(name, text(value) ?? "", at(d))),
    delVar: writing((name: string) => d.delVar(name, at(d))),
    renameVar: writing((from: string, to: string) => d.renameVar(from, to, at(d))),
    setVarFlag: writing((name: string, flag: string, value: unknown) => d.setVarFlag(name, flag, text(value), at(d))),
    appendVarFlag: writing((name: string, flag: string, value: unknown) => d.appendVarFlag(name, flag, text(value) ?? "", at(d))),
    prependVarFlag: writing((name: string, flag: string, value: unknown) => d.prependVarFlag(name, flag, text(value) ?? "", at(d))),
    delVarFlag: writing((name: string, flag: string) => d.delVarFlag(name, flag, at(d))),
    getVarFlags: writing((name: string, expand: unknown, internal: boolean) =>
      d.getVarFlags(name, Array.isArray(expand) ? expand : Boolean(expand), internal) ?? undefined,
    ),
    expandKeys: writing(() => d.expandKeys()),
    setVarFilter: writing((name: string, expression: string | null | undefined) => d.setVarFilter(name, expression ?? null)),
    // data_smart.overridedata as one string: a record per name, \x01-separated, each the name and
    // its linked variables and overrides, NUL-separated (see bake_bridge.DataSmart.overridedata).
    overrideDataVersion: writing(() => d.overrideDataVersion()),
    overrideData: writing(() =>
      crossing(
        d
          .overrideData()
          .map(([v, links]) => [v, ...links.flat()].join("\0"))
          .join("\x01"),
      ),
    ),
    // As one string, NUL-separated (no name holds a NUL), as bytes when long: see bake_bridge.DataSmart.keys.
    keys: writing(() => crossing(d.keys().join("\0"))),
    createCopy: writing(() => {
      const copy = d.createCopy();
      const owner = owners.get(d);
      if (owner) owners.set(copy, { ...owner, inherited: [...owner.inherited], tasks: [...owner.tasks] });
      return pythonFacade(copy);
    }),
    addTask: writing((task: string, before: string, after: string) => owners.get(d)?.addTask(task, before, after)),
    delTask: writing((task: string) => owners.get(d)?.delTask(task)),
  };
  facades.set(d, f);
  return f;
}
