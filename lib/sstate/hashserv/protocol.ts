// BitBake's hash-equivalence protocol ("OEHASHEQUIV 1.1"), as spoken by
// bitbake-hashserv and bitbake-hashclient: a handshake line, header lines up to an empty
// line, then one JSON object per line in normal mode ({"get": {...}} -> reply), or raw
// text lines in stream mode (get-stream, exists-stream, gc-mark-stream) until "END".
import type { z as Zod } from "zod";
import { zod } from "../../common/schema.js";
import { isUniHash, type UniHash } from "../../common/hashes.js";

// The same zod as the rest of a build (common/schema.ts): this module is loaded only with a server.
const z = zod();

export const PROTOCOL_NAME = "OEHASHEQUIV";
export const PROTOCOL_VERSION = "1.1";

/** The server accepts versions above 1.0 up to 1.1, like BitBake's. */
export function isSupportedVersion(version: readonly number[]): boolean {
  const cmp = (a: readonly number[], b: readonly number[]): number => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = (a[i] ?? 0) - (b[i] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  };
  return cmp(version, [1, 0]) > 0 && cmp(version, [1, 1]) <= 0;
}

/**
 * BitBake's asyncio readers give up on lines over 64 KiB, so a message this long or longer
 * is sent as {"chunk-stream": null}, then lines of at most MAX_CHUNK - 1 characters, then an
 * empty line.
 */
export const MAX_CHUNK = 32 * 1024;

/** Stream-mode sentinel that returns the connection to normal mode. */
export const STREAM_END = "END";
/** The raw line the server sends when it leaves stream mode (and the JSON reply entering it). */
export const STREAM_OK = "ok";

// ---- hashes -------------------------------------------------------------------------------

// A unihash must be one (common/hashes.ts), as BitBake's server and clients insist. Taskhashes
// and outhashes are the client's business: BitBake's server stores any text there (its own
// tests use 40-digit taskhashes), so bake's does too.
export const INVALID_UNIHASH = "Invalid unihash";

const taskhash = z.string({ error: "Missing or invalid 'taskhash'" });
const outhash = z.string({ error: "Missing or invalid 'outhash'" });
const unihash = z.custom<UniHash>(isUniHash, { error: INVALID_UNIHASH });

// ---- permissions --------------------------------------------------------------------------

export const PERMISSIONS = ["@read", "@report", "@db-admin", "@user-admin", "@all"] as const;
export type Permission = (typeof PERMISSIONS)[number];
/** Matches nothing; accepted (and dropped) wherever a permission list is. */
export const NO_PERMISSION = "@none";
/** Anonymous users may never manage users. */
export const ANON_ALLOWED_PERMISSIONS: readonly Permission[] = ["@read", "@report", "@db-admin"];
/**
 * Unauthenticated clients may read only. BitBake's default (@read @report @db-admin) lets anyone
 * who can connect poison or delete the equivalences a whole team builds from; widening is an
 * explicit choice (`--anon-perms`, or a private server such as the build's own).
 */
export const DEFAULT_ANON_PERMISSIONS: readonly Permission[] = ["@read"];
/** BitBake's default anonymous permissions, for set-ups that must behave as bitbake-hashserv. */
export const BITBAKE_ANON_PERMISSIONS: readonly Permission[] = ["@read", "@report", "@db-admin"];

export function isPermission(p: string): p is Permission {
  return (PERMISSIONS as readonly string[]).includes(p);
}

// ---- requests -----------------------------------------------------------------------------

const text = (name: string) => z.string({ error: `Missing or invalid '${name}'` });
const method = text("method");
const optionalText = z.string().nullable().optional();
const where = z.record(z.string(), z.unknown(), { error: "Bad condition type" });
const mark = z.string({ error: "Bad mark type" });
const noArguments = z.unknown();

/** Columns of the outhash table that a report may fill besides the hashes. */
export const OUTHASH_EXTRA_FIELDS = ["owner", "PN", "PV", "PR", "task", "outhash_siginfo"] as const;
export type OuthashExtraField = (typeof OUTHASH_EXTRA_FIELDS)[number];

export const requestSchemas = {
  ping: noArguments,
  get: z.object({ method, taskhash, all: z.boolean().nullish().transform((v) => v ?? false) }),
  "get-outhash": z.object({
    method,
    outhash,
    taskhash,
    with_unihash: z.boolean().nullish().transform((v) => v ?? true),
  }),
  "get-stream": noArguments,
  "exists-stream": noArguments,
  "get-stats": noArguments,
  "reset-stats": noArguments,
  "get-db-usage": noArguments,
  "get-db-query-columns": noArguments,
  "backfill-wait": noArguments,
  report: z.object({
    method,
    outhash,
    taskhash,
    unihash,
    owner: optionalText,
    PN: optionalText,
    PV: optionalText,
    PR: optionalText,
    task: optionalText,
    outhash_siginfo: optionalText,
  }),
  "report-equiv": z.object({ method, taskhash, unihash }),
  remove: z.object({ where }),
  "gc-mark": z.object({ mark, where }),
  "gc-mark-stream": noArguments,
  "gc-sweep": z.object({ mark }),
  "gc-status": noArguments,
  "clean-unused": z.object({ max_age_seconds: z.number({ error: "Missing or invalid 'max_age_seconds'" }) }),
  auth: z.object({ username: text("username"), token: text("token") }),
  "refresh-token": z.object({ username: text("username") }),
  "get-user": z.object({ username: text("username") }),
  "get-all-users": noArguments,
  "new-user": z.object({
    username: text("username"),
    permissions: z.array(z.string(), { error: "Unexpected type for permissions" }),
  }),
  "set-user-perms": z.object({
    username: text("username"),
    permissions: z.array(z.string(), { error: "Unexpected type for permissions" }),
  }),
  "delete-user": z.object({ username: text("username") }),
  "become-user": z.object({ username: text("username") }),
} as const;

