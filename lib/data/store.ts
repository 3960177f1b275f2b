// The datastore: BitBake's DataSmart semantics (data_smart.py) over copy-on-write layers.
//
// A variable is a record of flags. The value is the `_content` flag; `??=` writes
// `_defaultval` (or `_defaultval_flag_X` for a flag); `:append`, `:prepend` and
// `:remove` are lists of [text, override] kept as flags of the base name and applied
// when the value is read. `NAME:ovr` is a variable of its own, linked to NAME through
// `overridedata` and chosen at read time when `ovr` is active in OVERRIDES.

import { ExpansionError, FatalError, type HistoryLoc } from "./errors.js";
import { expandWithRefs, VarParse, type ExpansionHost, type FlagValue, type OpList } from "./expansion.js";
import { applyVarFilter, type InlineLanguage } from "./inline-engines.js";
import { LayeredMap } from "./layered-map.js";
import { inheritedClasses } from "./inherited.js";
import { splitWords } from "./bb-api.js";

type VarRecord = Map<string, FlagValue>;
type OverrideLink = readonly [variable: string, override: string];

export interface HistoryEntry {
  /** "set", "set?", "immediate", "append", ":append[arm]", "del", "override[arm]:set"… as bitbake -e prints them. */
  op: string;
  /** The name as written, e.g. "A:append:arm". */
  variable: string;
  flag?: string;
  /** The value as written in the operation (not its result). */
  detail: string;
  file?: string;
  line?: number;
}

interface StoredEntry extends HistoryEntry {
  seq: number;
}

/** Where an operation comes from, and how history should describe it. */
export interface SetOptions extends Partial<HistoryLoc> {
  op?: string;
  detail?: string;
  /**
   * BitBake's setVar(parsing=True), the default here: pending :append/:prepend/:remove
   * and active NAME:ovr values survive. Metadata code (`d.setVar` in js) uses false, which
   * drops them, as Python's d.setVar does.
   */
  parsing?: boolean;
}

export type AssignOperator = "=" | "?=" | "??=" | ":=" | "+=" | "=+" | ".=" | "=.";

/** The fields of a parsed `[export] NAME[flag] op "value"` statement. */
export interface AssignmentLike {
  readonly name: string;
  readonly flag: string | null;
  readonly op: AssignOperator;
  readonly value: string;
  readonly exported: boolean;
}

export interface DataMessage {
  readonly level: "warn" | "error";
  readonly text: string;
  readonly file?: string;
  readonly line?: number;
}

/** The result of expandWithRefs: what the signature code analyses. */
export interface ExpansionRefs {
  value: string;
  references: Set<string>;
  execs: Set<string>;
  contains: Map<string, Set<string>>;
}

/** A variable's unexpanded value together with the analysis of its expansion. */
export interface VarRefs extends ExpansionRefs {
  /** The value before expansion, appends/prepends applied (null when unset). */
  unexpanded: string | null;
  /** :remove values that did remove words (BitBake's parser.removes), for handle_remove. */
  removes: Set<string>;
}

const OLD_SYNTAX = /_(append|prepend|remove)/;
const SETVAR_RE = /^(.*?)(:append|:prepend|:remove)(:([^A-Z]*))?$/;
const OVERRIDE_START = /^[a-z0-9]/;
const WHITESPACE_SPLIT = /(\s)/;
const OP_FLAGS = [":append", ":prepend", ":remove"] as const;
const MAX_OVERRIDE_PASSES = 5;

// Variables BitBake renamed; setting the old name is an error there too.
const RENAMED_VARS: Readonly<Record<string, string>> = {
  BB_ENV_WHITELIST: "BB_ENV_PASSTHROUGH",
  BB_ENV_EXTRAWHITE: "BB_ENV_PASSTHROUGH_ADDITIONS",
  BB_HASHBASE_WHITELIST: "BB_BASEHASH_IGNORE_VARS",
  BB_HASHCONFIG_WHITELIST: "BB_HASHCONFIG_IGNORE_VARS",
  BB_HASHTASK_WHITELIST: "BB_TASKHASH_IGNORE_TASKS",
  BB_SETSCENE_ENFORCE_WHITELIST: "BB_SETSCENE_ENFORCE_IGNORE_TASKS",
  MULTI_PROVIDER_WHITELIST: "BB_MULTI_PROVIDER_ALLOWED",
};

