// The hash-equivalence database in LevelDB. Tables (sublevels), keyed so that every lookup
// the protocol needs is a point read or a prefix scan:
//   unihash          (method, taskhash)          -> { unihash, gc_mark }
//   unihash-by-value (unihash, method, taskhash) -> ""       index for exists / remove / gc
//   outhash          (method, outhash, taskhash) -> { created, seq, owner, PN, PV, PR, task, outhash_siginfo }
//   outhash-by-task  (method, taskhash, outhash) -> ""       index for get(all) / remove
//   user             username                    -> { token, permissions }
//   config           name                        -> value    ("gc-mark", "seq")
// Every multi-step write runs under one lock and commits as one atomic batch, so the
// "first writer wins" rule holds however many clients report at once.
import { Level } from "level";
import type { AbstractBatchOperation, AbstractSublevel } from "abstract-level";
import type { UniHash } from "../../common/hashes.js";
import { OUTHASH_EXTRA_FIELDS, type OuthashExtraField } from "./protocol.js";

export interface UnihashRow {
  readonly method: string;
  readonly taskhash: string;
  readonly unihash: UniHash;
  readonly gc_mark: string;
}

export type OuthashExtra = { readonly [K in OuthashExtraField]?: string | null };

export interface OuthashRow extends OuthashExtra {
  readonly method: string;
  readonly taskhash: string;
  readonly outhash: string;
  /** Python isoformat in UTC ("2024-05-01T10:00:00.123000+00:00"), or null if never set. */
  readonly created: string | null;
}

export interface JoinedOuthashRow extends OuthashRow {
  readonly unihash: UniHash;
}

export interface StoredUser {
  readonly username: string;
  readonly permissions: readonly string[];
  readonly token: string;
}

/** Column = value conditions of `remove` and `gc-mark`, as the client sent them. */
export type Condition = Readonly<Record<string, unknown>>;

export const UNIHASH_COLUMNS = ["method", "taskhash", "unihash", "gc_mark"] as const;
export const OUTHASH_COLUMNS = ["method", "taskhash", "outhash", "created", ...OUTHASH_EXTRA_FIELDS] as const;
/** Columns a query may name (BitBake lists its TEXT columns). */
export const QUERY_COLUMNS: readonly string[] = [...new Set([...UNIHASH_COLUMNS, ...OUTHASH_COLUMNS])].filter(
  (c) => c !== "created",
);

interface UnihashValue {
  readonly unihash: UniHash;
  readonly gc_mark: string;
}

interface OuthashValue extends OuthashExtra {
  readonly created: string | null;
  /** Insertion order: breaks ties between rows created in the same millisecond. */
  readonly seq: number;
}

interface UserValue {
  readonly token: string;
  readonly permissions: readonly string[];
}

type Db = Level<string, unknown>;
type Table<V> = AbstractSublevel<Db, string | Buffer | Uint8Array, string, V>;
type Op = AbstractBatchOperation<Db, string, unknown>;

// Key components are joined with NUL; escaping keeps a component that contains NUL (or the
// escape byte) from reading as two, and keeps prefix scans exact.
const escapePart = (s: string): string => s.replace(/\x01/g, "\x01\x02").replace(/\x00/g, "\x01\x01");
const unescapePart = (s: string): string => s.replace(/\x01([\x01\x02])/g, (_m, c: string) => (c === "\x01" ? "\x00" : "\x01"));
const keyOf = (...parts: readonly string[]): string => parts.map(escapePart).join("\x00");
const partsOf = (key: string): string[] => key.split("\x00").map(unescapePart);
const prefixRange = (...parts: readonly string[]): { gte: string; lt: string } => {
  const k = keyOf(...parts);
  return { gte: k + "\x00", lt: k + "\x01" };
};

/** Python's datetime.isoformat() of an aware UTC time, which BitBake clients parse. */
export function pythonIsoTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000+00:00");
}

function createdOrder(row: { created: string | null; seq: number }): number {
  const t = row.created === null ? NaN : Date.parse(row.created);
  return Number.isNaN(t) ? 0 : t;
}

function olderFirst(a: { created: string | null; seq: number }, b: { created: string | null; seq: number }): number {
  return createdOrder(a) - createdOrder(b) || a.seq - b.seq;
}

