// Which variables and functions a task's signature depends on, and the value each contributes.
//
// This follows BitBake (bb/data.py build_dependencies / generate_dependencies and
// generate_dependency_hash): each name gets its *direct* dependencies, computed once per
// recipe; a task's dependencies are the transitive closure of those from the task. A name's
// value for hashing is its unexpanded value after overrides and appends (so a dependency's own
// change is seen once, at that dependency), with summaries of contains() tests and removals.

import { BakeError } from "../common/errors.js";
import { analyzeJs, type CodeAnalysis } from "./js.js";
import { analyzePython } from "./python.js";
import { shellCommands } from "./shell/index.js";
import { memoizeByText } from "./code-cache.js";

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    "task-dependencies": DependencyError;
  }
}

// Function bodies are analysed once per process, however many recipes share them.
const analyzeJsBody = memoizeByText((code) => analyzeJs(code));
const analyzePythonBody = memoizeByText(analyzePython);

/** What expanding a text found, as BitBake's VariableParse reports it. */
export interface ExpansionRefs {
  /** The expanded text; unset references are left as `${NAME}`. */
  readonly value: string | null;
  /** Every `${NAME}` met while expanding, set or not, including those met in the values of others. */
  readonly references: ReadonlySet<string>;
  /** Functions called from `${@…}` expressions. */
  readonly execs: ReadonlySet<string>;
  /** `bb.utils.contains()`-style tests in `${@…}` expressions: variable → words tested. */
  readonly contains: ReadonlyMap<string, ReadonlySet<string>>;
}

/** A value as stored, with what its expansion found: BitBake's getVarFlag(…, retparser=True). */
export interface StoredValueRefs extends ExpansionRefs {
  /** The value after overrides, appends and prepends, not expanded; null when unset. */
  readonly unexpanded: string | null;
  /**
   * The unexpanded text of each active `:remove` that removed at least one word of the
   * expanded value (which `value` shows removed): BitBake's `parser.removes`.
   */
  readonly removes: ReadonlySet<string>;
}

/** The datastore as dependency analysis reads it (lib/data's DataStore implements it). */
export interface DependencySource {
  /** With expand=false: the value after overrides, appends and prepends, not expanded, before removals. */
  getVar(name: string, expand: boolean): string | null;
  getVarFlag(name: string, flag: string, expand: boolean): string | null;
  /** The variable's flags (not internal ones), unexpanded; null when it has none. */
  getVarFlags(name: string): Readonly<Record<string, string>> | null;
  /** Expand a text; varname names it in errors (null for a free text). Throws on expansion errors. */
  expandWithRefs(text: string, varname: string | null): ExpansionRefs;
  /** A variable's value (flag "_content") or a flag's, unexpanded, with its expansion's findings. */
  getVarFlagWithRefs(name: string, flag: string): StoredValueRefs;
  /** Object.keys(getVarFlags(name) ?? {}) without the values; a source without it is asked getVarFlags. */
  flagNames?(name: string): readonly string[];
  /** Every variable name, including those that only have flags (e.g. `export NAME` alone). */
  keys(): Iterable<string>;
  /** Whether NAME is one of keys(); a source without it is asked for keys() once per analysis. */
  hasKey?(name: string): boolean;
  /** Whether NAME has FLAG set (or a weak default for it): getVarFlag would not return null unset. */
  hasFlag(name: string, flag: string): boolean;
  /** Every name that was ever given an `export` or `unexport` flag (a superset of the exported ones). */
  exportFlagged(): Iterable<string>;
  /** An independent copy, and setting a variable in it: where BB_HASH_CODEPARSER_VALS are set. */
  createCopy(): DependencySource;
  setVar(name: string, value: string): void;
}

export interface TaskDependencies {
  readonly task: string;
  /** The task's own value for hashing (its code, with contains/remove summaries). */
  readonly code: string | null;
  /** Every dependency, sorted (code-point order), the task itself only when reached again. */
  readonly deps: readonly string[];
  /** For each dependency, in the order of `deps`: its value for hashing; null when it has none. */
  readonly values: ReadonlyMap<string, string | null>;
  /** Direct dependencies (sorted) of the task and of each dependency: what `diffsigs` compares. */
  readonly direct: ReadonlyMap<string, readonly string[]>;
  /** The value for hashing of one of `deps` (what `values` holds, without building the map). */
  valueOf(name: string): string | null;
  /**
   * The same object for every task of one taskDependencies() call, in which a name has one value
   * for all tasks: what per-name work done for one task (basehash.ts) is kept under for the next.
   */
  readonly scope: object;
}

