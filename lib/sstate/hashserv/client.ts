// A client of the hash-equivalence protocol, for bake's own servers and BitBake's
// bitbake-hashserv alike. One client is one connection; calls are queued, so it may be shared.
// Lookups of many hashes go through stream mode in one batch, pipelined, rather than one
// round trip each.
import type { z } from "zod";
import { parseAddress, type HashservAddress } from "./address.js";
import { Channel, ConnectionClosedError, ProtocolError, connectChannel } from "./connection.js";
import { isUniHash, type UniHash } from "../../common/hashes.js";
import { HashservInvokeError, HashservReplyError } from "./errors.js";
import {
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  STREAM_END,
  STREAM_OK,
  replySchemas,
  type GcStatusReply,
  type OuthashReply,
  type StatsReply,
  type UnihashReply,
  type UserReply,
} from "./protocol.js";

export interface HashEquivClientOptions {
  /** Log in as this user on every (re)connection. */
  readonly username?: string;
  readonly password?: string;
  /** How long to wait for any one reply (BitBake: 30 s). */
  readonly timeoutMs?: number;
  /** Reconnections tried after a connection fails mid-call (BitBake: 3). */
  readonly retries?: number;
}

export interface UnihashQuery {
  readonly method: string;
  readonly taskhash: string;
}

export interface OutputReport {
  readonly taskhash: string;
  readonly method: string;
  readonly outhash: string;
  /** The unihash the reporter proposes (usually its taskhash); the server may answer another. */
  readonly unihash: string;
  /** owner, PN, PV, PR, task, outhash_siginfo. */
  readonly extra?: Readonly<Record<string, string | null>>;
}

type Mode = "normal" | "get-stream" | "exists-stream" | "gc-mark-stream";

// Lines per write in a stream batch: bounds memory for huge batches while keeping the pipe full.
const BATCH_WINDOW = 20_000;

function isConnectionFailure(e: unknown): boolean {
  return e instanceof ConnectionClosedError || e instanceof ProtocolError;
}

function streamToken(what: string, value: string): string {
  // In stream mode an empty line ends the stream and items are split on white space.
  if (value === "" || /\s/.test(value)) throw new TypeError(`${what} '${value}' cannot be sent in stream mode`);
  return value;
}

export class HashEquivClient {
  readonly address: string;
  readonly #target: HashservAddress;
  readonly #timeoutMs: number;
  readonly #retries: number;
  #username: string | undefined;
  #password: string | undefined;
  #becomeUser: string | undefined;
  #channel: Channel | undefined;
  #mode: Mode = "normal";
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(address: string, options: HashEquivClientOptions = {}) {
    this.address = address;
    this.#target = parseAddress(address);
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#retries = options.retries ?? 3;
    this.#username = options.username;
    this.#password = options.password;
  }

  /** A client with its connection open (and logged in, if a user was given). */
  static async connect(address: string, options: HashEquivClientOptions = {}): Promise<HashEquivClient> {
    const client = new HashEquivClient(address, options);
    try {
      await client.#serial(() => client.#attempt(async () => undefined));
    } catch (e) {
      await client.close();
      throw e;
    }
    return client;
  }

  /** Hangs up; a call still waiting for its reply fails with ConnectionClosedError. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#drop();
    await this.#queue.catch(() => undefined);
  }

  // ---- hash equivalence -------------------------------------------------------------------

  async ping(): Promise<boolean> {
    return (await this.#call({ ping: {} }, replySchemas.alive)).alive;
  }

  async getUnihash(method: string, taskhash: string): Promise<UniHash | null> {
    return (await this.getUnihashBatch([{ method, taskhash }]))[0]!;
  }

  /** The unihash of each (method, taskhash), or null where the server has none. */
  async getUnihashBatch(queries: Iterable<UnihashQuery>): Promise<(UniHash | null)[]> {
    const lines = [...queries].map((q) => `${streamToken("method", q.method)} ${streamToken("taskhash", q.taskhash)}`);
    const replies = await this.#streamBatch("get-stream", lines);
    return replies.map((r) => {
      if (r === "") return null;
      if (!isUniHash(r)) throw new HashservReplyError("get-stream", this.address, `invalid unihash ${JSON.stringify(r.slice(0, 100))}`);
      return r;
    });
  }

  async unihashExists(unihash: string): Promise<boolean> {
    return (await this.unihashExistsBatch([unihash]))[0]!;
  }