export type RequestName = keyof typeof requestSchemas;
export const REQUEST_NAMES = Object.keys(requestSchemas) as RequestName[];

/** A decoded request: the discriminant is the wire name ("get", "report", …). */
export type Request = { [K in RequestName]: { readonly kind: K; readonly body: Zod.infer<(typeof requestSchemas)[K]> } }[RequestName];
export type RequestOf<K extends RequestName> = Extract<Request, { kind: K }>;

export type ParsedRequest<K extends RequestName> =
  | { readonly ok: true; readonly request: RequestOf<K> }
  | { readonly ok: false; readonly message: string };

export function parseRequest<K extends RequestName>(kind: K, body: unknown): ParsedRequest<K> {
  const result = requestSchemas[kind].safeParse(body);
  if (result.success) return { ok: true, request: { kind, body: result.data } as unknown as RequestOf<K> };
  const messages = [...new Set(result.error.issues.map((i) => i.message))];
  return { ok: false, message: messages.join("; ") };
}

// ---- replies ------------------------------------------------------------------------------

export interface UnihashReply {
  readonly taskhash: string;
  readonly method: string;
  readonly unihash: UniHash;
}

/** A row of the outhash table as sent on the wire (`created` in Python's isoformat). */
export interface OuthashReply {
  readonly method: string;
  readonly taskhash: string;
  readonly outhash: string;
  readonly created: string | null;
  readonly owner?: string | null;
  readonly PN?: string | null;
  readonly PV?: string | null;
  readonly PR?: string | null;
  readonly task?: string | null;
  readonly outhash_siginfo?: string | null;
  /** Present when the row was joined with the unihash table. */
  readonly unihash?: UniHash;
}

export interface RequestStatsReply {
  readonly num: number;
  readonly total_time: number;
  readonly max_time: number;
  readonly average: number;
  readonly stdev: number;
}

export interface StatsReply {
  readonly requests: RequestStatsReply;
}

export interface UserReply {
  readonly username: string;
  readonly permissions: readonly string[];
  readonly token?: string;
}

export interface GcStatusReply {
  readonly keep: number;
  readonly remove: number;
  readonly mark: string | null;
}

export interface CountReply {
  readonly count: number;
}

/** What the server sends instead of a reply when a request fails; it then hangs up. */
export interface InvokeErrorReply {
  readonly "invoke-error": { readonly message: string };
}

// Client-side checks of what a server sent back; loose so that newer servers' extra fields pass.
const nullableText = z.string().nullable().optional();
export const replySchemas = {
  alive: z.looseObject({ alive: z.boolean() }),
  unihash: z.looseObject({ taskhash, method: z.string(), unihash }),
  outhash: z
    .looseObject({
      method: z.string(),
      taskhash,
      outhash,
      created: z.string().nullable().optional().transform((v) => v ?? null),
      owner: nullableText,
      PN: nullableText,
      PV: nullableText,
      PR: nullableText,
      task: nullableText,
      outhash_siginfo: nullableText,
      unihash: unihash.optional(),
    })
    .nullable(),
  stats: z.looseObject({
    requests: z.looseObject({
      num: z.number(),
      total_time: z.number(),
      max_time: z.number(),
      average: z.number(),
      stdev: z.number(),
    }),
  }),
  count: z.looseObject({ count: z.number() }),
  tasks: z.looseObject({ tasks: z.number() }),
  user: z.looseObject({ username: z.string(), permissions: z.array(z.string()), token: z.string().optional() }),
  optionalUser: z
    .looseObject({ username: z.string(), permissions: z.array(z.string()), token: z.string().optional() })
    .nullable(),
  deletedUser: z.looseObject({ username: z.string() }),
  users: z.looseObject({ users: z.array(z.looseObject({ username: z.string(), permissions: z.array(z.string()) })) }),
  auth: z.looseObject({ result: z.boolean(), username: z.string(), permissions: z.array(z.string()) }),
  token: z.looseObject({ username: z.string(), token: z.string() }),
  usage: z.looseObject({ usage: z.record(z.string(), z.looseObject({ rows: z.number() })) }),
  columns: z.looseObject({ columns: z.array(z.string()) }),
  gcStatus: z.looseObject({ keep: z.number(), remove: z.number(), mark: z.string().nullable() }),
  invokeError: z.looseObject({ "invoke-error": z.looseObject({ message: z.string() }) }),
} as const;