export class DependencyError extends BakeError {
  readonly kind = "task-dependencies" as const;
  constructor(
    /** The variable or function whose dependencies were being computed. */
    readonly variable: string,
    override readonly cause: unknown,
  ) {
    super(`while computing the dependencies of ${variable}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "DependencyError";
  }
}

interface DirectDeps {
  /**
   * The exported variables a shell function depends on, first (null for other names): the same
   * hundred-odd names for every shell function of a recipe, so kept as one list rather than
   * added to each function's set.
   */
  readonly exported?: readonly string[] | null;
  /** The other dependencies, in the order found; those also in `exported` count there. */
  readonly deps: ReadonlySet<string>;
  readonly value: string | null;
}

/** BB_HASH_CODEPARSER_VALS's NAME=VALUE words; null when there are none. */
function codeparserValues(text: string | null): ReadonlyMap<string, string> | null {
  const values = new Map<string, string>();
  for (const word of words(text)) {
    const eq = word.indexOf("=");
    if (eq <= 0) throw new DependencyError("BB_HASH_CODEPARSER_VALS", new Error(`"${word}" is not NAME=VALUE`));
    values.set(word.slice(0, eq), word.slice(eq + 1));
  }
  return values.size > 0 ? values : null;
}

/** Flags BitBake reads expanded when computing a name's dependencies. */
const EXPANDED_FLAGS = ["vardeps", "vardepvalue", "vardepsexclude", "exports", "postfuncs", "prefuncs"] as const;

/**
 * Compute the dependencies of each of `tasks` (names such as `do_compile`) of one recipe's
 * datastore. Direct dependencies are computed once and shared between tasks.
 *
 * A recipe's tasks share most of their dependencies (every shell task reaches every exported
 * variable), so names are numbered, closures are walked over numbers, and the names are put in
 * code-point order once for all tasks rather than sorted again for each; the per-task maps of
 * values and direct dependencies (for signature data) are built only when asked for.
 */
export function taskDependencies(source: DependencySource, tasks: readonly string[]): Map<string, TaskDependencies> {
  const analysis = new RecipeAnalysis(source);
  const closures = tasks.map((task) => analysis.closure(task));
  const order = analysis.ranks();
  const result = new Map<string, TaskDependencies>();
  tasks.forEach((task, i) => result.set(task, analysis.result(task, closures[i]!, order)));
  return result;
}

/** The code-point order of the names met in one recipe's analysis, by id (see ranks()). */
interface NameOrder {
  readonly rank: Int32Array;
  readonly at: Int32Array;
  /** Scratch for inOrder, all zero between calls. */
  readonly marks: Uint8Array;
}

/**
 * `ids` in code-point order of their names. Ranks are a permutation of the ids, so marking the
 * members' ranks and reading the marks back sorts in time linear in the names met: a closure holds
 * a few hundred names and a recipe's tasks each have one, and a sort calling a comparator from
 * script for each was a tenth of signature analysis.
 */
function inOrder(ids: number[], order: NameOrder): number[] {
  const { rank, at, marks } = order;
  let lowest = marks.length;
  let highest = -1;
  for (const id of ids) {
    const r = rank[id]!;
    marks[r] = 1;
    if (r < lowest) lowest = r;
    if (r > highest) highest = r;
  }
  const out: number[] = [];
  for (let r = lowest; r <= highest; r++) {
    if (marks[r] === 1) {
      marks[r] = 0;
      out.push(at[r]!);
    }
  }
  return out;
}

class RecipeAnalysis {
  /** Whether a name is a variable (not `__`-prefixed): what a call must name to be a dependency. */
  private readonly isKey: (name: string) => boolean;
  private readonly ignored: ReadonlySet<string>;
  private readonly exported: ReadonlySet<string>;
  /** The exported names not in BB_BASEHASH_IGNORE_VARS, in the order of `exported`. */
  private readonly exportedKept: readonly string[];
  /** Their ids, once asked for. */
  private exportedKeptIds: readonly number[] | null = null;
  private readonly flagsExcluded: readonly string[] | null;
  /** NAME → VALUE of BB_HASH_CODEPARSER_VALS; null when it sets none. */
  private readonly codeparserValues: ReadonlyMap<string, string> | null;
  private codeparserSource: DependencySource | null = null;
  private readonly direct = new Map<string, DirectDeps>();
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly directIds: number[][] = [];
  /** visited[id] === walk: the name was reached by the walk under way. */
  private readonly visited: number[] = [];
  private walk = 0;

  constructor(private readonly source: DependencySource) {
    if (source.hasKey) {
      const has = source.hasKey.bind(source);
      this.isKey = (k) => !k.startsWith("__") && has(k);
    } else {
      const keys = new Set([...source.keys()].filter((k) => !k.startsWith("__")));
      this.isKey = (k) => keys.has(k);
    }
    this.ignored = new Set(words(source.getVar("BB_BASEHASH_IGNORE_VARS", true)));
    // Every exported variable is in the environment of every shell function, set or not. Only
    // names that were ever flagged can be: the others are not asked about their flags.
    this.exported = new Set(
      [...source.exportFlagged()].filter(
        (k) =>
          this.isKey(k) &&
          toBoolean(source.getVarFlag(k, "export", true), k, "export") &&
          !toBoolean(source.getVarFlag(k, "unexport", true), k, "unexport"),
      ),
    );
    this.exportedKept = [...this.exported].filter((k) => !this.ignored.has(k));
    const excl = words(source.getVar("BB_SIGNATURE_EXCLUDE_FLAGS", true));
    this.flagsExcluded = excl.length > 0 ? excl : null;
    this.codeparserValues = codeparserValues(source.getVar("BB_HASH_CODEPARSER_VALS", true));
  }

  /**
   * What a shell function's code is expanded in to find its references and commands: the recipe
   * with BB_HASH_CODEPARSER_VALS set, as BitBake's generate_dependencies does. oe-core sets
   * WORKDIR, T, PN… there so that a reference made of a path (`${OPENSSL_CONF:-${libdir}/…}`, one
   * name once `${libdir}` is expanded) is the same in every build directory: otherwise the
   * basehash, and shared state, would depend on where the build directory is.
   */
  private codeSource(): DependencySource {
    if (this.codeparserValues === null) return this.source;
    if (this.codeparserSource === null) {
      const copy = this.source.createCopy();
      for (const [name, value] of this.codeparserValues) copy.setVar(name, value);
      this.codeparserSource = copy;
    }
    return this.codeparserSource;
  }

  private idOf(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.ids.set(name, id);
    }
    return id;
  }

  private directIdsOf(id: number): number[] {
    let d = this.directIds[id];
    if (d === undefined) {
      const direct = this.directOf(this.names[id]!);
      if (direct.exported) {
        if (direct.exported === this.exportedKept) {
          this.exportedKeptIds ??= this.exportedKept.map((name) => this.idOf(name));
          d = [...this.exportedKeptIds];
        } else {
          d = direct.exported.map((name) => this.idOf(name));
        }
        for (const name of direct.deps) if (!this.exported.has(name)) d.push(this.idOf(name));
      } else {
        d = [];
        for (const name of direct.deps) d.push(this.idOf(name));
      }
      this.directIds[id] = d;
    }
    return d;
  }

  /** Everything `task` reaches, breadth first (the order names are analysed in); the task itself only when reached again. */
  closure(task: string): number[] {
    const walk = ++this.walk;
    const out: number[] = [];
    let frontier = this.directIdsOf(this.idOf(task));
    while (frontier.length > 0) {
      const next: number[] = [];
      for (const dep of frontier) {
        if (this.visited[dep] === walk) continue;
        this.visited[dep] = walk;
        out.push(dep);
        for (const d of this.directIdsOf(dep)) if (this.visited[d] !== walk) next.push(d);
      }
      frontier = next;
    }
    return out;
  }

  /** Each name's position in the code-point order of every name met, and the name (id) at each position. */
  ranks(): NameOrder {
    const sorted = sortCodePoints([...this.names]);
    const rank = new Int32Array(this.names.length);
    const at = new Int32Array(this.names.length);
    sorted.forEach((name, position) => {
      const id = this.ids.get(name)!;
      rank[id] = position;
      at[position] = id;
    });
    return { rank, at, marks: new Uint8Array(this.names.length) };
  }

  result(task: string, closure: number[], order: NameOrder): TaskDependencies {
    const rank = order.rank;
    const byRank = (a: number, b: number) => rank[a]! - rank[b]!;
    const names = this.names;
    const sorted = inOrder(closure, order);
    const deps = sorted.map((id) => names[id]!);
    const analysis = this.direct;
    const directNames = (id: number) => [...this.directIdsOf(id)].sort(byRank).map((d) => names[d]!);
    const taskId = this.ids.get(task)!;
    let values: Map<string, string | null> | null = null;
    let direct: Map<string, readonly string[]> | null = null;
    return {
      task,
      code: analysis.get(task)!.value,
      deps,
      get values() {
        values ??= new Map(deps.map((dep) => [dep, analysis.get(dep)!.value]));
        return values;
      },
      get direct() {
        if (direct === null) {
          direct = new Map([[task, directNames(taskId)]]);
          for (const id of sorted) direct.set(names[id]!, directNames(id));
        }
        return direct;
      },
      valueOf: (name) => analysis.get(name)?.value ?? null,
      scope: analysis,
    };
  }

  private directOf(name: string): DirectDeps {
    let d = this.direct.get(name);
    if (!d) {
      try {
        d = name.endsWith("]") ? this.flagDeps(name) : this.varDeps(name);
      } catch (e) {
        if (e instanceof DependencyError) throw e;
        throw new DependencyError(name, e);
      }
      this.direct.set(name, d);
    }
    return d;
  }

  /** A `NAME[flag]` dependency, as named by `d.getVarFlag('NAME', 'flag')` or by exclude-flags. */
  private flagDeps(key: string): DirectDeps {
    const open = key.indexOf("[");
    const name = key.slice(0, open);
    const flag = key.slice(open + 1, -1);
    if (flag === "vardepvalueexclude") return { deps: new Set(), value: "" };
    const stored = this.source.getVarFlagWithRefs(name, flag);
    const deps = new Set(stored.references);
    this.addExecs(deps, stored.execs);
    for (const i of this.ignored) deps.delete(i);
    return { deps, value: stored.unexpanded };
  }

  private varDeps(key: string): DirectDeps {
    const src = this.source;
    // Most names have none of these flags: asking whether they are set spares expanding lookups.
    const flag = (f: (typeof EXPANDED_FLAGS)[number]): string | null => (src.hasFlag(key, f) ? src.getVarFlag(key, f, true) : null);
    const raw = (f: string): string | null => (src.hasFlag(key, f) ? src.getVarFlag(key, f, false) : null);
    const vardeps = flag("vardeps");
    const exclusions = words(flag("vardepsexclude"));
    const vardepvalue = flag("vardepvalue");
    const deps = new Set<string>();
    let withExported = false;
    let value: string | null;

    if (vardepvalue !== null) {
      value = vardepvalue;
    } else if (raw("func")) {
      const isJs = Boolean(raw("js"));
      const isShell = !isJs && !raw("python");
      const stored = (isShell ? this.codeSource() : src).getVarFlagWithRefs(key, "_content");
      const code = stored.unexpanded;
      if (!isShell) {
        // Code that is not shell is not expanded when it runs, so its ${} are not references.
        const analysis: CodeAnalysis = isJs ? analyzeJsBody(code ?? "") : analyzePythonBody(code ?? "");
        for (const r of analysis.references) deps.add(r);
        this.addExecs(deps, analysis.execs);
        value = this.withContains(code, analysis.contains, exclusions);
      } else {
        // Commands are those of the body as it will run: expanded, removals applied.
        const commands = shellCommands(stored.value ?? "");
        // Every exported variable comes first, as if added here (see DirectDeps.exported).
        withExported = true;
        for (const r of stored.references) deps.add(r);
        this.addExecs(deps, commands);
        this.addExecs(deps, stored.execs);
        value = this.withContains(code, stored.contains, exclusions);
        value = this.withRemoves(value, deps, stored.removes, exclusions);
      }
      for (const f of ["prefuncs", "postfuncs", "exports"] as const) for (const w of words(flag(f))) deps.add(w);
    } else {
      const stored = src.getVarFlagWithRefs(key, "_content");
      for (const r of stored.references) deps.add(r);
      this.addExecs(deps, stored.execs);
      value = this.withContains(stored.unexpanded, stored.contains, exclusions);
      value = this.withRemoves(value, deps, stored.removes, exclusions);
    }

    const valueExclude = raw("vardepvalueexclude");
    if (valueExclude !== null && value !== null) {
      for (const excl of valueExclude.split("|")) if (excl) value = value.split(excl).join("");
    }

    if (this.flagsExcluded) {
      for (const f of src.flagNames ? src.flagNames(key) : Object.keys(src.getVarFlags(key) ?? {})) {
        if (!this.flagsExcluded.includes(f)) deps.add(`${key}[${f}]`);
      }
    }

    for (const w of words(vardeps)) deps.add(w);
    // Deleted in place: the order of what remains is the order it was found in, as before.
    for (const d of deps) if (exclusions.includes(d) || this.ignored.has(d)) deps.delete(d);
    if (!withExported) return { deps, value };
    const exported = exclusions.some((e) => this.exported.has(e)) ? this.exportedKept.filter((e) => !exclusions.includes(e)) : this.exportedKept;
    return { exported, deps, value };
  }

  private addExecs(deps: Set<string>, execs: Iterable<string>): void {
    for (const e of execs) if (this.isKey(e)) deps.add(e);
  }

  /**
   * Append to a value the outcome of each contains() test on it, so that the hash moves when a
   * test's outcome does, but not when unrelated words of the tested variable change.
   */
  private withContains(
    value: string | null,
    contains: ReadonlyMap<string, ReadonlySet<string>>,
    exclusions: readonly string[],
  ): string {
    const out: string[] = value ? [value] : [];
    for (const name of sortCodePoints([...contains.keys()])) {
      if (exclusions.includes(name) || this.ignored.has(name)) continue;
      const present = new Set(words(this.source.getVar(name, true)));
      for (const item of sortCodePoints([...contains.get(name)!])) {
        const set = words(item).every((w) => present.has(w));
        out.push(`\n${name}{${item}} = ${set ? "Set" : "Unset"}`);
      }
    }
    return out.join("");
  }

  private withRemoves(value: string, deps: Set<string>, removes: ReadonlySet<string>, exclusions: readonly string[]): string {
    let first = true;
    for (const r of sortCodePoints([...removes])) {
      const refs = this.source.expandWithRefs(r, null);
      value += `\n_remove of ${r}`;
      // BitBake quirk (bb/data.py handle_remove): only the first removal's references reach the
      // variable's dependencies, and never its calls; later removals count by their text alone.
      if (first) for (const ref of refs.references) deps.add(ref);
      first = false;
      value = this.withContains(value, refs.contains, exclusions);
    }
    return value;
  }
}

function words(text: string | null): string[] {
  return text ? text.split(/\s+/).filter(Boolean) : [];
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Sorts in place as Python's sorted() does on str (by code point), so orders match BitBake's.
 * Without surrogate pairs, code point order is UTF-16 order: the engine's own sort, several
 * times faster than a comparator called from script.
 */
export function sortCodePoints(list: string[]): string[] {
  let sorted = true;
  for (let i = 0; i < list.length; i++) {
    if (SURROGATE.test(list[i]!)) return list.sort(compareCodePoints);
    if (i > 0 && list[i - 1]! > list[i]!) sorted = false;
  }
  return sorted ? list : list.sort();
}

/** Comparing as Python's sorted() does on str (by code point), so orders match BitBake's. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate starts a character above U+FFFF: after every other, whatever its code unit.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** bb.utils.to_boolean: unset or empty is false; anything but the usual spellings is an error. */
function toBoolean(value: string | null, name: string, flag: string): boolean {
  if (!value) return false;
  const v = value.toLowerCase();
  if (["yes", "y", "true", "t", "1"].includes(v)) return true;
  if (["no", "n", "false", "f", "0"].includes(v)) return false;
  throw new DependencyError(name, new Error(`invalid boolean value '${value}' in ${name}[${flag}]`));
}
