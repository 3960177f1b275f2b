// The datastore: BitBake's DataSmart semantics (data_smart.py) over copy-on-write layers.
//
// A variable is a record of flags. The value is the `_content` flag; `??=` writes
// `_defaultval` (or `_defaultval_flag_X` for a flag); `:append`, `:prepend` and
// `:remove` are lists of [text, override] kept as flags of the base name and applied
// when the value is read. `NAME:ovr` is a variable of its own, linked to NAME and chosen at read
// time when `ovr` is active in OVERRIDES (overrides.ts). Operations are recorded in history.ts.

import { ExpansionError, type HistoryLoc } from "./errors.js";
import { expandWithRefs, VarParse, type ExpansionHost, type ExpansionRefs, type FlagValue, type OpList, type VarRefs } from "./expansion.js";
import { JsDataFacade } from "./facade.js";
import { logInfo, VariableHistory, type HistoryEntry, type HistorySnapshot, type LogInfo } from "./history.js";
import type { Attachment } from "./attachment.js";
import { carryInheritedClasses } from "./inherited.js";
import { applyVarFilter, type InlineLanguage } from "./inline-engines.js";
import { LayeredMap } from "./layered-map.js";
import { Overrides, type OverridesSnapshot } from "./overrides.js";
import { hasOwnFlag, OP_FLAGS, OPERATION_NAME, ownValue, refuseOldSyntax, removeWords, renamedTo, visibleFlagNames, visibleFlags, withAppendsAndPrepends, type VarRecord } from "./record.js";
import { splitWords } from "./bb-api.js";

/** Where an operation comes from, and how history should describe it. */
export interface SetOptions extends Partial<HistoryLoc> {
  /** BitBake's function that made the operation, `file` and `line` being in BitBake (see HistoryEntry). */
  func?: string;
  /** With `func`: the metadata statement that made BitBake's code run, where an error names it. */
  origin?: { readonly file: string; readonly line: number };
  op?: string;
  detail?: string;
  /**
   * BitBake's setVar(parsing=True), the default here: pending :append/:prepend/:remove
   * and active NAME:ovr values survive. Metadata code (`d.setVar` in js) uses false, which
   * drops them, as Python's d.setVar does.
   */
  parsing?: boolean;
}

// Where BitBake 2.19's history places the renames of key expansion: bb.data.expandKeys, and the
// renameVar of each NAME:override it moves along.
const BITBAKE_EXPAND_KEYS: SetOptions = { file: "data.py", line: 97, func: "expandKeys" };
const BITBAKE_RENAME_VAR: SetOptions = { file: "data_smart.py", line: 701, func: "renameVar" };

export interface DataMessage {
  readonly level: "warn" | "error";
  readonly text: string;
  readonly file?: string;
  readonly line?: number;
}

/** A datastore as a configuration snapshot keeps it; its history is kept apart (only -e and getvar read it). */
export interface DataSnapshot {
  readonly inlineLanguage: InlineLanguage;
  readonly filters: ReadonlyMap<string, string> | null;
  readonly vars: ReadonlyMap<string, ReadonlyMap<string, FlagValue>>;
  readonly overrides: OverridesSnapshot;
  readonly exportFlagged: readonly string[];
}

interface LookupOptions {
  readonly expand: boolean;
  readonly noweakdefault?: boolean;
  readonly parsing?: boolean;
  readonly retparser?: boolean;
}

// The options of the common lookups, made once: a lookup is the datastore's hottest call, and an
// options object per call was garbage for every one.
const EXPANDED: LookupOptions = { expand: true };
const RAW: LookupOptions = { expand: false };
const WITH_PARSER: LookupOptions = { expand: false, retparser: true };

const VALUE_FLAGS = ["_content", "_defaultval", ":append", ":prepend", ":remove"] as const;

function holdsInlineCode(rec: VarRecord): boolean {
  for (const flag of VALUE_FLAGS) {
    const v = rec.get(flag);
    if (typeof v === "string") {
      if (v.includes("${@")) return true;
    } else if (v) {
      for (const [text] of v) if (text?.includes("${@")) return true;
    }
  }
  return false;
}

