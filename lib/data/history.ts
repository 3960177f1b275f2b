// Variable history (BitBake's VariableHistory): every operation on a variable, with the file and
// line that did it, for `bake -e`, `bake getvar` and for saying where a failing variable was set.
// Entries are shared between datastore copies in copy-on-write layers, as the values are.
//
// Bulk parsing turns recording off: nobody reads a worker's history, and keeping it was a good part
// of a recipe's allocations. Only where each variable and flag was last set is kept then, so that
// an expansion error still names a file and line.

import type { HistoryLoc } from "./errors.js";
import { LayeredMap } from "./layered-map.js";
import type { OverrideLink } from "./overrides.js";

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
  /**
   * Set when BitBake's own code made the operation (no metadata line did): `file` and `line` are
   * then where in BitBake, as its history infers them from the caller (`data.py:97 [expandKeys]`).
   */
  func?: string;
}

/** What a datastore operation tells the history about itself. */
export interface LogInfo {
  variable?: string;
  op?: string;
  detail?: string;
  file?: string;
  line?: number;
  func?: string;
  /** With `func`: the metadata statement that made BitBake's code run, where an error names it. */
  origin?: { readonly file: string; readonly line: number };
}

/** What a history entry of an operation on NAME starts from: where it comes from and how to describe it. */
export function logInfo(
  name: string,
  opts: { file?: string; line?: number; func?: string; origin?: { readonly file: string; readonly line: number }; op?: string; detail?: string },
): LogInfo {
  const info: LogInfo = { variable: name };
  if (opts.file !== undefined) info.file = opts.file;
  if (opts.line !== undefined) info.line = opts.line;
  if (opts.func !== undefined) info.func = opts.func;
  if (opts.origin !== undefined) info.origin = opts.origin;
  if (opts.op !== undefined) info.op = opts.op;
  if (opts.detail !== undefined) info.detail = opts.detail;
  return info;
}

export interface StoredEntry extends HistoryEntry {
  seq: number;
}

/** Where an operation happened, when only the last one of a variable or flag is kept. */
export interface LastSet {
  readonly file: string;
  readonly line: number;
  readonly seq: number;
}

// Orders history entries across datastore copies.
let historySeq = 0;

/** A history as a configuration snapshot keeps it (apart from the values: only `bake -e` and getvar read it). */
export interface HistorySnapshot {
  readonly entries: ReadonlyMap<string, readonly StoredEntry[]>;
  readonly last: ReadonlyMap<string, LastSet>;
}

/** A snapshot's history, read when first asked for and shared by every copy of the datastore. */
class Underlay {
  private data: HistorySnapshot | null = null;
  constructor(private readonly load: () => HistorySnapshot) {}
  get(): HistorySnapshot {
    if (this.data === null) {
      this.data = this.load();
      // Entries recorded from now on must sort after the snapshot's.
      for (const list of this.data.entries.values()) for (const e of list) historySeq = Math.max(historySeq, e.seq);
      for (const at of this.data.last.values()) historySeq = Math.max(historySeq, at.seq);
    }
    return this.data;
  }
}

export class VariableHistory {
  private readonly entries: LayeredMap<StoredEntry[]>;
  /** While recording is off: the last located operation on `NAME` (its value), `NAME[flag]` and `NAME[]` (any flag). */
  private readonly last: LayeredMap<LastSet>;
  /** Recording is on by default; bulk parsing may turn it off. */
  enabled: boolean;
  private readonly underlay: Underlay | null;

  /** A new history, a copy of `parent`'s, or one under which a snapshot's history is read when first needed. */
  constructor(parent?: VariableHistory | (() => HistorySnapshot), enabled = true) {
    if (parent instanceof VariableHistory) {
      this.entries = parent.entries.fork();
      this.last = parent.last.fork();
      this.enabled = parent.enabled;
      this.underlay = parent.underlay;
    } else {
      this.entries = new LayeredMap();
      this.last = new LayeredMap();
      this.enabled = enabled;
      this.underlay = parent ? new Underlay(parent) : null;
    }
  }

  fork(): VariableHistory {
    return new VariableHistory(this);
  }

  snapshot(): HistorySnapshot {
    const entries = this.underlay === null ? new Map<string, readonly StoredEntry[]>() : new Map(this.underlay.get().entries);
    for (const [k, v] of this.entries.entries()) entries.set(k, v);
    const last = this.underlay === null ? new Map<string, LastSet>() : new Map(this.underlay.get().last);
    for (const [k, v] of this.last.entries()) last.set(k, v);
    return { entries, last };
  }

  private entriesOf(key: string): readonly StoredEntry[] | undefined {
    return this.entries.get(key) ?? this.underlay?.get().entries.get(key);
  }