// Orders history entries across datastore copies.
let historySeq = 0;

interface LookupOptions {
  expand: boolean;
  noweakdefault?: boolean;
  parsing?: boolean;
  retparser?: boolean;
}

export class DataStore {
  private vars: LayeredMap<VarRecord>;
  private overridedata: LayeredMap<readonly OverrideLink[]>;
  private historyMap: LayeredMap<StoredEntry[]>;
  private exportList: LayeredMap<true>;
  // Variables whose change can change OVERRIDES (OVERRIDES, FILE and what they reference).
  private overridevars: Set<string>;
  private overrides: string[] | null = null;
  private overridesSet: Set<string> = new Set();
  private inoverride = false;
  private expandCache = new Map<string, VarParse>();
  // Cache names whose (expanding) lookup is under way: meeting one again is a cycle that
  // would recurse forever (BitBake gets a RecursionError there).
  private inProgress = new Set<string>();
  private tracking = true;
  private jsFacade: JsDataFacade | undefined;
  private expansionHost: ExpansionHost | undefined;
  /** Warnings and errors BitBake would log while evaluating (renamed variables, key clashes…). */
  readonly messages: DataMessage[] = [];
  /** The language of `${@...}` that names none (`${@js ...}`, `${@python ...}`). */
  inlineLanguage: InlineLanguage = "js";
  // Variable filters (setVarFilter): an expression applied to the expanded value; rare, so null until one is set.
  private filters: Map<string, string> | null = null;

  constructor(parent?: DataStore) {
    if (parent) {
      this.inlineLanguage = parent.inlineLanguage;
      this.filters = parent.filters === null ? null : new Map(parent.filters);
      this.vars = parent.vars.fork();
      this.overridedata = parent.overridedata.fork();
      this.historyMap = parent.historyMap.fork();
      this.exportList = parent.exportList.fork();
      this.overridevars = new Set(parent.overridevars);
      this.tracking = parent.tracking;
    } else {
      this.vars = new LayeredMap();
      this.overridedata = new LayeredMap();
      this.historyMap = new LayeredMap();
      this.exportList = new LayeredMap();
      this.overridevars = new Set(["OVERRIDES", "FILE"]);
    }
  }

  /** An independent copy, cheap: both share every existing entry until one of them changes it. */
  createCopy(): DataStore {
    return new DataStore(this);
  }

  /** History recording (on by default); bulk parsing may turn it off. */
  enableTracking(): void {
    this.tracking = true;
  }
  disableTracking(): void {
    this.tracking = false;
  }

  // ---------------------------------------------------------------- reading

  getVar(name: string, expand: boolean = true): string | null {
    return asText(this.lookup(name, "_content", { expand }).value);
  }