export class DataStore {
  /** What Attachments keep beside this datastore, made on the first. */
  attachments: Map<Attachment<unknown>, unknown> | null = null;
  private vars: LayeredMap<VarRecord>;
  private overrides: Overrides;
  private historyLog: VariableHistory;
  private exportList: LayeredMap<true>;
  private expandCache = new Map<string, VarParse>();
  // Cache names whose (expanding) lookup is under way: meeting one again is a cycle that
  // would recurse forever (BitBake gets a RecursionError there).
  private inProgress = new Set<string>();
  private jsFacade: JsDataFacade | undefined;
  private expansionHost: ExpansionHost | undefined;
  /** Warnings and errors BitBake would log while evaluating (renamed variables, key clashes…). */
  readonly messages: DataMessage[] = [];
  /** The language of `${@...}` that names none (`${@js ...}`, `${@python ...}`). */
  inlineLanguage: InlineLanguage = "js";
  // Variable filters (setVarFilter): an expression applied to the expanded value; rare, so null until one is set.
  private filters: Map<string, string> | null = null;

  /**
   * Values metadata code set as objects (BitBake keeps any Python object in a variable; oe-core
   * keeps a tuple in __CACHED_SOURCE_DATE_EPOCH): the variable holds their text, and code reading
   * it gets the object back while that text is still its value (see objectOf).
   */
  private objects: Map<string, { readonly text: string; readonly value: unknown }> | null = null;

  constructor(parent?: DataStore) {
    if (parent) {
      carryInheritedClasses(parent, this);
      this.objects = parent.objects === null ? null : new Map(parent.objects);
      this.inlineLanguage = parent.inlineLanguage;
      this.filters = parent.filters === null ? null : new Map(parent.filters);
      this.vars = parent.vars.fork();
      this.overrides = parent.overrides.fork();
      this.historyLog = parent.historyLog.fork();
      this.exportList = parent.exportList.fork();
    } else {
      this.vars = new LayeredMap();
      this.overrides = new Overrides();
      this.historyLog = new VariableHistory();
      this.exportList = new LayeredMap();
    }
  }

  /** An independent copy, cheap: both share every existing entry until one of them changes it. */
  createCopy(): DataStore {
    return new DataStore(this);
  }

  /** The variables, flags, override links and export list, as plain maps (see historySnapshot for the history). */
  snapshot(): DataSnapshot {
    return {
      inlineLanguage: this.inlineLanguage,
      filters: this.filters,
      vars: this.vars.flatten(),
      overrides: this.overrides.snapshot(),
      exportFlagged: this.exportFlagged(),
    };
  }

  historySnapshot(): HistorySnapshot {
    return this.historyLog.snapshot();
  }

  /**
   * A datastore holding a snapshot's data; `history` reads the snapshot's history when it is
   * first needed; `record` says whether operations from now on are recorded in full.
   */
  static restore(s: DataSnapshot, history: () => HistorySnapshot, record: boolean): DataStore {
    const d = new DataStore();
    d.inlineLanguage = s.inlineLanguage;
    d.filters = s.filters === null ? null : new Map(s.filters);
    d.vars = LayeredMap.frozen(s.vars as ReadonlyMap<string, VarRecord>);
    d.overrides = new Overrides(s.overrides);
    d.historyLog = new VariableHistory(history, record);
    d.exportList = LayeredMap.frozen(new Map(s.exportFlagged.map((k) => [k, true as const])));
    return d;
  }

  /** Whether operations are recorded in the history (`-e`, getvar), not only where each was last made. */
  get tracking(): boolean {
    return this.historyLog.enabled;
  }

  /** History recording (on by default); bulk parsing may turn it off. */
  enableTracking(): void {
    this.historyLog.enabled = true;
  }
  disableTracking(): void {
    this.historyLog.enabled = false;
  }

  // ---------------------------------------------------------------- reading

  getVar(name: string, expand: boolean = true): string | null {
    return asText(this.lookup(name, "_content", expand ? EXPANDED : RAW).value);
  }

  getVarFlag(name: string, flag: string, expand: boolean = true): string | null {
    if (!flag) return null;
    return asText(this.lookup(name, flag, expand ? EXPANDED : RAW).value);
  }

  /** Set NAME to an object's text, keeping the object for code that reads NAME (objectOf). */
  setVarObject(name: string, text: string, value: unknown, opts: SetOptions = {}): void {
    this.setVar(name, text, opts);
    (this.objects ??= new Map()).set(name, { text, value });
  }

  /** The object set into NAME, if `value` (what NAME reads as now) is still its text. */
  objectOf(name: string, value: string | null): unknown {
    if (this.objects === null || value === null) return undefined;
    const o = this.objects.get(name);
    return o !== undefined && o.text === value ? o.value : undefined;
  }

