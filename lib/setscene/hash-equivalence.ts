// The build's hash-equivalence session (BitBake's SignatureGeneratorUniHashMixIn): BB_HASHSERVE
// names a server, or "auto" starts one for the duration of the build with its database in
// ${PERSISTENT_DIR} (reading through to BB_HASHSERVE_UPSTREAM when set). Server trouble is a
// warning and the build goes on with unihash = taskhash: it never fails a build.
import { lstatSync, mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import type { OutHash, TaskHash, UniHash } from "../common/hashes.js";
// Loaded when a server is first needed: a build asking nothing loads neither server nor client.
import type { HashEquivClient, RunningHashserv } from "../sstate/hashserv/index.js";

export interface HashEquivalenceSettings {
  /** BB_HASHSERVE: "" (none), "auto", or an address (`host:port`, `unix://path`, `ws://…`). */
  readonly hashserve: string;
  readonly upstream: string;
  /** Where "auto" keeps its database and its socket. */
  readonly database: string;
  readonly socket: string;
  /** SSTATE_HASHEQUIV_METHOD. */
  readonly method: string;
  /** BB_HASHSERVE_USERNAME / BB_HASHSERVE_PASSWORD: a shared server lets anonymous clients only read. */
  readonly username?: string;
  readonly password?: string;
  /** Where the build directory keeps the server's answers (unihash-cache.ts); none: always ask. */
  readonly cache?: string;
}

export interface Report {
  readonly taskhash: TaskHash;
  readonly unihash: UniHash;
  readonly outhash: OutHash;
  readonly pn: string;
  readonly task: string;
}

export class HashEquivalence {
  private broken = false;

  private constructor(
    private readonly client: HashEquivClient,
    private readonly server: RunningHashserv | null,
    readonly method: string,
    private readonly warn: (text: string) => void,
  ) {}

  get address(): string {
    return this.client.address;
  }

  static async open(s: HashEquivalenceSettings, warn: (text: string) => void): Promise<HashEquivalence | null> {
    if (s.hashserve === "") return null;
    let server: RunningHashserv | null = null;
    let address = s.hashserve;
    try {
      const { HashEquivClient, startHashserv } = await import("../sstate/hashserv/index.js");
      if (s.hashserve === "auto") {
        mkdirSync(s.database, { recursive: true });
        mkdirSync(dirname(s.socket), { recursive: true });
        // A unix socket path is limited to ~107 bytes; a deep build directory gets loopback TCP.
        const bind = s.socket.length < 100 ? `unix://${s.socket}` : "127.0.0.1:0";
        // A bake killed with -9 leaves its socket behind, and listen() refuses an existing path.
        // The socket belongs to the build directory, whose lock this bake holds: it is stale.
        if (bind.startsWith("unix://") && lstatSync(s.socket, { throwIfNoEntry: false })?.isSocket()) rmSync(s.socket);
        // The build's private server: its one client (this build) reads and reports, nothing
        // more; the server's own default is read-only for anonymous clients.
        server = await startHashserv({ bind, db: s.database, anonPermissions: ["@read", "@report"], ...(s.upstream ? { upstream: s.upstream } : {}) });
        address = server.address;
      }
      const login = server === null && s.username ? { username: s.username, password: s.password ?? "" } : {};
      const client = await HashEquivClient.connect(address, { timeoutMs: 30_000, ...login });
      return new HashEquivalence(client, server, s.method, warn);
    } catch (e) {
      await server?.close().catch(() => undefined);
      warn(`hash equivalence server ${address} unavailable, going on without it: ${(e as Error).message}`);
      return null;
    }
  }

  /** The server's unihash of each taskhash (null where it has none, or when it is unreachable). */
  async lookup(taskhashes: readonly TaskHash[]): Promise<(UniHash | null)[]> {
    if (this.broken || taskhashes.length === 0) return taskhashes.map(() => null);
    try {
      return await this.client.getUnihashBatch(taskhashes.map((taskhash) => ({ method: this.method, taskhash })));
    } catch (e) {
      this.fail(e);
      return taskhashes.map(() => null);
    }
  }

  /** Reports a task's outhash; returns the unihash its dependents must use. */
  async report(r: Report): Promise<UniHash> {
    if (this.broken) return r.unihash;
    try {
      const reply = await this.client.reportUnihash({
        taskhash: r.taskhash,
        method: this.method,
        outhash: r.outhash,
        unihash: r.unihash,
        extra: { PN: r.pn, task: r.task },
      });
      return reply.unihash;
    } catch (e) {
      this.fail(e);
      return r.unihash;
    }
  }

  /** False once the server failed: its answers since are stand-ins, not worth keeping. */
  get answering(): boolean {
    return !this.broken;
  }

  private fail(e: unknown): void {
    this.broken = true;
    this.warn(`hash equivalence server ${this.client.address} failed, going on without it: ${(e as Error).message}`);
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
    await this.server?.close().catch(() => undefined);
  }
}

/**
 * A build's server, started (or connected to) when the build first needs an answer it has not
 * kept: a build whose every unihash is in its cache starts none and opens no database.
 */
export class OnDemandEquivalence {
  private opened: Promise<HashEquivalence | null> | null = null;

  constructor(
    readonly settings: HashEquivalenceSettings,
    private readonly warn: (text: string) => void,
  ) {}

  /** The session, opened on the first call; null when the server is unavailable (said once). */
  get(): Promise<HashEquivalence | null> {
    return (this.opened ??= HashEquivalence.open(this.settings, this.warn));
  }

  async close(): Promise<void> {
    if (this.opened !== null) await (await this.opened)?.close();
  }
}