  getVarFlag(name: string, flag: string, expand: boolean = true): string | null {
    if (!flag) return null;
    return asText(this.lookup(name, flag, { expand }).value);
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
    for (const [k0, val] of local) {
      let k = k0;
      if (k.startsWith("_defaultval_flag_") && !internalflags) {
        k = k.slice("_defaultval_flag_".length);
        if (local.has(k)) continue;
      } else if ((k.startsWith("_") || k.startsWith(":")) && !internalflags) {
        continue;
      }
      const text = asText(val);
      if (text === null && val !== null) continue;
      let out = text ?? "";
      if (expand === true || (Array.isArray(expand) && expand.includes(k))) {
        out = asText(this.expandWithRefsInternal(text, `${name}[${k}]`).value) ?? "";
      }
      flags[k] = out;
      any = true;
    }
    return any ? flags : null;
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
    const { value, parser } = this.lookup(name, flag, { expand: false, retparser: true });
    const vp = parser!;
    return {
      unexpanded: asText(value),
      value: asText(vp.value) ?? "",
      references: vp.references,
      execs: vp.execs,
      contains: vp.contains,
      removes: vp.removes ?? new Set(),
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
    for (const [v, links] of this.overridedata.entries()) {
      if (out.has(v)) continue;
      if (links.some(([, o]) => this.overrideActive(o))) out.add(v);
    }
    return [...out];
  }

  /** Names flagged `export` or `unexport` at some point (BitBake's __exportlist). */
  exportListNames(): string[] {
    return [...this.exportList.entries()].map(([k]) => k);
  }

  /** data_smart.setVarFilter: `expression` (Python, with `val`) rewrites NAME's expanded value; null removes it. */
  setVarFilter(name: string, expression: string | null): void {
    this.filters ??= new Map();
    if (expression) this.filters.set(name, expression);
    else this.filters.delete(name);
    this.clearCache();
  }

  /** Whether NAME has active overrides linked (data_smart.hasOverrides). */
  hasOverrides(name: string): boolean {
    return this.overridedata.has(name);
  }

  /** The active overrides, in OVERRIDES order (computing them if needed). */
  activeOverrides(): readonly string[] {
    this.needOverrides();
    return this.overrides ?? [];
  }

  // ---------------------------------------------------------------- writing

  setVar(name: string, value: string | null, opts: SetOptions = {}): void {
    this.setVarInternal(name, value, this.loginfo(name, opts), opts.parsing ?? true);
  }

  setVarFlag(name: string, flag: string, value: string | null, opts: SetOptions = {}): void {
    this.setVarFlagInternal(name, flag, value, this.loginfo(name, opts));
  }

  delVar(name: string, opts: SetOptions = {}): void {
    this.delVarInternal(name, this.loginfo(name, opts));
  }

  delVarFlag(name: string, flag: string, opts: SetOptions = {}): void {
    this.clearCache();
    const local = this.vars.get(name);
    if (!local || local.size === 0 || !local.has(flag)) return;
    const rec = this.ownRecord(name);
    this.record(name, { ...this.loginfo(name, opts), op: "delFlag", detail: "" }, flag);
    rec.delete(flag);
    rec.delete("_defaultval_flag_" + flag);
  }

  /** BitBake's appendVar: a deferred `NAME:append`. */
  appendVar(name: string, value: string, opts: SetOptions = {}): void {
    this.record(name, { ...this.loginfo(name, opts), op: "append", detail: value });
    this.setVarInternal(name + ":append", value, null, true);
  }

  /** BitBake's prependVar: a deferred `NAME:prepend`. */
  prependVar(name: string, value: string, opts: SetOptions = {}): void {
    this.record(name, { ...this.loginfo(name, opts), op: "prepend", detail: value });
    this.setVarInternal(name + ":prepend", value, null, true);
  }

  /** Immediate append to a flag's raw value (BitBake's appendVarFlag). */
  appendVarFlag(name: string, flag: string, value: string, opts: SetOptions = {}): void {
    this.record(name, { ...this.loginfo(name, opts), op: "append", detail: value }, flag);
    const old = asText(this.lookup(name, flag, { expand: false }).value) ?? "";
    this.setVarFlagInternal(name, flag, old + value, null);
  }

  prependVarFlag(name: string, flag: string, value: string, opts: SetOptions = {}): void {
    this.record(name, { ...this.loginfo(name, opts), op: "prepend", detail: value }, flag);
    const old = asText(this.lookup(name, flag, { expand: false }).value) ?? "";
    this.setVarFlagInternal(name, flag, value + old, null);
  }

  /** Move a variable (value, pending :append/:prepend/:remove, linked NAME:ovr) to a new name. */
  renameVar(from: string, to: string, opts: SetOptions = {}): void {
    if (from === to) {
      this.messages.push({ level: "warn", text: `Calling renameVar with equivalent keys (${from}) is invalid` });
      return;
    }
    const info = this.loginfo(from, opts);
    let found = false;
    const val = this.lookup(from, "_content", { expand: false, parsing: true }).value;
    if (val !== null && val !== undefined) {
      this.copyHistory(from, to);
      this.record(to, { ...info, variable: to, op: `rename from ${from}`, detail: asText(val) ?? "" });
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
    const links = this.overridedata.get(from);
    if (links) {
      found = true;
      const moved = links.map(([v, o]) => [v.replaceAll(from, to), o] as const);
      this.overridedata.set(to, moved);
      for (const [v] of links) this.renameVar(v, v.replaceAll(from, to), opts);
    }
    if (!found) return;
    if (to.includes(":") && val === null) this.updateOverrideLinks(to);
    this.record(from, { ...info, op: "rename (to)", detail: to });
    this.delVarInternal(from, null);
  }

  /**
   * One parsed assignment statement (BitBake's DataNode.eval): `=`, `?=`, `??=`, `:=`,
   * `+=`, `=+`, `.=`, `=.`, on a variable or a flag, with `export`.
   */
  applyAssignment(a: AssignmentLike, loc: HistoryLoc): void {
    const key = a.name;
    if (a.exported) this.setVarFlagInternal(key, "export", "1", { file: loc.file, line: loc.line, variable: key, op: "exported", detail: "1" });
    const current = (): string | null =>
      a.flag !== null
        ? asText(this.lookup(key, a.flag, { expand: false, noweakdefault: true }).value)
        : asText(this.lookup(key, "_content", { expand: false, noweakdefault: true, parsing: true }).value);
    let op = "set";
    let val: string | null;
    switch (a.op) {
      case "?=":
        op = "set?";
        val = current() ?? a.value;
        break;
      case ":=":
        op = "immediate";
        // Expanded in a throwaway copy, as BitBake does: code run by the expansion cannot
        // change this datastore.
        val = this.createCopy().expand(a.value, key + "[:=]");
        break;
      case "+=":
        op = "append";
        val = `${current() ?? ""} ${a.value}`;
        break;
      case "=+":
        op = "prepend";
        val = `${a.value} ${current() ?? ""}`;
        break;
      case ".=":
        op = "postdot";
        val = (current() ?? "") + a.value;
        break;
      case "=.":
        op = "predot";
        val = a.value + (current() ?? "");
        break;
      case "=":
      case "??=":
        val = a.value;
        break;
    }
    if (op !== "set" && op !== "immediate" && (key.includes(":append") || key.includes(":remove") || key.includes(":prepend"))) {
      this.messages.push({ level: "warn", text: `${key} ${a.op} is not a recommended operator combination, please replace it.`, file: loc.file, line: loc.line });
    }
    let flag: string | null = null;
    if (a.flag !== null) flag = a.op === "??=" ? "_defaultval_flag_" + a.flag : a.flag;
    else if (a.op === "??=") flag = "_defaultval";
    const info: LogInfo = { file: loc.file, line: loc.line, variable: key, op, detail: a.value };
    if (flag !== null) this.setVarFlagInternal(key, flag, val, info);
    else this.setVarInternal(key, val, info, true);
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
    for (const [key, links] of this.overridedata.entries()) {
      if (!key.includes("${") || todo.has(key) || this.vars.get(key)?.size) continue;
      this.needOverrides();
      if (!links.some(([, o]) => this.overrideActive(o))) continue;
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
      this.renameVar(key, ekey);
    }
  }

  // ---------------------------------------------------------------- history

  /**
   * Every recorded operation on NAME: its own (values and flags), then — as bitbake -e
   * shows them — those on its linked `NAME:ovr` variables, with op `override[ovr]:op`.
   * "chronological" (default) interleaves both by time, "bitbake" keeps bitbake -e's order.
   */
  history(name: string, order: "chronological" | "bitbake" = "chronological"): HistoryEntry[] {
    const own = this.historyMap.get(name) ?? [];
    const all: StoredEntry[] = [...own];
    for (const [r, o] of this.overridedata.get(name) ?? []) {
      for (const e of this.historyMap.get(r) ?? []) {
        if (e.flag !== undefined && !e.flag.startsWith("_") && !e.flag.startsWith(":")) continue;
        all.push({ ...e, op: `override[${o}]:${e.op}` });
      }
    }
    if (order === "chronological") all.sort((a, b) => a.seq - b.seq);
    return all.map(stripSeq);
  }

  /** Operations on one flag of NAME. */
  flagHistory(name: string, flag: string): HistoryEntry[] {
    return (this.historyMap.get(name) ?? []).filter((e) => e.flag === flag).map(stripSeq);
  }

  // ---------------------------------------------------------------- internals

  private loginfo(name: string, opts: SetOptions): LogInfo {
    const info: LogInfo = { variable: name };
    if (opts.file !== undefined) info.file = opts.file;
    if (opts.line !== undefined) info.line = opts.line;
    if (opts.op !== undefined) info.op = opts.op;
    if (opts.detail !== undefined) info.detail = opts.detail;
    return info;
  }

  private record(key: string, info: LogInfo | null, flag?: string): void {
    if (!this.tracking || info === null) return;
    const e: StoredEntry = { seq: ++historySeq, op: info.op || "set", variable: info.variable ?? key, detail: info.detail ?? "" };
    if (flag !== undefined) e.flag = flag;
    if (info.file !== undefined) e.file = info.file;
    if (info.line !== undefined) e.line = info.line;
    const list = this.historyMap.getOwn(key);
    if (list) list.push(e);
    else {
      const shared = this.historyMap.get(key);
      this.historyMap.set(key, shared ? [...shared, e] : [e]);
    }
  }

  private copyHistory(from: string, to: string): void {
    if (!this.tracking) return;
    const src = this.historyMap.get(from);
    if (!src) return;
    this.historyMap.set(to, [...(this.historyMap.get(to) ?? []), ...src]);
  }

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
    // BitBake refuses the pre-2021 `_append` spelling outright, wherever it appears in the name.
    if (name.includes("_") && OLD_SYNTAX.test(name) && !name.startsWith("__anon_")) {
      const at = info?.file !== undefined ? ` file: ${info.file}${info.line !== undefined ? ` line: ${info.line}` : ""}` : "";
      throw new FatalError(
        `Variable ${name}${at} contains an operation using the old override syntax. Please convert this layer/metadata before attempting to use with a newer bitbake.`,
        info?.file !== undefined ? { file: info.file, line: info.line ?? 0 } : undefined,
      );
    }
    const colon = name.indexOf(":");
    const shortvar = colon < 0 ? name : name.slice(0, colon);
    const renamed = Object.hasOwn(RENAMED_VARS, shortvar) ? RENAMED_VARS[shortvar] : undefined;
    if (renamed !== undefined) {
      this.messages.push({ level: "error", text: `Variable ${shortvar} has been renamed to ${renamed}`, ...(info?.file !== undefined ? { file: info.file } : {}), ...(info?.line !== undefined ? { line: info.line } : {}) });
    }
    this.clearCache();

    const m = colon < 0 ? null : SETVAR_RE.exec(name);
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
        this.record(base, info);
      }
      this.updateOverrideLinks(base);
      if (this.overridevars.has(base)) this.updateOverrideVars(name, value);
      return;
    }