  /** The raw value with BitBake's `noweakdefault`/`parsing` switches (what `?=` and `+=` read). */
  getVarRaw(name: string, flag: string | null, opts: { noweakdefault?: boolean; parsing?: boolean } = {}): string | null {
    return asText(this.lookup(name, flag ?? "_content", { expand: false, ...opts }).value);
  }

  /**
   * The flags of a variable (internal ones — `_content`, `_defaultval…`, `:append`… — left
   * out, weak flag defaults shown under their own name); `expand` true expands them all,
   * a list expands those flags only.
   */
  getVarFlags(name: string, expand: boolean | readonly string[] = false, internalflags = false): Record<string, string> | null {
    const local = this.vars.get(name);
    if (!local) return null;
    const flags: Record<string, string> = {};
    let any = false;
    for (const [k, text] of visibleFlags(local, internalflags)) {
      const expanding = expand === true || (Array.isArray(expand) && expand.includes(k));
      flags[k] = expanding ? (asText(this.expandWithRefsInternal(text, `${name}[${k}]`).value) ?? "") : (text ?? "");
      any = true;
    }
    return any ? flags : null;
  }

  /** The names getVarFlags(name) would give (Object.keys order), without the values. */
  flagNames(name: string): string[] {
    const local = this.vars.get(name);
    return local ? visibleFlagNames(local) : [];
  }

  /** Expand `${}` and `${@}` in a text. Throws ExpansionError. */
  expand(text: string, varname: string | null = null): string {
    return asText(this.expandWithRefsInternal(text, varname).value) ?? "";
  }

  /** Expand and report what the text depends on (data_smart.expandWithRefs). */
  expandWithRefs(text: string, varname: string | null = null): ExpansionRefs {
    const vp = this.expandWithRefsInternal(text, varname);
    return { value: asText(vp.value) ?? "", references: vp.references, execs: vp.execs, contains: vp.contains };
  }

  /**
   * A variable's (or flag's) unexpanded value and the analysis of its expansion, the
   * pair BitBake's signature code gets from getVarFlag(key, flag, False, retparser=True).
   */
  getVarFlagWithRefs(name: string, flag: string = "_content"): VarRefs {
    const { value, parser } = this.lookup(name, flag, WITH_PARSER);
    const vp = parser!;
    return {
      unexpanded: asText(value),
      value: asText(vp.value) ?? "",
      references: vp.references,
      execs: vp.execs,
      contains: vp.contains,
      removes: vp.removes ?? NO_REMOVES,
    };
  }

  /**
   * Names of the variables, as BitBake's d.keys(): every name with a value or a flag,
   * plus names that only have an active `NAME:ovr`. Includes `__`-prefixed names.
   */
  keys(): string[] {
    const out = new Set<string>();
    for (const [k, rec] of this.vars.entries()) if (rec.size > 0) out.add(k);
    this.needOverrides();
    for (const [v, links] of this.overrides.links.entries()) {
      if (out.has(v)) continue;
      if (links.some(([, o]) => this.overrides.isActive(o))) out.add(v);
    }
    return [...out];
  }

  /**
   * Names whose value, a default, an append, prepend or remove holds inline code (`${@`): the
   * names whose expansion may run it (inline code a value only gets from another's expansion is
   * that other's). Cheap for a recipe: the configuration's are found once.
   */
  namesWithInlineCode(): string[] {
    return this.vars.keysWhere(holdsInlineCode);
  }

  /**
   * Whether NAME is one of keys(), without listing them all: signature analysis asks this of
   * each name a function calls, and listing the configuration's thousands of names for every
   * recipe cost more than the analysis it served.
   */
  hasKey(name: string): boolean {
    const rec = this.vars.get(name);
    if (rec !== undefined && rec.size > 0) return true;
    const links = this.overrides.links.get(name);
    if (links === undefined) return false;
    this.needOverrides();
    return links.some(([, o]) => this.overrides.isActive(o));
  }

  /** Names flagged `export` or `unexport` (or given a weak default for those flags) at some point. */
  exportFlagged(): string[] {
    return [...this.exportList.entries()].map(([k]) => k);
  }

  /** Whether NAME has FLAG, or a weak default for it (`NAME[flag] ??= …`): getVarFlag's value is then not null-for-unset. */
  hasFlag(name: string, flag: string): boolean {
    const rec = this.vars.get(name);
    return rec !== undefined && hasOwnFlag(rec, flag);
  }

