// The hash-equivalence server: listeners for TCP, unix sockets and websockets, and one
// session per connection that performs the handshake and dispatches requests through the
// handler table.
import { unlink } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import type { WebSocketServer } from "ws";
import { formatHostPort, parseAddress } from "./address.js";
import { ANON_ALLOWED_PERMISSIONS, DEFAULT_ANON_PERMISSIONS, NO_PERMISSION, PROTOCOL_NAME, REQUEST_NAMES, isSupportedVersion, parseRequest, type Permission, type RequestName } from "./protocol.js";
import { hashToken } from "./auth.js";
import { HashEquivClient } from "./client.js";
import { Channel, ConnectionClosedError, LIMITS, ProtocolError, StreamChannel, WebsocketChannel } from "./connection.js";
import { HashservConfigError, HashservInvokeError, HashservReplyError } from "./errors.js";
import { NO_REPLY, handlerTable, hasPermissions, type Backfill, type Handler, type HandlerTable, type Session, type SessionUser } from "./handlers.js";
import { RequestStats } from "./stats.js";
import { HashStore } from "./store.js";

export interface HashservOptions {
  /** `HOST:PORT` (port 0 picks one), `unix://PATH` or `ws://HOST:PORT`. */
  readonly bind: string;
  /** Directory of the LevelDB database (created if missing). */
  readonly db: string;
  /** Refuse every write; reports are answered without being recorded. */
  readonly readOnly?: boolean;
  /** What unauthenticated clients may do (default @read only; BitBake's is @read @report @db-admin). */
  readonly anonPermissions?: readonly string[];
  /** Created (or reset) at start with @all and this password as its token. */
  readonly adminUser?: string;
  readonly adminPassword?: string;
  /** Another server asked on misses; what it knows is copied here. */
  readonly upstream?: string;
  readonly log?: (message: string) => void;
}

export interface RunningHashserv {
  /** The address clients use, in BitBake's spelling (`127.0.0.1:41234`, `unix:///abs`, `ws://…`). */
  readonly address: string;
  close(): Promise<void>;
}

interface ServerState {
  readonly store: HashStore;
  readonly table: HandlerTable;
  readonly stats: RequestStats;
  readonly anonPermissions: ReadonlySet<string>;
  readonly upstream: string | undefined;
  readonly backfill: BackfillQueue | undefined;
  readonly log: (message: string) => void;
}

function anonPermissionSet(perms: readonly string[]): Set<string> {
  const disallowed = perms.filter((p) => p !== NO_PERMISSION && !(ANON_ALLOWED_PERMISSIONS as readonly string[]).includes(p));
  if (disallowed.length > 0) {
    throw new HashservConfigError(`Permission(s) ${disallowed.join(" ")} are not allowed for anonymous users`);
  }
  return new Set(perms.filter((p) => p !== NO_PERMISSION));
}

class BackfillQueue implements Backfill {
  #items: { method: string; taskhash: string }[] = [];
  #running: Promise<void> | undefined;
  #client: HashEquivClient | undefined;
  #stopped = false;

  constructor(private readonly upstream: string, private readonly store: HashStore, private readonly log: (m: string) => void) {}

  get size(): number {
    return this.#items.length;
  }

