// Shared set-up for the hash-equivalence tests: a server on a temporary database, torn down
// with the test.
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { ExecutionContext } from "ava";
import {
  BITBAKE_ANON_PERMISSIONS,
  HashEquivClient,
  startHashserv,
  type HashEquivClientOptions,
  type HashservOptions,
} from "../../lib/sstate/hashserv/index.js";
import { asUniHash, type UniHash } from "../../lib/common/hashes.js";

export const METHOD = "oe.sstatesig.OEOuthashBasic";

/** A 64-hex-digit hash derived from a label: a unihash, and as text a taskhash or an outhash. */
export function hash(label: string | number): UniHash {
  return asUniHash(createHash("sha256").update(String(label)).digest("hex"));
}

export async function tempDir(t: ExecutionContext, prefix = "bake-hashserv-"): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestServer {
  readonly address: string;
  readonly db: string;
  close(): Promise<void>;
}

/**
 * A server with BitBake's anonymous permissions unless the test says otherwise: most tests check
 * protocol behaviour that BitBake's suite checks anonymously.
 */
export async function server(t: ExecutionContext, options: Partial<HashservOptions> = {}): Promise<TestServer> {
  const db = options.db ?? path.join(await tempDir(t), "db");
  const s = await startHashserv({ bind: "127.0.0.1:0", anonPermissions: BITBAKE_ANON_PERMISSIONS, ...options, db });
  t.teardown(() => s.close());
  return { address: s.address, db, close: () => s.close() };
}

export async function client(t: ExecutionContext, address: string, options: HashEquivClientOptions = {}): Promise<HashEquivClient> {
  const c = await HashEquivClient.connect(address, { retries: 1, ...options });
  t.teardown(() => c.close());
  return c;
}

/** A raw TCP connection for checking exact bytes on the wire. */
export class RawConnection {
  #buffer = "";
  #ended = false;
  #wake: (() => void) | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      this.#buffer += d;
      this.#wake?.();
    });
    socket.on("close", () => {
      this.#ended = true;
      this.#wake?.();
    });
    socket.on("error", () => undefined);
  }

  static open(address: string): Promise<RawConnection> {
    const [host, port] = address.split(":") as [string, string];
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port: Number(port) }, () => resolve(new RawConnection(s)));
      s.once("error", reject);
    });
  }

  send(...lines: string[]): void {
    this.socket.write(lines.map((l) => l + "\n").join(""));
  }

  /** The next line, or null once the server has hung up. */
  async line(): Promise<string | null> {
    for (;;) {
      const nl = this.#buffer.indexOf("\n");
      if (nl >= 0) {
        const l = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        return l;
      }
      if (this.#ended) return null;
      await new Promise<void>((r) => (this.#wake = r));
      this.#wake = undefined;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