/** SQL-like equality of a stored TEXT column with a condition value. */
function columnMatches(stored: string | null | undefined, wanted: unknown): boolean {
  if (stored === null || stored === undefined) return false;
  const text = typeof wanted === "boolean" ? (wanted ? "1" : "0") : String(wanted);
  return stored === text;
}

/** The condition restricted to one table's columns; BitBake ignores other keys and nulls. */
function conditionFor(columns: readonly string[], condition: Condition): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const c of columns) {
    const v = condition[c];
    if (v !== undefined && v !== null) m.set(c, v);
  }
  return m;
}

function matchesAll(row: Readonly<Record<string, unknown>>, where: ReadonlyMap<string, unknown>): boolean {
  for (const [c, v] of where) if (!columnMatches(row[c] as string | null | undefined, v)) return false;
  return true;
}

class Mutex {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

export class HashStore {
  readonly #db: Db;
  readonly #unihash: Table<UnihashValue>;
  readonly #unihashByValue: Table<string>;
  readonly #outhash: Table<OuthashValue>;
  readonly #outhashByTask: Table<string>;
  readonly #user: Table<UserValue>;
  readonly #config: Table<string>;
  readonly #lock = new Mutex();
  #seq = 0;
  #gcMark: string | null = null;

  private constructor(db: Db) {
    this.#db = db;
    const table = <V>(name: string) => db.sublevel<string, V>(name, { valueEncoding: "json" }) as unknown as Table<V>;
    this.#unihash = table<UnihashValue>("unihash");
    this.#unihashByValue = table<string>("unihash-by-value");
    this.#outhash = table<OuthashValue>("outhash");
    this.#outhashByTask = table<string>("outhash-by-task");
    this.#user = table<UserValue>("user");
    this.#config = table<string>("config");
  }

