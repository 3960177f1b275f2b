// `bake sstate serve DIR --bind ADDR`: a read-only HTTP mirror of an sstate tree (node:http),
// made to sit behind a real web server or a CDN. Objects never change under their name, so
// archives are served as immutable; metadata and equivalence records may gain signatures (attestations)
// and a missing object may appear at any time, so those are cached briefly only. GET and HEAD,
// single byte ranges (If-Range), ETag/If-None-Match and Last-Modified/If-Modified-Since. No
// directory listings, no hidden names (temporary files of a push in progress start with "."),
// and nothing outside DIR, through ".." or a symlink.
import { createReadStream, realpathSync, statSync, type Stats } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { sep } from "node:path";
import { EQUIVALENCE_SUFFIX } from "./equivalence.js";
import { METADATA_SUFFIX } from "./object.js";
import { BakeError } from "../common/errors.js";

export interface MirrorServerOptions {
  readonly root: string;
  /** HOST:PORT (port 0 picks one); "[::1]:8080" for IPv6. */
  readonly bind: string;
  /** One line per request (common log format), e.g. to stderr. */
  readonly log?: (line: string) => void;
}

export interface RunningMirrorServer {
  /** http://host:port/ */
  readonly url: string;
  close(): Promise<void>;
}

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    serve: ServeError;
  }
}

export class ServeError extends BakeError {
  readonly kind = "serve" as const;
  constructor(message: string) {
    super(message);
    this.name = "ServeError";
  }
}

/** Cache lifetimes. Archives: a year, immutable. Metadata and misses: a minute. */
export const CACHE_CONTROL = {
  archive: "public, max-age=31536000, immutable",
  metadata: "public, max-age=60",
  missing: "public, max-age=60",
} as const;

function parseBind(bind: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(bind);
  if (!m) throw new ServeError(`--bind wants HOST:PORT, got '${bind}'`);
  const port = Number(m[3]);
  if (port > 65535) throw new ServeError(`--bind: port ${port} is out of range`);
  return { host: m[1] ?? (m[2] || "127.0.0.1"), port };
}

function contentType(path: string): string {
  if (path.endsWith(METADATA_SUFFIX)) return "application/json";
  if (path.endsWith(EQUIVALENCE_SUFFIX)) return "text/plain; charset=utf-8";
  if (path.endsWith(".zst")) return "application/zstd";
  return "application/octet-stream";
}

/** Metadata and equivalence records may gain signatures (attestations): cached briefly. */
function cacheControl(path: string): string {
  return path.endsWith(METADATA_SUFFIX) || path.endsWith(EQUIVALENCE_SUFFIX) ? CACHE_CONTROL.metadata : CACHE_CONTROL.archive;
}

