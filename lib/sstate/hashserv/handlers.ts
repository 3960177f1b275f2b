// The server's request handlers, as one table: each entry names the permissions it needs.
// A read-only server is built from a smaller table (the writing handlers are simply absent,
// and "report" answers without writing), not from handlers that check a flag.
import { setTimeout as sleep } from "node:timers/promises";
import { FAILED_AUTH_DELAY_MS, grants, hashToken, newToken, permissionArgument, shownPermissions, tokenMatches } from "./auth.js";
import type { HashEquivClient } from "./client.js";
import { ProtocolError, type Channel } from "./connection.js";
import { isUniHash, type UniHash } from "../../common/hashes.js";
import { HashservInvokeError } from "./errors.js";
import {
  OUTHASH_EXTRA_FIELDS,
  STREAM_END,
  STREAM_OK,
  type OuthashReply,
  type Permission,
  type RequestName,
  type RequestOf,
  type UnihashReply,
} from "./protocol.js";
import type { RequestStats } from "./stats.js";
import { QUERY_COLUMNS, pythonIsoTime, type HashStore, type JoinedOuthashRow, type OuthashRow } from "./store.js";

export interface SessionUser {
  readonly username: string;
  readonly permissions: ReadonlySet<string>;
}

/** Copies hashes that get-stream found only upstream into the local store, in the background. */
export interface Backfill {
  push(method: string, taskhash: string): void;
  readonly size: number;
  idle(): Promise<void>;
}

/** What a handler may use of the connection it serves. */
export interface Session {
  readonly store: HashStore;
  readonly stats: RequestStats;
  readonly channel: Channel;
  readonly anonPermissions: ReadonlySet<string>;
  readonly backfill: Backfill | undefined;
  user: SessionUser | null;
  readonly hasUpstream: boolean;
  /**
   * Asks the upstream server (connected on first use). Undefined without an upstream, or when
   * it cannot be reached: trouble upstream makes a miss, not a failed request.
   */
  askUpstream<T>(ask: (upstream: HashEquivClient) => Promise<T>): Promise<T | undefined>;
  log(message: string): void;
}

/** Returned by stream-mode handlers, which write their own replies. */
export const NO_REPLY = Symbol("no reply");

export interface Handler<K extends RequestName> {
  readonly permissions: readonly Permission[];
  /** Whether the anonymous permissions may satisfy `permissions` (default true). */
  readonly allowAnon?: boolean;
  /** A logged-in user may act on their own account ("username" absent or their own). */
  readonly selfService?: boolean;
  /** Stream handlers time each line, not the request that opens the stream. */
  readonly stream?: boolean;
  run(session: Session, body: RequestOf<K>["body"]): Promise<unknown>;
}

export type HandlerTable = { readonly [K in RequestName]?: Handler<K> };

export function hasPermissions(session: Session, required: readonly Permission[], allowAnon = true): boolean {
  if (allowAnon && grants(session.anonPermissions, required)) return true;
  return session.user !== null && grants(session.user.permissions, required);
}

// ---- hash lookups, with the upstream server as a fallback ---------------------------------

async function unihashOf(s: Session, method: string, taskhash: string): Promise<UnihashReply | null> {
  const row = s.store.getUnihash(method, taskhash);
  if (row !== undefined) return { taskhash: row.taskhash, method, unihash: row.unihash };
  const d = await s.askUpstream((u) => u.getTaskhash(method, taskhash));
  if (d === undefined || d === null) return null;
  await s.store.insertUnihash(d.method, d.taskhash, checkedUnihash(d.unihash));
  return d;
}

async function unihashRowOf(s: Session, method: string, taskhash: string): Promise<OuthashReply | null> {
  const row = await s.store.oldestByTaskhash(method, taskhash);
  if (row !== undefined) return row;
  const d = await s.askUpstream((u) => u.getTaskhash(method, taskhash, true));
  if (d === undefined || d === null) return null;
  await cacheUpstreamRow(s, d);
  return d;
}