    const rec = this.ownRecord(name);
    if (!parsing) {
      rec.delete(":append");
      rec.delete(":prepend");
      rec.delete(":remove");
      const links = this.overridedata.get(name);
      if (links) {
        this.needOverrides();
        const active = links.filter(([, o]) => this.overrideActive(o)).map(([r]) => r);
        for (const a of active) this.delVarInternal(a, { variable: a, op: "del", detail: "" });
        this.overridedata.delete(name);
      }
    }
    if (colon >= 0) this.updateOverrideLinks(name);
    rec.set("_content", value);
    if (info) {
      info.detail ??= value ?? "";
      this.record(name, info);
    }
    if (this.overridevars.has(name)) this.updateOverrideVars(name, value);
  }

  private setVarFlagInternal(name: string, flag: string, value: FlagValue, info: LogInfo | null): void {
    this.clearCache();
    if (info) {
      info.detail ??= asText(value) ?? "";
      this.record(name, info, flag);
    }
    const rec = this.ownRecord(name);
    rec.set(flag, value);
    if (flag === "_defaultval" && name.includes(":")) this.updateOverrideLinks(name);
    if (flag === "_defaultval" && this.overridevars.has(name)) this.updateOverrideVars(name, asText(value));
    if (flag === "export" || flag === "unexport") this.exportList.set(name, true);
  }

  private delVarInternal(name: string, info: LogInfo | null): void {
    this.clearCache();
    if (info) this.record(name, { ...info, op: "del", detail: "" });
    // An empty record hides the variable of a parent layer (BitBake: self.dict[var] = {}).
    this.vars.set(name, new Map());
    this.overridedata.delete(name);
    if (name.includes(":")) {
      let override: string | null = name.slice(name.lastIndexOf(":") + 1);
      let shortvar = name.slice(0, name.lastIndexOf(":"));
      while (override && OVERRIDE_START.test(override)) {
        const links = this.overridedata.get(shortvar);
        if (links) {
          const o = override;
          const kept = links.filter(([v, lo]) => !(v === name && lo === o));
          if (kept.length !== links.length) this.overridedata.set(shortvar, kept);
        }
        override = null;
        if (shortvar.includes(":")) {
          override = name.slice(shortvar.lastIndexOf(":") + 1);
          shortvar = name.slice(0, shortvar.lastIndexOf(":"));
          if (shortvar.length === 0) override = null;
        }
      }
    }
    if (this.overridevars.has(name)) this.overrides = null;
  }

  /**
   * Link NAME:a:b to NAME:a (override "b") and to NAME (override "a:b"), as
   * data_smart._setvar_update_overrides. Overrides must start with [a-z0-9].
   */
  private updateOverrideLinks(name: string): void {
    // (BitBake also runs this on names without ":", linking "foo" to "fo"; that quirk is not kept.)
    const colon = name.lastIndexOf(":");
    if (colon < 0) return;
    let override: string | null = name.slice(colon + 1);
    let shortvar = name.slice(0, colon);
    while (override && OVERRIDE_START.test(override)) {
      const links = this.overridedata.get(shortvar) ?? [];
      const o = override;
      if (!links.some(([v, lo]) => v === name && lo === o)) this.overridedata.set(shortvar, [...links, [name, o]]);
      override = null;
      if (shortvar.includes(":")) {
        override = name.slice(shortvar.lastIndexOf(":") + 1);
        shortvar = name.slice(0, shortvar.lastIndexOf(":"));
        if (shortvar.length === 0) override = null;
      }
    }
  }

  /** A variable OVERRIDES depends on changed: widen the set of such variables, recompute overrides. */
  private updateOverrideVars(name: string, value: string | null): void {
    const first = this.expandWithRefsInternal(value, name);
    let fresh = new Set<string>([...first.references, ...first.contains.keys()]);
    while ([...fresh].some((v) => !this.overridevars.has(v))) {
      const next = new Set<string>();
      for (const v of fresh) this.overridevars.add(v);
      for (const v of fresh) {
        const vp = this.expandWithRefsInternal(this.getVar(v), v);
        for (const r of vp.references) next.add(r);
        for (const r of vp.contains.keys()) next.add(r);
      }
      fresh = next;
    }
    this.overrides = null;
    this.expandCache = new Map();
  }

  private overrideActive(o: string): boolean {
    if (this.overridesSet.has(o)) return true;
    if (!o.includes(":")) return false;
    return o.split(":").every((x) => this.overridesSet.has(x));
  }

  /** Compute OVERRIDES until it stops changing (data_smart.need_overrides). */
  private needOverrides(): void {
    if (this.overrides !== null || this.inoverride) return;
    const stack: string[][] = [];
    // The override computation is a fresh expansion context: reading OVERRIDES again from
    // inside it is not a cycle (BitBake reads it with overrides disabled there).
    const outer = this.inProgress;
    this.inProgress = new Set();
    let settled = false;
    try {
      for (let count = 0; count < MAX_OVERRIDE_PASSES; count++) {
        this.inoverride = true;
        // Can end up here recursively: dummy values meanwhile.
        this.overrides = [];
        this.overridesSet = new Set();
        this.overrides = (this.getVar("OVERRIDES") ?? "").split(":");
        stack.push(this.overrides);
        this.overridesSet = new Set(this.overrides);
        this.inoverride = false;
        this.expandCache = new Map();
        const again = (this.getVar("OVERRIDES") ?? "").split(":");
        if (sameList(again, this.overrides)) {
          settled = true;
          break;
        }
        this.overrides = again;
        this.overridesSet = new Set(again);
      }
    } catch (e) {
      this.overrides = null;
      this.overridesSet = new Set();
      throw e;
    } finally {
      this.inoverride = false;
      this.inProgress = outer;
    }
    if (!settled) {
      this.overrides = null;
      this.overridesSet = new Set();
      throw new FatalError(
        "Overrides could not be expanded into a stable state after 5 iterations, overrides must be being referenced by other overridden variables in some recursive fashion. The list of failing override expansions: " +
          stack.map((s) => s.join(":")).join("\n"),
      );
    }
  }

  private host(): ExpansionHost {
    this.expansionHost ??= {
      readVar: (name) => asText(this.lookup(name, "_content", { expand: true }).value),
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
    if (!cachename) return undefined;
    const br = cachename.indexOf("[");
    const name = br > 0 ? cachename.slice(0, br) : cachename;
    const flag = br > 0 ? cachename.slice(br + 1, -1) : undefined;
    const entries = this.history(name);
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i]!;
      if (e.file === undefined || e.line === undefined) continue;
      if (flag !== undefined && flag !== ":=" && e.flag !== flag) continue;
      if (flag === undefined && e.flag !== undefined && e.flag !== "_defaultval") continue;
      return { file: e.file, line: e.line };
    }
    return undefined;
  }

  private expandWithRefsInternal(s: FlagValue, varname: string | null): VarParse {
    return expandWithRefs(this.host(), s, varname);
  }

  /** data_smart.getVarFlag, with its expand cache. */
  private lookup(name: string, flag: string, o: LookupOptions): { value: FlagValue | undefined; parser: VarParse | null } {
    const cachename = flag === "_content" ? name : `${name}[${flag}]`;
    if (!o.noweakdefault) {
      const cached = this.expandCache.get(cachename);
      if (cached) {
        if (o.expand) return { value: cached.value, parser: cached };
        if (o.retparser) return { value: cached.unexpanded, parser: cached };
      }
    }
    const expanding = o.expand || o.retparser === true;
    if (expanding) {
      if (this.inProgress.has(cachename)) {
        throw new ExpansionError(cachename, null, new Error(`variable ${cachename} references itself (circular reference)`), this.whereSet(cachename));
      }
      this.inProgress.add(cachename);
    }
    try {
      return this.lookupUncached(name, flag, cachename, o);
    } finally {
      if (expanding) this.inProgress.delete(cachename);
    }
  }

  private lookupUncached(name: string, flag: string, cachename: string, o: LookupOptions): { value: FlagValue | undefined; parser: VarParse | null } {
    const isContent = flag === "_content";
    const local = this.vars.get(name);
    let value: FlagValue | undefined = undefined;
    let removes = new Set<string>();

    const links = isContent && !o.parsing ? this.overridedata.get(name) : undefined;
    if (links) {
      this.needOverrides();
      // Pick the NAME:ovr to use: the override latest in OVERRIDES wins; a combined
      // NAME:a:b is peeled one override at a time so it beats NAME:a and NAME:b.
      const active = new Map<string, string>();
      for (const [r, ov] of links) if (this.overrideActive(ov)) active.set(ov, r);
      let match: string | null = null;
      let mod = true;
      while (mod) {
        mod = false;
        for (const ov of this.overrides!) {
          for (const a of [...active.keys()]) {
            if (a.endsWith(":" + ov)) {
              const t = active.get(a)!;
              active.delete(a);
              active.set(a.replaceAll(":" + ov, ""), t);
              mod = true;
            } else if (a === ov) {
              match = active.get(a)!;
              active.delete(a);
            }
          }
        }
      }
      if (match !== null) {
        const sub = this.lookup(match, "_content", { expand: false, retparser: true });
        value = sub.value;
        // The override's own removes still apply to the final value.
        if (sub.parser?.removes) removes = new Set(sub.parser.removes);
      }
    }

    if (local && (value === null || value === undefined)) {
      if (local.has(flag)) value = local.get(flag);
      else if (isContent && local.has("_defaultval") && !o.noweakdefault) value = local.get("_defaultval");
      else if (!o.noweakdefault && local.has("_defaultval_flag_" + flag)) value = local.get("_defaultval_flag_" + flag);
    }
    if (value === undefined) value = null;

    if (isContent && local && !o.parsing) {
      const appends = local.get(":append");
      if (Array.isArray(appends)) {
        this.needOverrides();
        for (const [r, ov] of appends as OpList) {
          if (this.opApplies(ov)) value = (asText(value) ?? "") + (r ?? "");
        }
      }
      const prepends = local.get(":prepend");
      if (Array.isArray(prepends)) {
        this.needOverrides();
        for (const [r, ov] of prepends as OpList) {
          if (this.opApplies(ov)) value = (r ?? "") + (asText(value) ?? "");
        }
      }
    }

    let parser: VarParse | null = null;
    if (o.expand || o.retparser) parser = this.expandWithRefsInternal(value, cachename);
    if (o.expand && parser) value = parser.value;

    if (value && isContent && local && !o.parsing) {
      const rm = local.get(":remove");
      if (Array.isArray(rm)) {
        this.needOverrides();
        for (const [r, ov] of rm as OpList) if (this.opApplies(ov) && r !== null) removes.add(r);
      }
    }

    if (value && isContent && !o.parsing && removes.size > 0 && parser) {
      const expandedRemoves = new Map<string, Set<string>>();
      for (const r of removes) expandedRemoves.set(r, new Set(splitWords(this.expand(r))));
      parser.removes = new Set();
      // Split keeping every whitespace character, so the spacing around removed words stays.
      const kept: string[] = [];
      for (const piece of (asText(parser.value) ?? "").split(WHITESPACE_SPLIT)) {
        let skip = false;
        for (const r of removes) {
          if (expandedRemoves.get(r)!.has(piece)) {
            parser.removes.add(r);
            skip = true;
          }
        }
        if (!skip) kept.push(piece);
      }
      parser.value = kept.join("");
      if (o.expand) value = parser.value;
    }

    if (this.filters !== null && value && o.expand && isContent && parser) {
      const filter = this.filters.get(name.split(":")[0]!);
      if (filter !== undefined) value = parser.value = applyVarFilter(filter, asText(value) ?? "");
    }

    if (parser && !o.noweakdefault) this.expandCache.set(cachename, parser);
    return { value, parser };
  }

  /** An :append/:prepend/:remove with override `a:b` applies when every part is active. */
  private opApplies(ov: string | null): boolean {
    if (!ov) return true;
    for (const part of ov.split(":")) if (!this.overridesSet.has(part)) return false;
    return true;
  }
}