  async unihashExistsBatch(unihashes: Iterable<string>): Promise<boolean[]> {
    const lines = [...unihashes].map((u) => streamToken("unihash", u));
    return (await this.#streamBatch("exists-stream", lines)).map((r) => r === "true");
  }

  /** Reports a task's output hash; the reply carries the unihash the task must use. */
  reportUnihash(report: OutputReport): Promise<UnihashReply> {
    const { taskhash, method, outhash, unihash } = report;
    return this.#call({ report: { ...report.extra, taskhash, method, outhash, unihash } }, replySchemas.unihash);
  }

  /** Declares taskhash equivalent to unihash (first writer wins); replies with the mapping in force. */
  reportUnihashEquiv(
    taskhash: string,
    method: string,
    unihash: string,
    extra: Readonly<Record<string, string | null>> = {},
  ): Promise<UnihashReply> {
    return this.#call({ "report-equiv": { ...extra, taskhash, method, unihash } }, replySchemas.unihash);
  }

  getTaskhash(method: string, taskhash: string, all: true): Promise<OuthashReply | null>;
  getTaskhash(method: string, taskhash: string, all?: false): Promise<UnihashReply | null>;
  async getTaskhash(method: string, taskhash: string, all = false): Promise<OuthashReply | UnihashReply | null> {
    const request = { get: { taskhash, method, all } };
    return all ? this.#call(request, replySchemas.outhash) : this.#call(request, replySchemas.unihash.nullable());
  }

  getOuthash(method: string, outhash: string, taskhash: string, withUnihash = true): Promise<OuthashReply | null> {
    return this.#call({ "get-outhash": { outhash, taskhash, method, with_unihash: withUnihash } }, replySchemas.outhash);
  }

  getStats(): Promise<StatsReply> {
    return this.#call({ "get-stats": null }, replySchemas.stats);
  }

  /** Returns the statistics as they were, then zeroes them. */
  resetStats(): Promise<StatsReply> {
    return this.#call({ "reset-stats": null }, replySchemas.stats);
  }

  /** Waits until the server has copied every pending upstream hit; returns how many there were. */
  async backfillWait(): Promise<number> {
    return (await this.#call({ "backfill-wait": null }, replySchemas.tasks)).tasks;
  }

  /** Removes rows matching every column = value pair (unihash and outhash tables alike). */
  async remove(where: Readonly<Record<string, string>>): Promise<number> {
    return (await this.#call({ remove: { where } }, replySchemas.count)).count;
  }

  /** Removes outhash rows older than maxAgeSeconds that no unihash uses any more. */
  async cleanUnused(maxAgeSeconds: number): Promise<number> {
    return (await this.#call({ "clean-unused": { max_age_seconds: maxAgeSeconds } }, replySchemas.count)).count;
  }

  async gcMark(mark: string, where: Readonly<Record<string, string>>): Promise<number> {
    return (await this.#call({ "gc-mark": { mark, where } }, replySchemas.count)).count;
  }

  /** gc-mark for many conditions in one stream-mode batch; returns the total marked. */
  async gcMarkStream(mark: string, wheres: Iterable<Readonly<Record<string, string>>>): Promise<number> {
    const lines = [...wheres].map((where) => JSON.stringify({ mark, where }));
    const replies = await this.#streamBatch("gc-mark-stream", lines);
    let total = 0;
    for (const r of replies) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(r);
      } catch {
        throw new HashservReplyError("gc-mark-stream", this.address, `not JSON: ${r.slice(0, 100)}`);
      }
      total += this.#check("gc-mark-stream", parsed, replySchemas.count).count;
    }
    return total;
  }

  async gcSweep(mark: string): Promise<number> {
    return (await this.#call({ "gc-sweep": { mark } }, replySchemas.count)).count;
  }

  gcStatus(): Promise<GcStatusReply> {
    return this.#call({ "gc-status": {} }, replySchemas.gcStatus);
  }

  async getDbUsage(): Promise<Record<string, { rows: number }>> {
    return (await this.#call({ "get-db-usage": {} }, replySchemas.usage)).usage;
  }

  async getDbQueryColumns(): Promise<string[]> {
    return (await this.#call({ "get-db-query-columns": {} }, replySchemas.columns)).columns;
  }

  // ---- users ------------------------------------------------------------------------------

  /** Logs in; the credentials are reused on reconnection. */
  async auth(username: string, token: string): Promise<{ username: string; permissions: string[] }> {
    const reply = await this.#call({ auth: { username, token } }, replySchemas.auth);
    this.#username = username;
    this.#password = token;
    this.#becomeUser = undefined;
    return reply;
  }

  /** A new token for username (default: the logged-in user). */
  async refreshToken(username?: string): Promise<{ username: string; token: string }> {
    const reply = await this.#call({ "refresh-token": username === undefined ? {} : { username } }, replySchemas.token);
    if (this.#username !== undefined && this.#becomeUser === undefined && reply.username === this.#username) {
      this.#password = reply.token;
    }
    return reply;
  }

  setUserPerms(username: string, permissions: readonly string[]): Promise<UserReply> {
    return this.#call({ "set-user-perms": { username, permissions } }, replySchemas.user);
  }

  getUser(username?: string): Promise<UserReply | null> {
    return this.#call({ "get-user": username === undefined ? {} : { username } }, replySchemas.optionalUser);
  }

  async getAllUsers(): Promise<UserReply[]> {
    return (await this.#call({ "get-all-users": {} }, replySchemas.users)).users;
  }

  /** Creates a user; the reply carries its token, shown only this once. */
  newUser(username: string, permissions: readonly string[]): Promise<UserReply> {
    return this.#call({ "new-user": { username, permissions } }, replySchemas.user);
  }

  async deleteUser(username: string): Promise<{ username: string }> {
    return this.#call({ "delete-user": { username } }, replySchemas.deletedUser);
  }

  /** Acts as another user from now on (needs @user-admin); kept across reconnections. */
  async becomeUser(username: string): Promise<UserReply> {
    const reply = await this.#call({ "become-user": { username } }, replySchemas.user);
    this.#becomeUser = username === this.#username ? undefined : username;
    return reply;
  }

  // ---- plumbing ---------------------------------------------------------------------------

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #drop(): void {
    this.#channel?.close();
    this.#channel = undefined;
    this.#mode = "normal";
  }

  /** Runs proc on a live connection, reconnecting (and logging in again) on connection failures. */
  async #attempt<T>(proc: (channel: Channel) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const channel = this.#channel ?? (await this.#open());
        return await proc(channel);
      } catch (e) {
        if (e instanceof HashservInvokeError) {
          // The server hangs up after an invoke-error.
          this.#drop();
          throw e;
        }
        this.#drop();
        if (!isConnectionFailure(e) || attempt >= this.#retries) throw e;
      }
    }
  }

  async #open(): Promise<Channel> {
    if (this.#closed) throw new ConnectionClosedError(this.address, "client closed");
    const channel = await connectChannel(this.#target, this.#timeoutMs);
    this.#channel = channel;
    this.#mode = "normal";
    await channel.sendLines([`${PROTOCOL_NAME} ${PROTOCOL_VERSION}`, "needs-headers: false", ""]);
    if (this.#username !== undefined) {
      await this.#invoke(channel, { auth: { username: this.#username, token: this.#password ?? "" } });
      if (this.#becomeUser !== undefined) await this.#invoke(channel, { "become-user": { username: this.#becomeUser } });
    }
    return channel;
  }

  async #invoke(channel: Channel, msg: Record<string, unknown>): Promise<unknown> {
    await channel.sendMessage(msg);
    const reply = await channel.recvMessage(this.#timeoutMs);
    const err = replySchemas.invokeError.safeParse(reply);
    if (err.success) throw new HashservInvokeError(err.data["invoke-error"].message, Object.keys(msg)[0]);
    return reply;
  }

  async #setMode(channel: Channel, mode: Mode): Promise<void> {
    if (mode === this.#mode) return;
    if (this.#mode !== "normal") {
      await channel.sendLine(STREAM_END);
      const r = await channel.recvLine(this.#timeoutMs);
      if (r !== STREAM_OK) throw new ProtocolError(this.address, `bad reply leaving stream mode: ${JSON.stringify(r)}`);
      this.#mode = "normal";
    }
    if (mode !== "normal") {
      const r = await this.#invoke(channel, { [mode]: null });
      if (r !== STREAM_OK) throw new ProtocolError(this.address, `bad reply entering ${mode}: ${JSON.stringify(r)}`);
      this.#mode = mode;
    }
  }

  #throwIfInvokeError(request: string, line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return;
    }
    const err = replySchemas.invokeError.safeParse(parsed);
    if (err.success) throw new HashservInvokeError(err.data["invoke-error"].message, request);
  }

  #check<S extends z.ZodType>(request: string, reply: unknown, schema: S): z.infer<S> {
    const parsed = schema.safeParse(reply);
    if (!parsed.success) throw new HashservReplyError(request, this.address, parsed.error.issues.map((i) => i.message).join("; "));
    return parsed.data;
  }

  #call<S extends z.ZodType>(msg: Record<string, unknown>, schema: S): Promise<z.infer<S>> {
    const request = Object.keys(msg)[0]!;
    return this.#serial(() =>
      this.#attempt(async (channel) => {
        await this.#setMode(channel, "normal");
        return this.#check(request, await this.#invoke(channel, msg), schema);
      }),
    );
  }

  #streamBatch(mode: Exclude<Mode, "normal">, lines: readonly string[]): Promise<string[]> {
    if (lines.length === 0) return Promise.resolve([]);
    return this.#serial(() =>
      this.#attempt(async (channel) => {
        await this.#setMode(channel, mode);
        const replies: string[] = [];
        for (let start = 0; start < lines.length; start += BATCH_WINDOW) {
          const window = lines.slice(start, start + BATCH_WINDOW);
          // Send and read at once: replies flow back while the requests are still going out.
          const sending = channel.sendLines(window);
          sending.catch(() => undefined);
          for (let i = 0; i < window.length; i++) {
            const reply = await channel.recvLine(this.#timeoutMs);
            // A failing stream request ends with an invoke-error message instead of a reply line.
            if (reply.startsWith('{"invoke-error"')) this.#throwIfInvokeError(mode, reply);
            replies.push(reply);
          }
          await sending;
        }
        return replies;
      }),
    );
  }
}