async function outhashOf(s: Session, method: string, outhash: string, taskhash: string, withUnihash: boolean): Promise<OuthashReply | null> {
  const row = await s.store.oldestByOuthash(method, outhash, { joined: withUnihash });
  if (row !== undefined) return row;
  const d = await s.askUpstream((u) => u.getOuthash(method, outhash, taskhash));
  if (d === undefined || d === null) return null;
  await cacheUpstreamRow(s, d);
  return d;
}

async function cacheUpstreamRow(s: Session, d: OuthashReply): Promise<void> {
  const row: Record<string, unknown> = { method: d.method, taskhash: d.taskhash, outhash: d.outhash, created: d.created };
  for (const f of OUTHASH_EXTRA_FIELDS) if (d[f] !== undefined) row[f] = d[f];
  await s.store.insertUnified({ ...(row as unknown as OuthashRow), unihash: checkedUnihash(d.unihash) } as JoinedOuthashRow);
}

function checkedUnihash(value: unknown): UniHash {
  if (!isUniHash(value)) throw new HashservInvokeError("Invalid unihash");
  return value;
}

// ---- stream mode ----------------------------------------------------------------------------

/**
 * Stream mode: "ok", then one reply line per request line until "END" (or an empty line),
 * then a raw "ok" line. Lines are answered in order.
 */