  /** Whether any variable has a filter (setVarFilter). */
  hasVarFilters(): boolean {
    return this.filters !== null && this.filters.size > 0;
  }

  /** data_smart.setVarFilter: `expression` (Python, with `val`) rewrites NAME's expanded value; null removes it. */
  setVarFilter(name: string, expression: string | null): void {
    this.filters ??= new Map();
    if (expression) this.filters.set(name, expression);
    else this.filters.delete(name);
    this.clearCache();
  }

  /**
   * data_smart's overridedata: for each NAME, the `NAME:ovr` variables linked to it with their
   * override (`[["NAME:a", "a"], ["NAME:a:b", "a:b"]…]`), active or not. A layer's RecipeParsed
   * handler walks it (meta-freescale's machine-overrides-extender.bbclass).
   */
  /** A number that changes whenever overrideData() may (a copy starts from its origin's). */
  overrideDataVersion(): number {
    return this.overrides.version;
  }

  overrideData(): [string, readonly (readonly [string, string])[]][] {
    const out: [string, readonly (readonly [string, string])[]][] = [];
    for (const [v, links] of this.overrides.links.entries()) out.push([v, links]);
    return out;
  }

  /** Whether NAME has active overrides linked (data_smart.hasOverrides). */
  hasOverrides(name: string): boolean {
    return this.overrides.links.has(name);
  }

  /** The active overrides, in OVERRIDES order (computing them if needed). */
  activeOverrides(): readonly string[] {
    this.needOverrides();
    return this.overrides.current ?? [];
  }

  // ---------------------------------------------------------------- writing

  setVar(name: string, value: string | null, opts: SetOptions = {}): void {
    this.setVarInternal(name, value, logInfo(name, opts), opts.parsing ?? true);
  }

  setVarFlag(name: string, flag: string, value: string | null, opts: SetOptions = {}): void {
    this.setVarFlagInternal(name, flag, value, logInfo(name, opts));
  }

  delVar(name: string, opts: SetOptions = {}): void {
    this.delVarInternal(name, logInfo(name, opts));
  }

  delVarFlag(name: string, flag: string, opts: SetOptions = {}): void {
    this.clearCache();
    const local = this.vars.get(name);
    if (!local || local.size === 0 || !local.has(flag)) return;
    const rec = this.ownRecord(name);
    this.historyLog.record(name, { ...logInfo(name, opts), op: "delFlag", detail: "" }, flag);
    rec.delete(flag);
    rec.delete("_defaultval_flag_" + flag);
  }

  /** BitBake's appendVar: a deferred `NAME:append`. */
  appendVar(name: string, value: string, opts: SetOptions = {}): void {
    this.historyLog.record(name, { ...logInfo(name, opts), op: "append", detail: value });
    this.setVarInternal(name + ":append", value, null, true);
  }

  /** BitBake's prependVar: a deferred `NAME:prepend`. */
  prependVar(name: string, value: string, opts: SetOptions = {}): void {
    this.historyLog.record(name, { ...logInfo(name, opts), op: "prepend", detail: value });
    this.setVarInternal(name + ":prepend", value, null, true);
  }

  /** Immediate append to a flag's raw value (BitBake's appendVarFlag). */
  appendVarFlag(name: string, flag: string, value: string, opts: SetOptions = {}): void {
    this.historyLog.record(name, { ...logInfo(name, opts), op: "append", detail: value }, flag);
    const old = asText(this.lookup(name, flag, { expand: false }).value) ?? "";
    this.setVarFlagInternal(name, flag, old + value, null);
  }

  prependVarFlag(name: string, flag: string, value: string, opts: SetOptions = {}): void {
    this.historyLog.record(name, { ...logInfo(name, opts), op: "prepend", detail: value }, flag);
    const old = asText(this.lookup(name, flag, { expand: false }).value) ?? "";
    this.setVarFlagInternal(name, flag, value + old, null);
  }