  push(method: string, taskhash: string): void {
    if (this.#stopped) return;
    this.#items.push({ method, taskhash });
    this.#running ??= this.drain().finally(() => (this.#running = undefined));
  }

  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  private async drain(): Promise<void> {
    for (let item = this.#items.shift(); item !== undefined && !this.#stopped; item = this.#items.shift()) {
      try {
        this.#client ??= new HashEquivClient(this.upstream);
        const d = await this.#client.getTaskhash(item.method, item.taskhash);
        if (d !== null) await this.store.insertUnihash(d.method, d.taskhash, d.unihash);
      } catch (e) {
        this.log(`backfill of ${item.method} ${item.taskhash} from ${this.upstream} failed: ${(e as Error).message}`);
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.idle();
    await this.#client?.close();
  }
}

class ClientSession implements Session {
  user: SessionUser | null = null;
  #upstream: HashEquivClient | undefined;

  constructor(readonly channel: Channel, private readonly server: ServerState) {}

  get store(): HashStore {
    return this.server.store;
  }
  get stats(): RequestStats {
    return this.server.stats;
  }
  get anonPermissions(): ReadonlySet<string> {
    return this.server.anonPermissions;
  }
  get backfill(): Backfill | undefined {
    return this.server.backfill;
  }

  log(message: string): void {
    this.server.log(`[client ${this.channel.peer}] ${message}`);
  }

  get hasUpstream(): boolean {
    return this.server.upstream !== undefined;
  }

  async askUpstream<T>(ask: (upstream: HashEquivClient) => Promise<T>): Promise<T | undefined> {
    if (this.server.upstream === undefined) return undefined;
    this.#upstream ??= new HashEquivClient(this.server.upstream, { retries: 1 });
    try {
      return await ask(this.#upstream);
    } catch (e) {
      if (!(e instanceof ConnectionClosedError || e instanceof ProtocolError || e instanceof HashservReplyError)) throw e;
      this.log(`upstream ${this.server.upstream}: ${e.message}`);
      return undefined;
    }
  }

  async run(): Promise<void> {
    try {
      if (!(await this.handshake())) return;
      for (;;) {
        const msg = await this.channel.recvMessage();
        if (msg === null) break;
        try {
          const reply = await this.dispatch(msg);
          if (reply === undefined) break;
          if (reply !== NO_REPLY) await this.channel.sendMessage(reply);
        } catch (e) {
          if (!(e instanceof HashservInvokeError)) throw e;
          // BitBake answers a refused request and then hangs up.
          await this.channel.sendMessage({ "invoke-error": { message: e.message } });
          break;
        }
      }
    } catch (e) {
      if (!(e instanceof ConnectionClosedError)) this.log(`closing: ${(e as Error).message}`);
    } finally {
      this.channel.close();
      await this.#upstream?.close();
    }
  }

  private async handshake(): Promise<boolean> {
    const greeting = await this.channel.recvLine();
    const words = greeting.trim().split(/\s+/);
    if (words.length !== 2 || words[0] !== PROTOCOL_NAME) {
      this.log(`rejecting protocol ${JSON.stringify(greeting)}`);
      return false;
    }
    const version = words[1]!.split(".").map(Number);
    if (version.some((v) => !Number.isInteger(v)) || !isSupportedVersion(version)) {
      this.log(`rejecting protocol version ${words[1]}`);
      return false;
    }
    const headers = new Map<string, string>();
    for (;;) {
      const line = await this.channel.recvLine();
      if (line === "") break;
      const colon = line.indexOf(":");
      if (colon < 0) {
        this.log(`bad header ${JSON.stringify(line)}`);
        return false;
      }
      headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    // This server has no headers of its own to send; the empty line ends them.
    if (headers.get("needs-headers") === "true") await this.channel.sendLine("");
    return true;
  }

  /** The reply to one message; undefined means hang up (BitBake's answer to an unknown request). */
  private async dispatch(msg: unknown): Promise<unknown> {
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
      this.log(`unrecognized command ${JSON.stringify(msg)}`);
      return undefined;
    }
    const kind = REQUEST_NAMES.find((k) => k in msg && this.server.table[k] !== undefined);
    if (kind === undefined) {
      this.log(`unrecognized command ${JSON.stringify(msg).slice(0, 200)}`);
      return undefined;
    }
    const handler = this.server.table[kind] as unknown as Handler<RequestName>;
    const body = this.authorize(kind, handler, (msg as Record<string, unknown>)[kind]);
    const parsed = parseRequest(kind, body);
    if (!parsed.ok) throw new HashservInvokeError(parsed.message, kind);
    const run = (): Promise<unknown> => handler.run(this, parsed.request.body);
    return handler.stream === true ? run() : this.server.stats.measure(run);
  }

  /** Checks the handler's permissions; self-service requests get their username filled in. */
  private authorize(kind: RequestName, handler: Handler<RequestName>, body: unknown): unknown {
    if (handler.selfService === true && this.user !== null) {
      const request = typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
      const username = "username" in request ? request.username : this.user.username;
      if (username === this.user.username) return { ...request, username };
    }
    if (!hasPermissions(this, handler.permissions, handler.allowAnon ?? true)) {
      const who = this.user === null ? "Anonymous user" : this.user.username;
      this.log(`${who} denied ${kind}: needs ${handler.permissions.join(", ")}`);
      throw new HashservInvokeError(`${who} is not allowed to access permissions(s) ${handler.permissions.join(", ")}`, kind);
    }
    return body;
  }
}

type Listener =
  | { readonly kind: "net"; readonly server: net.Server; readonly unixPath?: string }
  | { readonly kind: "websocket"; readonly server: WebSocketServer };

function listen(server: net.Server, options: net.ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** Starts a server; it runs until close() is called. */
export async function startHashserv(options: HashservOptions): Promise<RunningHashserv> {
  const log = options.log ?? (() => undefined);
  if (options.upstream !== undefined && options.readOnly === true) {
    throw new HashservConfigError("Read-only hashserv cannot pull from an upstream server");
  }
  if ((options.adminUser === undefined) !== (options.adminPassword === undefined)) {
    throw new HashservConfigError("an admin user needs both a name and a password");
  }
  const anonPermissions = anonPermissionSet(options.anonPermissions ?? DEFAULT_ANON_PERMISSIONS);
  const bind = parseAddress(options.bind);

  const store = await HashStore.open(options.db);
  const backfill = options.upstream === undefined ? undefined : new BackfillQueue(options.upstream, store, log);
  const state: ServerState = {
    store,
    table: handlerTable(options.readOnly === true),
    stats: new RequestStats(),
    anonPermissions,
    upstream: options.upstream,
    backfill,
    log,
  };
  const sessions = new Set<Promise<void>>();
  const channels = new Set<Channel>();
  const serve = (channel: Channel): void => {
    channels.add(channel);
    const session = new ClientSession(channel, state).run().finally(() => {
      channels.delete(channel);
      sessions.delete(session);
    });
    sessions.add(session);
  };

  let listener: Listener;
  let address: string;
  try {
    if (options.adminUser !== undefined && options.adminPassword !== undefined) {
      const how = await store.upsertUser(options.adminUser, ["@all"] satisfies Permission[], hashToken(options.adminPassword));
      log(`admin user '${options.adminUser}' ${how}`);
    }
    switch (bind.kind) {
      case "tcp":
      case "unix": {
        const server = net.createServer((socket) => {
          const peer = bind.kind === "tcp" ? formatHostPort(socket.remoteAddress ?? "?", socket.remotePort ?? 0) : "unix";
          if (bind.kind === "tcp") {
            socket.setNoDelay(true);
            // Drop clients that vanished without closing (BitBake uses TCP keep-alive too).
            socket.setKeepAlive(true, 30_000);
          }
          serve(new StreamChannel(socket, peer));
        });
        if (bind.kind === "unix") {
          const abs = path.resolve(bind.path);
          await listen(server, { path: abs });
          listener = { kind: "net", server, unixPath: abs };
          address = `unix://${abs}`;
        } else {
          await listen(server, bind.host === "" ? { port: bind.port } : { host: bind.host, port: bind.port });
          const a = server.address() as net.AddressInfo;
          listener = { kind: "net", server };
          address = formatHostPort(a.address, a.port);
        }
        break;
      }
      case "websocket": {
        // ws is loaded only for a websocket address: loading it costs 0.1-0.2 s that a build
        // with a unix-socket or TCP server (BB_HASHSERVE = "auto") need not pay.
        const { WebSocketServer } = await import("ws");
        const server = await new Promise<WebSocketServer>((resolve, reject) => {
          const wss = new WebSocketServer({
            ...(bind.host === "" ? {} : { host: bind.host }),
            port: bind.port,
            perMessageDeflate: false,
            maxPayload: LIMITS.MAX_MESSAGE,
          });
          wss.once("listening", () => resolve(wss));
          wss.once("error", reject);
        });
        server.on("connection", (ws, req) => {
          serve(new WebsocketChannel(ws, formatHostPort(req.socket.remoteAddress ?? "?", req.socket.remotePort ?? 0)));
        });
        const a = server.address() as net.AddressInfo;
        listener = { kind: "websocket", server };
        address = `ws://${formatHostPort(a.address, a.port)}`;
        break;
      }
    }
  } catch (e) {
    await store.close();
    throw e;
  }
  log(`listening on ${address}; anonymous permissions: ${[...anonPermissions].sort().join(", ") || "none"}`);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await new Promise<void>((resolve) => {
        if (listener.kind === "net") {
          listener.server.close(() => resolve());
        } else {
          listener.server.close(() => resolve());
          // Shutting down: no closing handshake to wait for.
          for (const ws of listener.server.clients) ws.terminate();
        }
        for (const c of channels) c.close();
      });
      await Promise.allSettled([...sessions]);
      await backfill?.stop();
      if (listener.kind === "net" && listener.unixPath !== undefined) await unlink(listener.unixPath).catch(() => undefined);
      await store.close();
      log("server stopped");
    })());
  return { address, close };
}