async function streamMode(s: Session, answer: (line: string) => Promise<string>): Promise<typeof NO_REPLY> {
  await s.channel.sendMessage(STREAM_OK);
  for (;;) {
    const line = await s.channel.recvLine();
    if (line === "" || line === STREAM_END) break;
    const start = performance.now();
    const reply = await answer(line);
    await s.channel.sendLine(reply);
    s.stats.add((performance.now() - start) / 1000);
  }
  await s.channel.sendLine(STREAM_OK);
  return NO_REPLY;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// ---- reports --------------------------------------------------------------------------------

type ReportBody = RequestOf<"report">["body"];

/** What a report would be answered, without recording it. */
async function reportWithoutWriting(s: Session, body: ReportBody): Promise<UnihashReply> {
  const info = await outhashOf(s, body.method, body.outhash, body.taskhash, true);
  return { taskhash: body.taskhash, method: body.method, unihash: info?.unihash ?? body.unihash };
}

async function reportAndRecord(s: Session, body: ReportBody): Promise<UnihashReply> {
  if (!hasPermissions(s, ["@report"])) return reportWithoutWriting(s, body);
  const row: Record<string, unknown> = {
    method: body.method,
    outhash: body.outhash,
    taskhash: body.taskhash,
    created: pythonIsoTime(new Date()),
  };
  for (const f of OUTHASH_EXTRA_FIELDS) if (body[f] !== undefined) row[f] = body[f];
  // A logged-in reporter is the owner, whatever the report claims.
  if (s.user !== null) row.owner = s.user.username;

  let proposed: UniHash = body.unihash;
  if (
    s.hasUpstream &&
    !s.store.hasOuthash(body.method, body.outhash, body.taskhash) &&
    (await s.store.oldestByOuthash(body.method, body.outhash, { joined: true, excludeTaskhash: body.taskhash })) === undefined
  ) {
    // Nothing equivalent here: an equivalent the upstream knows beats the reporter's proposal.
    const up = await s.askUpstream((u) => u.getOuthash(body.method, body.outhash, body.taskhash));
    if (up?.unihash !== undefined) proposed = up.unihash;
  }
  const unihash =
    (await s.store.report(row as unknown as OuthashRow, proposed)) ??
    (await unihashOf(s, body.method, body.taskhash))?.unihash ??
    body.unihash;
  return { taskhash: body.taskhash, method: body.method, unihash };
}

// ---- users ----------------------------------------------------------------------------------

function noSuchUser(username: string): never {
  throw new HashservInvokeError(`No user named '${username}' exists`);
}

function userReply(username: string, permissions: Iterable<string>): { username: string; permissions: string[] } {
  return { username, permissions: shownPermissions(permissions) };
}

// ---- the tables -------------------------------------------------------------------------------

const readHandlers: HandlerTable = {
  ping: { permissions: [], run: async () => ({ alive: true }) },
  get: {
    permissions: ["@read"],
    run: (s, b) => (b.all ? unihashRowOf(s, b.method, b.taskhash) : unihashOf(s, b.method, b.taskhash)),
  },
  "get-outhash": {
    permissions: ["@read"],
    run: (s, b) => outhashOf(s, b.method, b.outhash, b.taskhash, b.with_unihash),
  },
  "get-stream": {
    permissions: ["@read"],
    stream: true,
    run: (s) =>
      streamMode(s, async (line) => {
        const parts = line.trim().split(/\s+/);
        if (parts.length !== 2) throw new ProtocolError(s.channel.peer, `bad get-stream line ${JSON.stringify(line)}`);
        const [method, taskhash] = parts as [string, string];
        const row = s.store.getUnihash(method, taskhash);
        if (row !== undefined) return row.unihash;
        const found = await s.askUpstream((u) => u.getUnihash(method, taskhash));
        if (found === undefined || found === null) return "";
        s.backfill?.push(method, taskhash);
        return found;
      }),
  },
  "exists-stream": {
    permissions: ["@read"],
    stream: true,
    run: (s) =>
      streamMode(s, async (unihash) => {
        if (await s.store.unihashExists(unihash)) return "true";
        return (await s.askUpstream((u) => u.unihashExists(unihash))) === true ? "true" : "false";
      }),
  },
  "get-stats": { permissions: ["@read"], run: async (s) => ({ requests: s.stats.toReply() }) },
  "get-db-usage": { permissions: ["@db-admin"], run: async (s) => ({ usage: await s.store.usage() }) },
  "get-db-query-columns": { permissions: ["@db-admin"], run: async () => ({ columns: [...QUERY_COLUMNS] }) },
  auth: {
    permissions: [],
    run: async (s, b) => {
      const user = s.store.getUser(b.username);
      if (user === undefined || !tokenMatches(user.token, b.token)) {
        await sleep(FAILED_AUTH_DELAY_MS); // slows down guessing
        throw new HashservInvokeError(`Unable to authenticate as ${b.username}`);
      }
      s.user = { username: user.username, permissions: new Set(user.permissions) };
      s.log(`authenticated as ${user.username}`);
      return { result: true, username: user.username, permissions: [...user.permissions].sort() };
    },
  },
  "get-user": {
    permissions: ["@user-admin"],
    allowAnon: false,
    selfService: true,
    run: async (s, b) => {
      const user = s.store.getUser(b.username);
      return user === undefined ? null : userReply(user.username, user.permissions);
    },
  },
  "get-all-users": {
    permissions: ["@user-admin"],
    allowAnon: false,
    run: async (s) => ({ users: (await s.store.allUsers()).map((u) => userReply(u.username, u.permissions)) }),
  },
  "become-user": {
    permissions: ["@user-admin"],
    allowAnon: false,
    run: async (s, b) => {
      const user = s.store.getUser(b.username);
      if (user === undefined) throw new HashservInvokeError(`User ${b.username} doesn't exist`);
      s.user = { username: user.username, permissions: new Set(user.permissions) };
      s.log(`became user ${user.username}`);
      return userReply(user.username, user.permissions);
    },
  },
};

const writeHandlers: HandlerTable = {
  report: { permissions: ["@read"], run: reportAndRecord },
  "report-equiv": {
    permissions: ["@read", "@report"],
    run: async (s, b) => {
      await s.store.insertUnihash(b.method, b.taskhash, b.unihash);
      const row = s.store.getUnihash(b.method, b.taskhash);
      // The row can only be missing if an admin removed it in between.
      return row === undefined ? null : { taskhash: row.taskhash, method: row.method, unihash: row.unihash };
    },
  },
  "reset-stats": {
    permissions: ["@db-admin"],
    run: async (s) => {
      const reply = { requests: s.stats.toReply() };
      s.stats.reset();
      return reply;
    },
  },
  "backfill-wait": {
    permissions: ["@read"],
    run: async (s) => {
      const tasks = s.backfill?.size ?? 0;
      await s.backfill?.idle();
      return { tasks };
    },
  },
  remove: { permissions: ["@db-admin"], run: async (s, b) => ({ count: await s.store.remove(b.where) }) },
  "gc-mark": { permissions: ["@db-admin"], run: async (s, b) => ({ count: await s.store.gcMark(b.mark, b.where) }) },
  "gc-mark-stream": {
    permissions: ["@db-admin"],
    stream: true,
    run: (s) =>
      streamMode(s, async (line) => {
        let decoded: unknown;
        try {
          decoded = JSON.parse(line);
        } catch {
          throw new HashservInvokeError(`Could not decode JSONL input '${line}'`);
        }
        if (!isRecord(decoded)) throw new HashservInvokeError(`Could not decode JSONL input '${line}'`);
        for (const key of ["mark", "where"]) {
          if (!(key in decoded)) throw new HashservInvokeError(`Input line is missing key '${key}'`);
        }
        if (typeof decoded.mark !== "string") throw new HashservInvokeError("Bad mark type");
        if (!isRecord(decoded.where)) throw new HashservInvokeError("Bad condition type");
        return JSON.stringify({ count: await s.store.gcMark(decoded.mark, decoded.where) });
      }),
  },
  "gc-sweep": {
    permissions: ["@db-admin"],
    run: async (s, b) => {
      const current = s.store.currentGcMark();
      if (current === null || current === "" || current !== b.mark) {
        throw new HashservInvokeError(`'${b.mark}' is not the current mark. Refusing to sweep`);
      }
      return { count: await s.store.gcSweep() };
    },
  },
  "gc-status": { permissions: ["@db-admin"], run: async (s) => s.store.gcStatus() },
  "clean-unused": {
    permissions: ["@db-admin"],
    run: async (s, b) => ({ count: await s.store.cleanUnused(new Date(Date.now() - b.max_age_seconds * 1000)) }),
  },
  "refresh-token": {
    permissions: ["@user-admin"],
    allowAnon: false,
    selfService: true,
    run: async (s, b) => {
      const token = await newToken();
      if (!(await s.store.setUserToken(b.username, hashToken(token)))) noSuchUser(b.username);
      return { username: b.username, token };
    },
  },
  "set-user-perms": {
    permissions: ["@user-admin"],
    allowAnon: false,
    run: async (s, b) => {
      const perms = permissionArgument(b.permissions);
      if (!(await s.store.setUserPermissions(b.username, perms))) noSuchUser(b.username);
      return userReply(b.username, perms);
    },
  },
  "new-user": {
    permissions: ["@user-admin"],
    allowAnon: false,
    run: async (s, b) => {
      const perms = permissionArgument(b.permissions);
      const token = await newToken();
      if (!(await s.store.newUser(b.username, perms, hashToken(token)))) {
        throw new HashservInvokeError(`Cannot create new user '${b.username}'`);
      }
      return { ...userReply(b.username, perms), token };
    },
  },
  "delete-user": {
    permissions: ["@user-admin"],
    allowAnon: false,
    selfService: true,
    run: async (s, b) => {
      if (!(await s.store.deleteUser(b.username))) noSuchUser(b.username);
      return { username: b.username };
    },
  },
};

const readOnlyReport: HandlerTable = {
  // bitbake still reports to a read-only server; it is told the unihash it would get.
  report: { permissions: ["@read"], run: reportWithoutWriting },
};

export function handlerTable(readOnly: boolean): HandlerTable {
  return readOnly ? { ...readHandlers, ...readOnlyReport } : { ...readHandlers, ...writeHandlers };
}