  /** Move a variable (value, pending :append/:prepend/:remove, linked NAME:ovr) to a new name. */
  renameVar(from: string, to: string, opts: SetOptions = {}): void {
    if (from === to) {
      this.messages.push({ level: "warn", text: `Calling renameVar with equivalent keys (${from}) is invalid` });
      return;
    }
    const info = logInfo(from, opts);
    let found = false;
    const val = this.lookup(from, "_content", { expand: false, parsing: true }).value;
    if (val !== null && val !== undefined) {
      this.historyLog.copy(from, to);
      this.historyLog.record(to, { ...info, variable: to, op: `rename from ${from}`, detail: asText(val) ?? "" });
      this.setVarInternal(to, asText(val), null, true);
      found = true;
    }
    const src = this.vars.get(from);
    if (src) {
      for (const kw of OP_FLAGS) {
        const list = src.get(kw);
        if (!Array.isArray(list)) continue;
        const dest = this.vars.get(to)?.get(kw);
        this.setVarFlagInternal(to, kw, [...(Array.isArray(dest) ? (dest as OpList) : []), ...(list as OpList)], null);
        found = true;
      }
    }
    const links = this.overrides.links.get(from);
    if (links) {
      found = true;
      const moved = links.map(([v, o]) => [v.replaceAll(from, to), o] as const);
      this.overrides.links.set(to, moved);
      this.overrides.version++;
      for (const [v] of links) this.renameVar(v, v.replaceAll(from, to), BITBAKE_RENAME_VAR);
    }
    if (!found) return;
    if (to.includes(":") && val === null) this.overrides.link(to);
    this.historyLog.record(from, { ...info, op: "rename (to)", detail: to });
    this.delVarInternal(from, null);
  }

  /**
   * Finalisation's key expansion (bb.data.expandKeys): every name holding `${` is expanded
   * and the variable renamed, in sorted order of the unexpanded names.
   */
  expandKeys(readFrom: DataStore = this): void {
    const todo = new Map<string, string>();
    for (const key of this.vars.keysContaining("${")) {
      if ((this.vars.get(key)?.size ?? 0) === 0) continue;
      const ekey = readFrom.expand(key);
      if (ekey !== key) todo.set(key, ekey);
    }
    for (const [key, links] of this.overrides.links.entries()) {
      if (!key.includes("${") || todo.has(key) || this.vars.get(key)?.size) continue;
      this.needOverrides();
      if (!links.some(([, o]) => this.overrides.isActive(o))) continue;
      const ekey = readFrom.expand(key);
      if (ekey !== key) todo.set(key, ekey);
    }
    for (const key of [...todo.keys()].sort(codePointOrder)) {
      const ekey = todo.get(key)!;
      const newval = this.getVar(ekey, false);
      if (newval !== null) {
        const val = this.getVar(key, false);
        if (val !== null) this.messages.push({ level: "warn", text: `Variable key ${key} (${val}) replaces original key ${ekey} (${newval}).` });
      }
      this.renameVar(key, ekey, BITBAKE_EXPAND_KEYS);
    }
  }

  // ---------------------------------------------------------------- history

  /**
   * Every recorded operation on NAME: its own (values and flags), then — as bitbake -e shows
   * them — those on its linked `NAME:ovr` variables, with op `override[ovr]:op`.
   * "chronological" (default) interleaves both by time, "bitbake" keeps bitbake -e's order.
   */
  history(name: string, order: "chronological" | "bitbake" = "chronological"): HistoryEntry[] {
    return this.historyLog.of(name, this.overrides.links.get(name) ?? [], order);
  }

  /** Operations on one flag of NAME. */
  flagHistory(name: string, flag: string): HistoryEntry[] {
    return this.historyLog.ofFlag(name, flag);
  }

  // ---------------------------------------------------------------- internals

  private clearCache(): void {
    if (this.expandCache.size > 0) this.expandCache = new Map();
  }

  /** The record of NAME owned by this store (copied from a shared layer on first write). */
  private ownRecord(name: string): VarRecord {
    let rec = this.vars.getOwn(name);
    if (!rec) {
      const shared = this.vars.get(name);
      rec = shared ? new Map(shared) : new Map();
      this.vars.set(name, rec);
    }
    return rec;
  }

