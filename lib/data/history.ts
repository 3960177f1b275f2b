// Variable history (BitBake's VariableHistory): every operation on a variable, with the file and
// line that did it, for `bake -e`, `bake getvar` and for saying where a failing variable was set.
// Entries are shared between datastore copies in copy-on-write layers, as the values are.

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
}

/** What a datastore operation tells the history about itself. */
export interface LogInfo {
  variable?: string;
  op?: string;
  detail?: string;
  file?: string;
  line?: number;
}

interface StoredEntry extends HistoryEntry {
  seq: number;
}

// Orders history entries across datastore copies.
let historySeq = 0;

export class VariableHistory {
  private readonly entries: LayeredMap<StoredEntry[]>;
  /** Recording is on by default; bulk parsing may turn it off. */
  enabled: boolean;

  constructor(parent?: VariableHistory) {
    this.entries = parent ? parent.entries.fork() : new LayeredMap();
    this.enabled = parent ? parent.enabled : true;
  }

  fork(): VariableHistory {
    return new VariableHistory(this);
  }

  record(key: string, info: LogInfo | null, flag?: string): void {
    if (!this.enabled || info === null) return;
    const e: StoredEntry = { seq: ++historySeq, op: info.op || "set", variable: info.variable ?? key, detail: info.detail ?? "" };
    if (flag !== undefined) e.flag = flag;
    if (info.file !== undefined) e.file = info.file;
    if (info.line !== undefined) e.line = info.line;
    const list = this.entries.getOwn(key);
    if (list) list.push(e);
    else {
      const shared = this.entries.get(key);
      this.entries.set(key, shared ? [...shared, e] : [e]);
    }
  }

  /** A renamed variable takes its history along. */
  copy(from: string, to: string): void {
    if (!this.enabled) return;
    const src = this.entries.get(from);
    if (!src) return;
    this.entries.set(to, [...(this.entries.get(to) ?? []), ...src]);
  }

  /**
   * Every recorded operation on NAME: its own (values and flags), then — as bitbake -e shows
   * them — those on its linked `NAME:ovr` variables, with op `override[ovr]:op`.
   * "chronological" interleaves both by time, "bitbake" keeps bitbake -e's order.
   */
  of(name: string, links: readonly OverrideLink[], order: "chronological" | "bitbake"): HistoryEntry[] {
    const all: StoredEntry[] = [...(this.entries.get(name) ?? [])];
    for (const [r, o] of links) {
      for (const e of this.entries.get(r) ?? []) {
        if (e.flag !== undefined && !e.flag.startsWith("_") && !e.flag.startsWith(":")) continue;
        all.push({ ...e, op: `override[${o}]:${e.op}` });
      }
    }
    if (order === "chronological") all.sort((a, b) => a.seq - b.seq);
    return all.map(stripSeq);
  }

  /** Operations on one flag of NAME. */
  ofFlag(name: string, flag: string): HistoryEntry[] {
    return (this.entries.get(name) ?? []).filter((e) => e.flag === flag).map(stripSeq);
  }

  /** Where `NAME` or `NAME[flag]` was last set, when the history knows (for error messages). */
  lastSet(cachename: string, links: (name: string) => readonly OverrideLink[]): HistoryLoc | undefined {
    const br = cachename.indexOf("[");
    const name = br > 0 ? cachename.slice(0, br) : cachename;
    const flag = br > 0 ? cachename.slice(br + 1, -1) : undefined;
    const entries = this.of(name, links(name), "chronological");
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i]!;
      if (e.file === undefined || e.line === undefined) continue;
      if (flag !== undefined && flag !== ":=" && e.flag !== flag) continue;
      if (flag === undefined && e.flag !== undefined && e.flag !== "_defaultval") continue;
      return { file: e.file, line: e.line };
    }
    return undefined;
  }
}

function stripSeq(e: StoredEntry): HistoryEntry {
  const { seq: _seq, ...rest } = e;
  return rest;
}