interface LogInfo {
  variable?: string;
  op?: string;
  detail?: string;
  file?: string;
  line?: number;
}

function asText(v: FlagValue | undefined): string | null {
  return typeof v === "string" ? v : null;
}

function stripSeq(e: StoredEntry): HistoryEntry {
  const { seq: _seq, ...rest } = e;
  return rest;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function codePointOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function truthy(v: unknown): boolean {
  return v === undefined ? true : Boolean(v);
}

/**
 * The `d` that inline expressions and js functions receive. Arguments follow BitBake's
 * Python API (`d.getVar('X', False)` with False = false); `d.setVar` behaves as Python's
 * (not parsing: pending appends on the name are dropped).
 */
export class JsDataFacade {
  constructor(private readonly store: DataStore) {}
  getVar(name: string, expand?: unknown): string | null {
    return this.store.getVar(name, truthy(expand));
  }
  getVarFlag(name: string, flag: string, expand?: unknown): string | null {
    return this.store.getVarFlag(name, flag, truthy(expand));
  }
  /** The inherited class files (bb.data.inherits_class reads them). */
  inheritedClasses(): readonly string[] {
    return inheritedClasses(this.store);
  }
  getVarFlags(name: string, expand?: unknown): Record<string, string> | null {
    return this.store.getVarFlags(name, Array.isArray(expand) ? expand : expand === undefined ? false : Boolean(expand));
  }
  setVar(name: string, value: unknown): void {
    this.store.setVar(name, value === null || value === undefined ? null : String(value), { parsing: false });
  }
  setVarFlag(name: string, flag: string, value: unknown): void {
    this.store.setVarFlag(name, flag, value === null || value === undefined ? null : String(value));
  }
  appendVar(name: string, value: unknown): void {
    this.store.appendVar(name, String(value));
  }
  prependVar(name: string, value: unknown): void {
    this.store.prependVar(name, String(value));
  }
  appendVarFlag(name: string, flag: string, value: unknown): void {
    this.store.appendVarFlag(name, flag, String(value));
  }
  prependVarFlag(name: string, flag: string, value: unknown): void {
    this.store.prependVarFlag(name, flag, String(value));
  }
  delVar(name: string): void {
    this.store.delVar(name);
  }
  delVarFlag(name: string, flag: string): void {
    this.store.delVarFlag(name, flag);
  }
  renameVar(from: string, to: string): void {
    this.store.renameVar(from, to);
  }
  expand(text: string, varname?: string | null): string {
    return this.store.expand(String(text), varname ?? null);
  }
  keys(): string[] {
    return this.store.keys();
  }
  createCopy(): JsDataFacade {
    return this.store.createCopy().facade();
  }
}