  private setVarInternal(name: string, value: string | null, info: LogInfo | null, parsing: boolean): void {
    refuseOldSyntax(name, info);
    const colon = name.indexOf(":");
    const shortvar = colon < 0 ? name : name.slice(0, colon);
    const renamed = renamedTo(shortvar);
    if (renamed !== undefined) {
      this.messages.push({ level: "error", text: `Variable ${shortvar} has been renamed to ${renamed}`, ...(info?.file !== undefined ? { file: info.file } : {}), ...(info?.line !== undefined ? { line: info.line } : {}) });
    }
    this.clearCache();

    const m = colon < 0 ? null : OPERATION_NAME.exec(name);
    if (m) {
      const base = m[1]!;
      const keyword = m[2]!;
      const override = m[4] ?? null;
      const old = this.vars.get(base)?.get(keyword);
      const list: OpList = [...(Array.isArray(old) ? (old as OpList) : []), [value, override]];
      this.setVarFlagInternal(base, keyword, list, null);
      if (info) {
        info.variable = name;
        info.detail = value ?? "";
        info.op = override ? `${keyword}[${override}]` : keyword;
        this.historyLog.record(base, info);
      }
      this.overrides.link(base);
      if (this.overrides.affects(base)) this.updateOverrideVars(name, value);
      return;
    }

    const rec = this.ownRecord(name);
    if (!parsing) {
      rec.delete(":append");
      rec.delete(":prepend");
      rec.delete(":remove");
      const links = this.overrides.links.get(name);
      if (links) {
        this.needOverrides();
        const active = links.filter(([, o]) => this.overrides.isActive(o)).map(([r]) => r);
        for (const a of active) this.delVarInternal(a, { variable: a, op: "del", detail: "" });
        this.overrides.links.delete(name);
        this.overrides.version++;
      }
    }
    if (colon >= 0) this.overrides.link(name);
    rec.set("_content", value);
    if (info) {
      info.detail ??= value ?? "";
      this.historyLog.record(name, info);
    }
    if (this.overrides.affects(name)) this.updateOverrideVars(name, value);
  }

  private setVarFlagInternal(name: string, flag: string, value: FlagValue, info: LogInfo | null): void {
    this.clearCache();
    if (info) {
      info.detail ??= asText(value) ?? "";
      this.historyLog.record(name, info, flag);
    }
    const rec = this.ownRecord(name);
    rec.set(flag, value);
    if (flag === "_defaultval" && name.includes(":")) this.overrides.link(name);
    if (flag === "_defaultval" && this.overrides.affects(name)) this.updateOverrideVars(name, asText(value));
    if (flag === "export" || flag === "unexport" || flag === "_defaultval_flag_export" || flag === "_defaultval_flag_unexport") {
      this.exportList.set(name, true);
    }
  }

  private delVarInternal(name: string, info: LogInfo | null): void {
    this.clearCache();
    if (info) this.historyLog.record(name, { ...info, op: "del", detail: "" });
    // An empty record hides the variable of a parent layer (BitBake: self.dict[var] = {}).
    this.vars.set(name, new Map());
    this.overrides.unlink(name);
    if (this.overrides.affects(name)) this.overrides.invalidate();
  }

  /** A variable OVERRIDES depends on changed: widen the set of such variables, recompute overrides. */
  private updateOverrideVars(name: string, value: string | null): void {
    const first = this.expandWithRefsInternal(value, name);
    let fresh = new Set<string>([...first.references, ...first.contains.keys()]);
    while ([...fresh].some((v) => !this.overrides.affects(v))) {
      const next = new Set<string>();
      this.overrides.addAffecting(fresh);
      for (const v of fresh) {
        const vp = this.expandWithRefsInternal(this.getVar(v), v);
        for (const r of vp.references) next.add(r);
        for (const r of vp.contains.keys()) next.add(r);
      }
      fresh = next;
    }
    this.overrides.invalidate();
    this.expandCache = new Map();
  }

  /** Compute the active overrides if needed (data_smart.need_overrides). */
  private needOverrides(): void {
    if (this.overrides.current !== null) return;
    // The override computation is a fresh expansion context: reading OVERRIDES again from
    // inside it is not a cycle (BitBake reads it with overrides disabled there).
    const outer = this.inProgress;
    this.inProgress = new Set();
    try {
      this.overrides.settle(
        () => this.getVar("OVERRIDES"),
        () => (this.expandCache = new Map()),
      );
    } finally {
      this.inProgress = outer;
    }
  }

  private host(): ExpansionHost {
    this.expansionHost ??= {
      readVar: (name) => asText(this.lookup(name, "_content", EXPANDED).value),
      facade: () => this.facade(),
      error: (varname, expression, cause) => new ExpansionError(varname, expression, cause, this.whereSet(varname)),
      language: () => this.inlineLanguage,
      store: () => this,
    };
    return this.expansionHost;
  }