  static async open(dir: string): Promise<HashStore> {
    const db: Db = new Level<string, unknown>(dir, { valueEncoding: "json" });
    await db.open();
    const store = new HashStore(db);
    await Promise.all(
      [store.#unihash, store.#unihashByValue, store.#outhash, store.#outhashByTask, store.#user, store.#config].map((t) => t.open()),
    );
    const seq = store.#config.getSync("seq");
    store.#seq = typeof seq === "string" ? Number(seq) : 0;
    const mark = store.#config.getSync("gc-mark");
    store.#gcMark = typeof mark === "string" ? mark : null;
    return store;
  }

  close(): Promise<void> {
    return this.#lock.run(() => this.#db.close());
  }

  // ---- reads ------------------------------------------------------------------------------

  getUnihash(method: string, taskhash: string): UnihashRow | undefined {
    const v = this.#unihash.getSync(keyOf(method, taskhash));
    return v === undefined ? undefined : { method, taskhash, unihash: v.unihash, gc_mark: v.gc_mark };
  }

  async unihashExists(unihash: string): Promise<boolean> {
    const keys = await this.#unihashByValue.keys({ ...prefixRange(unihash), limit: 1 }).all();
    return keys.length > 0;
  }

  /** The oldest outhash row for (method, outhash), optionally only those with a unihash. */
  async oldestByOuthash(
    method: string,
    outhash: string,
    opts: { readonly joined: boolean; readonly excludeTaskhash?: string },
  ): Promise<(OuthashRow & { readonly unihash?: UniHash }) | undefined> {
    let best: { row: OuthashRow & { unihash?: UniHash }; value: OuthashValue } | undefined;
    for await (const [key, value] of this.#outhash.iterator(prefixRange(method, outhash))) {
      const taskhash = partsOf(key)[2]!;
      if (taskhash === opts.excludeTaskhash) continue;
      const uni = opts.joined ? this.#unihash.getSync(keyOf(method, taskhash)) : undefined;
      if (opts.joined && uni === undefined) continue;
      if (best !== undefined && olderFirst(value, best.value) >= 0) continue;
      const row = this.outhashRow(method, outhash, taskhash, value);
      best = { row: uni === undefined ? row : { ...row, unihash: uni.unihash }, value };
    }
    return best?.row;
  }

  /** BitBake's "get all": the oldest outhash row of a taskhash that has a unihash, with it. */
  async oldestByTaskhash(method: string, taskhash: string): Promise<JoinedOuthashRow | undefined> {
    const uni = this.#unihash.getSync(keyOf(method, taskhash));
    if (uni === undefined) return undefined;
    let best: { row: OuthashRow; value: OuthashValue } | undefined;
    for await (const key of this.#outhashByTask.keys(prefixRange(method, taskhash))) {
      const outhash = partsOf(key)[2]!;
      const value = this.#outhash.getSync(keyOf(method, outhash, taskhash));
      if (value === undefined) continue;
      if (best !== undefined && olderFirst(value, best.value) >= 0) continue;
      best = { row: this.outhashRow(method, outhash, taskhash, value), value };
    }
    return best === undefined ? undefined : { ...best.row, unihash: uni.unihash };
  }

  hasOuthash(method: string, outhash: string, taskhash: string): boolean {
    return this.#outhash.getSync(keyOf(method, outhash, taskhash)) !== undefined;
  }

  currentGcMark(): string | null {
    return this.#gcMark;
  }

  getUser(username: string): StoredUser | undefined {
    const v = this.#user.getSync(username);
    return v === undefined ? undefined : { username, ...v };
  }

  async allUsers(): Promise<StoredUser[]> {
    const users: StoredUser[] = [];
    for await (const [username, v] of this.#user.iterator()) users.push({ username, ...v });
    return users;
  }

  async usage(): Promise<Record<string, { rows: number }>> {
    const count = async (t: Table<unknown>): Promise<number> => {
      let n = 0;
      for await (const _ of t.keys()) n++;
      return n;
    };
    return {
      unihashes: { rows: await count(this.#unihash as Table<unknown>) },
      outhashes: { rows: await count(this.#outhash as Table<unknown>) },
      users: { rows: await count(this.#user as Table<unknown>) },
      config: { rows: await count(this.#config as Table<unknown>) },
    };
  }

  // ---- writes -----------------------------------------------------------------------------

  /**
   * A task's output was reported. If (method, outhash, taskhash) is new, the taskhash takes
   * the unihash of the oldest other task with the same outhash, else `proposed`; a taskhash
   * that already has a unihash keeps it (first writer wins). Returns the taskhash's unihash
   * afterwards (undefined only if the row existed but its unihash was removed).
   */
  report(row: OuthashRow, proposed: UniHash): Promise<UniHash | undefined> {
    return this.#lock.run(async () => {
      const ops: Op[] = [];
      if (!this.hasOuthash(row.method, row.outhash, row.taskhash)) {
        const equivalent = await this.oldestByOuthash(row.method, row.outhash, { joined: true, excludeTaskhash: row.taskhash });
        ops.push(...this.outhashOps(row));
        ops.push(...this.unihashOps(row.method, row.taskhash, equivalent?.unihash ?? proposed));
        await this.#db.batch(ops);
      }
      return this.getUnihash(row.method, row.taskhash)?.unihash;
    });
  }

  /** INSERT OR IGNORE of a taskhash -> unihash mapping; true if it was new. */
  insertUnihash(method: string, taskhash: string, unihash: UniHash): Promise<boolean> {
    return this.#lock.run(async () => {
      const ops = this.unihashOps(method, taskhash, unihash);
      if (ops.length > 0) await this.#db.batch(ops);
      return ops.length > 0;
    });
  }

  /** Caches a row learnt from an upstream server: both its mappings, each only if new. */
  insertUnified(row: JoinedOuthashRow): Promise<void> {
    return this.#lock.run(async () => {
      const ops = [...this.unihashOps(row.method, row.taskhash, row.unihash)];
      if (!this.hasOuthash(row.method, row.outhash, row.taskhash)) ops.push(...this.outhashOps(row));
      if (ops.length > 0) await this.#db.batch(ops);
    });
  }

  /** Deletes outhash rows and unihash rows matching the condition (each table on its own columns). */
  remove(condition: Condition): Promise<number> {
    return this.#lock.run(async () => {
      const ops: Op[] = [];
      let count = 0;
      const outWhere = conditionFor(OUTHASH_COLUMNS, condition);
      if (outWhere.size > 0) {
        for (const row of await this.matchingOuthashes(outWhere)) {
          ops.push(...this.deleteOuthashOps(row));
          count++;
        }
      }
      const uniWhere = conditionFor(UNIHASH_COLUMNS, condition);
      if (uniWhere.size > 0) {
        for (const row of await this.matchingUnihashes(uniWhere)) {
          ops.push(...this.deleteUnihashOps(row));
          count++;
        }
      }
      if (ops.length > 0) await this.#db.batch(ops);
      return count;
    });
  }

  /** Starts (or continues) collection `mark`; matching unihash rows are kept. */
  gcMark(mark: string, condition: Condition): Promise<number> {
    return this.#lock.run(async () => {
      const ops: Op[] = [{ type: "put", sublevel: this.#config, key: "gc-mark", value: mark }];
      const where = conditionFor(UNIHASH_COLUMNS, condition);
      let count = 0;
      if (where.size > 0) {
        for (const row of await this.matchingUnihashes(where)) {
          ops.push({ type: "put", sublevel: this.#unihash, key: keyOf(row.method, row.taskhash), value: { unihash: row.unihash, gc_mark: mark } });
          count++;
        }
      }
      await this.#db.batch(ops);
      this.#gcMark = mark;
      return count;
    });
  }

  async gcStatus(): Promise<{ keep: number; remove: number; mark: string | null }> {
    const current = this.#gcMark ?? "";
    let keep = 0;
    let remove = 0;
    for await (const v of this.#unihash.values()) {
      if (v.gc_mark === current) keep++;
      else remove++;
    }
    return { keep, remove, mark: this.#gcMark };
  }

  /** Deletes every unihash row not marked with the current mark, and ends the collection. */
  gcSweep(): Promise<number> {
    return this.#lock.run(async () => {
      const ops: Op[] = [];
      let count = 0;
      if (this.#gcMark !== null) {
        for await (const [key, v] of this.#unihash.iterator()) {
          if (v.gc_mark === this.#gcMark) continue;
          const [method, taskhash] = partsOf(key) as [string, string];
          ops.push(...this.deleteUnihashOps({ method, taskhash, unihash: v.unihash, gc_mark: v.gc_mark }));
          count++;
        }
      }
      ops.push({ type: "del", sublevel: this.#config, key: "gc-mark" });
      await this.#db.batch(ops);
      this.#gcMark = null;
      return count;
    });
  }

  /** Deletes outhash rows created before `olderThan` whose taskhash has no unihash. */
  cleanUnused(olderThan: Date): Promise<number> {
    return this.#lock.run(async () => {
      const ops: Op[] = [];
      let count = 0;
      const limit = olderThan.getTime();
      for await (const [key, v] of this.#outhash.iterator()) {
        const [method, outhash, taskhash] = partsOf(key) as [string, string, string];
        if (v.created === null || !(Date.parse(v.created) < limit)) continue;
        if (this.#unihash.getSync(keyOf(method, taskhash)) !== undefined) continue;
        ops.push(...this.deleteOuthashOps(this.outhashRow(method, outhash, taskhash, v)));
        count++;
      }
      if (ops.length > 0) await this.#db.batch(ops);
      return count;
    });
  }

  newUser(username: string, permissions: readonly string[], token: string): Promise<boolean> {
    return this.#lock.run(async () => {
      if (this.#user.getSync(username) !== undefined) return false;
      await this.#user.put(username, { token, permissions });
      return true;
    });
  }

  /** Creates the user, or resets its permissions and token if it exists. */
  upsertUser(username: string, permissions: readonly string[], token: string): Promise<"created" | "updated"> {
    return this.#lock.run(async () => {
      const existed = this.#user.getSync(username) !== undefined;
      await this.#user.put(username, { token, permissions });
      return existed ? "updated" : "created";
    });
  }

  setUserToken(username: string, token: string): Promise<boolean> {
    return this.updateUser(username, (u) => ({ ...u, token }));
  }

  setUserPermissions(username: string, permissions: readonly string[]): Promise<boolean> {
    return this.updateUser(username, (u) => ({ ...u, permissions }));
  }

  deleteUser(username: string): Promise<boolean> {
    return this.#lock.run(async () => {
      if (this.#user.getSync(username) === undefined) return false;
      await this.#user.del(username);
      return true;
    });
  }

  // ---- internals --------------------------------------------------------------------------

  private updateUser(username: string, change: (u: UserValue) => UserValue): Promise<boolean> {
    return this.#lock.run(async () => {
      const u = this.#user.getSync(username);
      if (u === undefined) return false;
      await this.#user.put(username, change(u));
      return true;
    });
  }