/** A strong validator from what identifies a version of a file: inode, size, mtime. */
function etagOf(st: Stats): string {
  return `"${st.ino.toString(16)}-${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
}

function matchesEtag(header: string, etag: string): boolean {
  if (header.trim() === "*") return true;
  // If-None-Match uses the weak comparison: W/"x" matches "x".
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}

type ByteRange = { readonly start: number; readonly end: number } | "unsatisfiable" | null;

/**
 * One `bytes=` range (RFC 9110 §14.1.2). Several ranges are answered with the whole file, which
 * the RFC allows and spares us multipart bodies no sstate client asks for; so is a malformed header.
 */
export function parseRange(header: string | undefined, size: number): ByteRange {
  if (header === undefined) return null;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const n = Number(m[2]);
    if (n === 0) return "unsatisfiable";
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size) return "unsatisfiable";
  if (end < start) return null;
  return { start, end };
}

/** The file under root that a request path names, or null (404) for anything else. */
function resolveRequest(root: string, urlPath: string): { path: string; st: Stats } | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return null;
  const parts = decoded.split("/").filter((p) => p !== "");
  // "." and ".." and every hidden name: temporary files of pushes and prunes in progress.
  if (parts.length === 0 || parts.some((p) => p.startsWith("."))) return null;
  const joined = `${root}${sep}${parts.join(sep)}`;
  let real: string;
  try {
    real = realpathSync(joined);
  } catch {
    return null;
  }
  // A symlink inside the tree may point anywhere: only what resolves inside it is served.
  if (!real.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  let st: Stats;
  try {
    st = statSync(real);
  } catch {
    return null;
  }
  return st.isFile() ? { path: real, st } : null;
}

function handle(root: string, req: IncomingMessage, res: ServerResponse): void {
  res.setHeader("Server", "bake-sstate");
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain", "Content-Length": 19 });
    res.end("method not allowed\n");
    return;
  }
  const head = req.method === "HEAD";
  const pathname = (req.url ?? "/").split("?")[0]!;
  const found = pathname.startsWith("/") ? resolveRequest(root, pathname) : null;
  if (found === null) {
    const body = "not found\n";
    res.writeHead(404, { "Content-Type": "text/plain", "Content-Length": body.length, "Cache-Control": CACHE_CONTROL.missing });
    res.end(head ? undefined : body);
    return;
  }
  const { path, st } = found;
  const etag = etagOf(st);
  const lastModified = new Date(Math.floor(st.mtimeMs / 1000) * 1000).toUTCString();
  const common = {
    ETag: etag,
    "Last-Modified": lastModified,
    "Cache-Control": cacheControl(path),
    "Accept-Ranges": "bytes",
  };

  // Conditional requests (RFC 9110 §13.2.2): If-None-Match wins over If-Modified-Since.
  const inm = req.headers["if-none-match"];
  const ims = req.headers["if-modified-since"];
  const notModified =
    inm !== undefined ? matchesEtag(inm, etag) : ims !== undefined && !Number.isNaN(Date.parse(ims)) && Math.floor(st.mtimeMs / 1000) * 1000 <= Date.parse(ims);
  if (notModified) {
    res.writeHead(304, common);
    res.end();
    return;
  }

  let range = parseRange(req.headers.range, st.size);
  const ifRange = req.headers["if-range"] === undefined ? undefined : String(req.headers["if-range"]);
  // If-Range: the range applies only to the version the client already has part of.
  if (range !== null && ifRange !== undefined && !(ifRange.trim() === etag || ifRange.trim() === lastModified)) range = null;
  if (range === "unsatisfiable") {
    res.writeHead(416, { ...common, "Content-Range": `bytes */${st.size}`, "Content-Length": 0 });
    res.end();
    return;
  }
  const start = range === null ? 0 : range.start;
  const end = range === null ? st.size - 1 : range.end;
  const length = st.size === 0 ? 0 : end - start + 1;
  res.writeHead(range === null ? 200 : 206, {
    ...common,
    "Content-Type": contentType(path),
    "Content-Length": length,
    ...(range === null ? {} : { "Content-Range": `bytes ${start}-${end}/${st.size}` }),
  });
  if (head || length === 0) {
    res.end();
    return;
  }
  const stream = createReadStream(path, { start, end, highWaterMark: 1 << 20 });
  stream.on("error", () => res.destroy());
  res.on("close", () => stream.destroy());
  stream.pipe(res);
}

export async function startMirrorServer(o: MirrorServerOptions): Promise<RunningMirrorServer> {
  let root: string;
  try {
    root = realpathSync(o.root);
    if (!statSync(root).isDirectory()) throw new Error("not a directory");
  } catch (e) {
    throw new ServeError(`${o.root}: ${(e as Error).message}`);
  }
  const { host, port } = parseBind(o.bind);
  const server: Server = createServer((req, res) => {
    if (o.log) {
      const t0 = Date.now();
      res.on("finish", () =>
        o.log!(`${req.socket.remoteAddress ?? "-"} "${req.method} ${req.url}" ${res.statusCode} ${res.getHeader("Content-Length") ?? "-"} ${Date.now() - t0}ms`),
      );
    }
    try {
      handle(root, req, res);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(`${(e as Error).message}\n`);
    }
  });
  // Keep-alive longer than common client pools, so a setscene's many HEADs reuse connections.
  server.keepAliveTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(new ServeError(e.code === "EADDRINUSE" ? `${o.bind} is in use` : e.code === "EACCES" ? `not allowed to listen on ${o.bind}` : `${o.bind}: ${e.message}`)),
    );
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const shown = a.family === "IPv6" ? `[${a.address}]` : a.address;
  return {
    url: `http://${shown}:${a.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