  /** The `d` object metadata code sees. */
  facade(): JsDataFacade {
    this.jsFacade ??= new JsDataFacade(this);
    return this.jsFacade;
  }

  private whereSet(cachename: string | null): HistoryLoc | undefined {
    return cachename ? this.historyLog.lastSet(cachename, (name) => this.overrides.links.get(name) ?? []) : undefined;
  }

  private expandWithRefsInternal(s: FlagValue, varname: string | null): VarParse {
    return expandWithRefs(this.host(), s, varname);
  }

  /** data_smart.getVarFlag, with its expand cache. */
  private lookup(name: string, flag: string, o: LookupOptions): { value: FlagValue | undefined; parser: VarParse | null } {
    // A raw read neither uses the expand cache nor fills it: no cache name is made for it (a new
    // string per flag read, hashed to look up a cache entry that would not have been used).
    if (!o.expand && o.retparser !== true) return this.lookupUncached(name, flag, null, o);
    const cachename = flag === "_content" ? name : `${name}[${flag}]`;
    if (!o.noweakdefault) {
      const cached = this.expandCache.get(cachename);
      if (cached) {
        if (o.expand) return { value: cached.value, parser: cached };
        return { value: cached.unexpanded, parser: cached };
      }
    }
    if (this.inProgress.has(cachename)) {
      throw new ExpansionError(cachename, null, new Error(`variable ${cachename} references itself (circular reference)`), this.whereSet(cachename));
    }
    this.inProgress.add(cachename);
    try {
      return this.lookupUncached(name, flag, cachename, o);
    } finally {
      this.inProgress.delete(cachename);
    }
  }

  /** Whether an `:append`/`:prepend`'s override applies: one function for every lookup, not one per lookup. */
  private readonly overrideApplies = (override: string | null): boolean => {
    this.needOverrides();
    return this.overrides.applies(override);
  };

  /** `cachename` is null for a raw read (neither `expand` nor `retparser`). */
  private lookupUncached(name: string, flag: string, cachename: string | null, o: LookupOptions): { value: FlagValue | undefined; parser: VarParse | null } {
    const isContent = flag === "_content";
    const local = this.vars.get(name);
    let value: FlagValue | undefined = undefined;
    // Most lookups remove nothing: the set is made when a removal is found.
    let removes: Set<string> | null = null;

    const links = isContent && !o.parsing ? this.overrides.links.get(name) : undefined;
    if (links) {
      this.needOverrides();
      const match = this.overrides.select(links);
      if (match !== null) {
        const sub = this.lookup(match, "_content", WITH_PARSER);
        value = sub.value;
        // The override's own removes still apply to the final value.
        if (sub.parser?.removes) removes = new Set(sub.parser.removes);
      }
    }

    if (local && (value === null || value === undefined)) value = ownValue(local, flag, o.noweakdefault === true);
    if (value === undefined) value = null;

    if (isContent && local && !o.parsing) {
      value = withAppendsAndPrepends(value, local, this.overrideApplies);
    }

    let parser: VarParse | null = null;
    if (o.expand || o.retparser) parser = this.expandWithRefsInternal(value, cachename);
    if (o.expand && parser) value = parser.value;

    if (value && isContent && local && !o.parsing) {
      const rm = local.get(":remove");
      if (Array.isArray(rm)) {
        this.needOverrides();
        for (const [r, ov] of rm as OpList) if (this.overrides.applies(ov) && r !== null) (removes ??= new Set()).add(r);
      }
    }

    if (value && isContent && !o.parsing && removes !== null && removes.size > 0 && parser) {
      const removed = removeWords(asText(parser.value) ?? "", removes, (r) => new Set(splitWords(this.expand(r))));
      parser.removes = removed.applied;
      parser.value = removed.text;
      if (o.expand) value = parser.value;
    }

    if (this.filters !== null && value && o.expand && isContent && parser) {
      const filter = this.filters.get(name.split(":")[0]!);
      if (filter !== undefined) value = parser.value = applyVarFilter(filter, asText(value) ?? "");
    }

    if (parser && !o.noweakdefault) this.expandCache.set(cachename!, parser);
    return { value, parser };
  }

}

/** What most values remove: one set for all (signature analysis asks every name it meets). */
const NO_REMOVES: ReadonlySet<string> = new Set();

function asText(v: FlagValue | undefined): string | null {
  return typeof v === "string" ? v : null;
}

function codePointOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