  private outhashRow(method: string, outhash: string, taskhash: string, v: OuthashValue): OuthashRow {
    const row: Record<string, unknown> = { method, taskhash, outhash, created: v.created };
    // Unset columns read back as null, as from BitBake's SQL tables.
    for (const f of OUTHASH_EXTRA_FIELDS) row[f] = v[f] ?? null;
    return row as unknown as OuthashRow;
  }

  private unihashOps(method: string, taskhash: string, unihash: UniHash): Op[] {
    if (this.#unihash.getSync(keyOf(method, taskhash)) !== undefined) return [];
    // New rows carry the mark of a collection in progress, so a sweep keeps them.
    return [
      { type: "put", sublevel: this.#unihash, key: keyOf(method, taskhash), value: { unihash, gc_mark: this.#gcMark ?? "" } },
      { type: "put", sublevel: this.#unihashByValue, key: keyOf(unihash, method, taskhash), value: "" },
    ];
  }

  private outhashOps(row: OuthashRow): Op[] {
    const value: Record<string, unknown> = { created: row.created, seq: ++this.#seq };
    for (const f of OUTHASH_EXTRA_FIELDS) if (row[f] !== undefined) value[f] = row[f];
    return [
      { type: "put", sublevel: this.#outhash, key: keyOf(row.method, row.outhash, row.taskhash), value },
      { type: "put", sublevel: this.#outhashByTask, key: keyOf(row.method, row.taskhash, row.outhash), value: "" },
      { type: "put", sublevel: this.#config, key: "seq", value: String(this.#seq) },
    ];
  }

  private deleteOuthashOps(row: OuthashRow): Op[] {
    return [
      { type: "del", sublevel: this.#outhash, key: keyOf(row.method, row.outhash, row.taskhash) },
      { type: "del", sublevel: this.#outhashByTask, key: keyOf(row.method, row.taskhash, row.outhash) },
    ];
  }

  private deleteUnihashOps(row: UnihashRow): Op[] {
    return [
      { type: "del", sublevel: this.#unihash, key: keyOf(row.method, row.taskhash) },
      { type: "del", sublevel: this.#unihashByValue, key: keyOf(row.unihash, row.method, row.taskhash) },
    ];
  }

  private async matchingUnihashes(where: ReadonlyMap<string, unknown>): Promise<UnihashRow[]> {
    const rows: UnihashRow[] = [];
    const method = where.get("method");
    const taskhash = where.get("taskhash");
    const unihash = where.get("unihash");
    if (typeof method === "string" && typeof taskhash === "string") {
      const row = this.getUnihash(method, taskhash);
      if (row !== undefined) rows.push(row);
    } else if (typeof unihash === "string") {
      for await (const key of this.#unihashByValue.keys(prefixRange(unihash))) {
        const [, m, t] = partsOf(key) as [string, string, string];
        const row = this.getUnihash(m, t);
        if (row !== undefined) rows.push(row);
      }
    } else {
      for await (const [key, v] of this.#unihash.iterator()) {
        const [m, t] = partsOf(key) as [string, string];
        rows.push({ method: m, taskhash: t, unihash: v.unihash, gc_mark: v.gc_mark });
      }
    }
    return rows.filter((r) => matchesAll(r as unknown as Record<string, unknown>, where));
  }

  private async matchingOuthashes(where: ReadonlyMap<string, unknown>): Promise<OuthashRow[]> {
    const rows: OuthashRow[] = [];
    const method = where.get("method");
    const outhash = where.get("outhash");
    const taskhash = where.get("taskhash");
    if (typeof method === "string" && typeof outhash === "string") {
      for await (const [key, v] of this.#outhash.iterator(prefixRange(method, outhash))) {
        rows.push(this.outhashRow(method, outhash, partsOf(key)[2]!, v));
      }
    } else if (typeof method === "string" && typeof taskhash === "string") {
      for await (const key of this.#outhashByTask.keys(prefixRange(method, taskhash))) {
        const o = partsOf(key)[2]!;
        const v = this.#outhash.getSync(keyOf(method, o, taskhash));
        if (v !== undefined) rows.push(this.outhashRow(method, o, taskhash, v));
      }
    } else {
      for await (const [key, v] of this.#outhash.iterator()) {
        const [m, o, t] = partsOf(key) as [string, string, string];
        rows.push(this.outhashRow(m, o, t, v));
      }
    }
    return rows.filter((r) => matchesAll(r as unknown as Record<string, unknown>, where));
  }
}