  private lastOf(slot: string): LastSet | undefined {
    return this.last.get(slot) ?? this.underlay?.get().last.get(slot);
  }

  record(key: string, info: LogInfo | null, flag?: string): void {
    if (info === null) return;
    if (!this.enabled) {
      // A place in BitBake's code (func) is no metadata location to name in an error: its origin is.
      const where = info.func === undefined ? info : info.origin;
      if (where?.file === undefined || where.line === undefined) return;
      const at: LastSet = { file: where.file, line: where.line, seq: ++historySeq };
      if (flag === undefined || flag === "_defaultval") this.last.set(key, at);
      else {
        this.last.set(`${key}[${flag}]`, at);
        this.last.set(`${key}[]`, at);
      }
      return;
    }
    const e: StoredEntry = { seq: ++historySeq, op: info.op || "set", variable: info.variable ?? key, detail: info.detail ?? "" };
    if (flag !== undefined) e.flag = flag;
    if (info.file !== undefined) e.file = info.file;
    if (info.line !== undefined) e.line = info.line;
    if (info.func !== undefined) e.func = info.func;
    const list = this.entries.getOwn(key);
    if (list) list.push(e);
    else {
      const shared = this.entriesOf(key);
      this.entries.set(key, shared ? [...shared, e] : [e]);
    }
  }

  /** A renamed variable takes its history along. */
  copy(from: string, to: string): void {
    if (!this.enabled) return;
    const src = this.entriesOf(from);
    if (!src) return;
    this.entries.set(to, [...(this.entriesOf(to) ?? []), ...src]);
  }

  /**
   * Every recorded operation on NAME: its own (values and flags), then — as bitbake -e shows
   * them — those on its linked `NAME:ovr` variables, with op `override[ovr]:op`.
   * "chronological" interleaves both by time, "bitbake" keeps bitbake -e's order.
   */
  of(name: string, links: readonly OverrideLink[], order: "chronological" | "bitbake"): HistoryEntry[] {
    const all = this.stored(name, links);
    if (order === "chronological") all.sort((a, b) => a.seq - b.seq);
    return all.map(stripSeq);
  }

  private stored(name: string, links: readonly OverrideLink[]): StoredEntry[] {
    const all: StoredEntry[] = [...(this.entriesOf(name) ?? [])];
    for (const [r, o] of links) {
      for (const e of this.entriesOf(r) ?? []) {
        if (e.flag !== undefined && !e.flag.startsWith("_") && !e.flag.startsWith(":")) continue;
        all.push({ ...e, op: `override[${o}]:${e.op}` });
      }
    }
    return all;
  }

  /** Operations on one flag of NAME. */
  ofFlag(name: string, flag: string): HistoryEntry[] {
    return (this.entriesOf(name) ?? []).filter((e) => e.flag === flag).map(stripSeq);
  }

  /** Where `NAME` or `NAME[flag]` was last set, when the history knows (for error messages). */
  lastSet(cachename: string, links: (name: string) => readonly OverrideLink[]): HistoryLoc | undefined {
    const br = cachename.indexOf("[");
    const name = br > 0 ? cachename.slice(0, br) : cachename;
    const flag = br > 0 ? cachename.slice(br + 1, -1) : undefined;
    // Operations recorded in full (by this store or, before recording was turned off, its parents)…
    let best: LastSet | undefined;
    for (const e of this.stored(name, links(name))) {
      if (e.file === undefined || e.line === undefined) continue;
      if (flag !== undefined && flag !== ":=" && e.flag !== flag) continue;
      if (flag === undefined && e.flag !== undefined && e.flag !== "_defaultval") continue;
      if (best === undefined || e.seq > best.seq) best = { file: e.file, line: e.line, seq: e.seq };
    }
    // …and those of which only the last is kept.
    const kept = this.lastKept(name, flag, links(name));
    if (kept !== undefined && (best === undefined || kept.seq > best.seq)) best = kept;
    return best === undefined ? undefined : { file: best.file, line: best.line };
  }

  /** lastSet from what is kept while recording is off: the value's, the flag's, or (for `:=`) any. */
  private lastKept(name: string, flag: string | undefined, links: readonly OverrideLink[]): LastSet | undefined {
    const slots = flag === undefined ? [name] : flag === ":=" ? [name, `${name}[]`] : [`${name}[${flag}]`];
    if (flag === undefined || flag === ":=") for (const [r] of links) slots.push(r);
    let best: LastSet | undefined;
    for (const slot of slots) {
      const at = this.lastOf(slot);
      if (at !== undefined && (best === undefined || at.seq > best.seq)) best = at;
    }
    return best;
  }
}

function stripSeq(e: StoredEntry): HistoryEntry {
  const { seq: _seq, ...rest } = e;
  return rest;
}
