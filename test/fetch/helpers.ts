// Shared rig for the fetch tests: a map-backed FetchContext, temp dirs, and a local HTTP server
// that records every request.

import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { FetchContext, FetchEvent } from "../../lib/fetch/index.js";

export function makeCtx(vars: Record<string, string>, flags: Record<string, string> = {}): FetchContext {
  return {
    getVar: (name) => (Object.hasOwn(vars, name) ? vars[name]! : null),
    getVarFlag: (name, flag) => {
      const key = `${name}[${flag}]`;
      return Object.hasOwn(flags, key) ? flags[key]! : null;
    },
  };
}

export function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

export async function tempDir(prefix = "bake-fetch-"): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

export interface RecordedRequest {
  readonly path: string;
  readonly range: string | undefined;
}

export interface TestServer {
  readonly base: string;
  readonly requests: RecordedRequest[];
  hits(path: string): number;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

/** Serves `routes` (path -> handler; the handler gets the 1-based hit count for its path). */
export async function startServer(routes: Record<string, Handler>): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    requests.push({ path, range: req.headers.range });
    const n = (counts.get(path) ?? 0) + 1;
    counts.set(path, n);
    const handler = routes[path];
    if (!handler) {
      res.statusCode = 404;
      res.end("not found");
      return;
    }
    handler(req, res, n);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    hits: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves `body`, honouring `Range: bytes=N-`. */
export function serveBody(body: Buffer): Handler {
  return (req, res) => {
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (m) {
      const start = Number(m[1]);
      res.writeHead(206, {
        "content-length": body.length - start,
        "content-range": `bytes ${start}-${body.length - 1}/${body.length}`,
      });
      res.end(body.subarray(start));
      return;
    }
    res.writeHead(200, { "content-length": body.length });
    res.end(body);
  };
}

export function collectEvents(): { events: FetchEvent[]; onEvent: (e: FetchEvent) => void } {
  const events: FetchEvent[] = [];
  return { events, onEvent: (e) => events.push(e) };
}

/** Fast retries so tests never wait on real backoff. */
export const fastHttp = { retries: 3, backoffMs: 5, maxBackoffMs: 20, connectTimeoutMs: 5_000, readTimeoutMs: 5_000 };
