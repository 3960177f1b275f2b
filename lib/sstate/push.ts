// `bake sstate push DEST`: publish the verified, signed objects of an SSTATE_DIR to a mirror, a
// directory or an HTTP(S) server that accepts PUT (nginx's dav module, Apache mod_dav, an object
// store's HTTP gateway). Every object is committed as the store commits it locally: the archive
// first, the small metadata file last, so a reader (which looks for the metadata) never sees an
// object whose archive is not complete. An interrupted push leaves at worst an archive without
// metadata, which readers ignore and the next push uploads again: pushing is resumable object by
// object and skips whatever the destination has committed already. Equivalence records (small
// signed files, each its own commit point) follow the objects, so a consumer with no shared
// hash server finds the objects stored under an equivalent unihash.
import { closeSync, copyFileSync, createReadStream, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { HttpClient, isAbsent, isSuccess, type HttpDispatcher } from "../common/http.js";
import { commitRename, tempNameFor, writeFileAtomic } from "./atomic.js";
import { inventory } from "./inventory.js";
import { checkEquivalence, decodeEquivalence, EQUIVALENCE_SUFFIX, equivalenceRelPath } from "./equivalence.js";
import { METADATA_SUFFIX, verifyObject, type Refusal, type TrustPolicy } from "./object.js";
import { encodeUrlPath } from "./store.js";
import { BakeError } from "../common/errors.js";

/** Where objects go: the same `<uh[0:2]>/<uh[2:4]>/<name>` layout as SSTATE_DIR. */
export interface PushDestination {
  readonly label: string;
  /**
   * Which of these files are there (relative paths); for an archive name, whether the object is
   * committed (its metadata is there).
   */
  committed(relPaths: readonly string[]): Promise<Set<string>>;
  /** Stores the archive under its final name; it is not visible to readers until its metadata is. */
  putArchive(relPath: string, file: string, size: number): Promise<void>;
  /** A small file (metadata: the commit point; an equivalence record), atomically. */
  putSmall(relPath: string, text: string): Promise<void>;
  close(): Promise<void>;
}

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    push: PushError;
  }
}

export class PushError extends BakeError {
  readonly kind = "push" as const;
  constructor(readonly destination: string, readonly object: string, message: string) {
    super(`${destination}: ${object}: ${message}`);
    this.name = "PushError";
  }
}

// ---------------------------------------------------------------------------------------------
// A directory (a web server's document root, an NFS share)

export function directoryDestination(root: string): PushDestination {
  return {
    label: root,
    async committed(relPaths) {
      // One readdir per fan-out directory instead of a stat per object.
      const listed = new Map<string, Set<string>>();
      const found = new Set<string>();
      for (const rel of relPaths) {
        const dir = dirname(rel);
        let names = listed.get(dir);
        if (names === undefined) {
          try {
            names = new Set(readdirSync(join(root, dir)));
          } catch {
            names = new Set();
          }
          listed.set(dir, names);
        }
        const base = rel.slice(dir.length + 1);
        if (base.endsWith(EQUIVALENCE_SUFFIX) ? names.has(base) : names.has(base + METADATA_SUFFIX) && names.has(base)) found.add(rel);
      }
      return found;
    },
    async putArchive(relPath, file, size) {
      const dest = join(root, relPath);
      mkdirSync(dirname(dest), { recursive: true });
      const tmp = tempNameFor(dest);
      try {
        copyFileSync(file, tmp);
        if (statSync(tmp).size !== size) throw new PushError(root, relPath, `copied ${statSync(tmp).size} bytes, the object has ${size}`);
        const fd = openSync(tmp, "r");
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      } catch (e) {
        rmSync(tmp, { force: true });
        throw e;
      }
      commitRename(tmp, dest);
    },
    async putSmall(relPath, text) {
      mkdirSync(dirname(join(root, relPath)), { recursive: true });
      writeFileAtomic(join(root, relPath), text, 0o644);
    },
    async close() {},
  };
}

// ---------------------------------------------------------------------------------------------
// An HTTP(S) server that accepts PUT

export interface HttpDestinationOptions {
  /** Existence checks in flight at once (default 16; HEAD requests on kept-alive connections). */
  readonly concurrency?: number;
  readonly timeoutMs?: number;
  readonly dispatcher?: HttpDispatcher;
}

function httpStatusError(base: string, rel: string, method: string, status: number, body: string): PushError {
  const hint =
    status === 405 || status === 501
      ? " (the server does not accept uploads: with nginx, `dav_methods PUT;` and `create_full_put_path on;` in that location)"
      : status === 401 || status === 403
        ? " (not allowed: give credentials in the URL, https://user:password@host/…)"
        : status === 409
          ? " (the server cannot create the parent directories: nginx needs `create_full_put_path on;`)"
          : "";
  return new PushError(base, rel, `${method} answered HTTP ${status}${hint}${body ? `: ${body.slice(0, 200).trim()}` : ""}`);
}

export function httpDestination(baseUrl: string, o: HttpDestinationOptions = {}): PushDestination {
  const url = new URL(baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
  const headers: Record<string, string> = {};
  if (url.username !== "" || url.password !== "") {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`;
    url.username = "";
    url.password = "";
  }
  const label = url.href;
  const http = new HttpClient({
    timeoutMs: o.timeoutMs ?? 60_000,
    ...(o.dispatcher ? { dispatcher: o.dispatcher } : { pool: { keepAliveTimeoutMs: 10_000, connections: o.concurrency ?? 16 } }),
  });
  const at = (rel: string) => new URL(encodeUrlPath(rel), url).href;

  const put = async (rel: string, body: Buffer | NodeJS.ReadableStream, size: number, type: string) => {
    const r = await http.request(at(rel), {
      method: "PUT",
      headers: { ...headers, "content-type": type, "content-length": String(size) },
      body,
    });
    const text = await r.body.text();
    if (!isSuccess(r.statusCode)) throw httpStatusError(label, rel, "PUT", r.statusCode, text);
  };

  return {
    label,
    async committed(relPaths) {
      // Plain HTTP has no "which of these exist" call (Bazel's FindMissingBlobs): HEAD requests on
      // the metadata, many in flight at once over kept-alive connections.
      const found = new Set<string>();
      let next = 0;
      const worker = async () => {
        while (next < relPaths.length) {
          const rel = relPaths[next++]!;
          const probe = rel.endsWith(EQUIVALENCE_SUFFIX) ? rel : rel + METADATA_SUFFIX;
          const r = await http.request(at(probe), { method: "HEAD", headers });
          await r.body.dump();
          if (isSuccess(r.statusCode)) found.add(rel);
          else if (!isAbsent(r.statusCode)) throw httpStatusError(label, probe, "HEAD", r.statusCode, "");
        }
      };
      await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 16, relPaths.length) }, worker));
      return found;
    },
    async putArchive(rel, file, size) {
      await put(rel, createReadStream(file, { highWaterMark: 1 << 20 }), size, "application/zstd");
    },
    async putSmall(rel, text) {
      const b = Buffer.from(text, "utf8");
      await put(rel, b, b.length, rel.endsWith(METADATA_SUFFIX) ? "application/json" : "text/plain");
    },
    async close() {
      await http.close();
    },
  };
}

export function destinationFor(dest: string, o: HttpDestinationOptions = {}): PushDestination {
  if (/^https?:\/\//i.test(dest)) return httpDestination(dest, o);
  if (/^file:\/\//i.test(dest)) return directoryDestination(new URL(dest).pathname);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(dest)) throw new PushError(dest, "", "unsupported destination (a directory, http:// or https://)");
  return directoryDestination(dest);
}

// ---------------------------------------------------------------------------------------------
// The push

export interface PushOptions {
  readonly sstateDir: string;
  readonly destination: PushDestination;
  /**
   * What an object must pass, as a restore from this SSTATE_DIR would check it (keys scoped to a
   * mirror do not count here: an object is re-published only on a signature trusted for any
   * source). Unsigned objects are never pushed, whatever `allowUnsigned` says.
   */
  readonly trust: TrustPolicy;
  /** Uploads in flight at once (default 4). */
  readonly concurrency?: number;
  readonly onObject?: (event: PushEvent) => void;
}

export type PushEvent =
  | { readonly kind: "pushed"; readonly relPath: string; readonly bytes: number }
  | { readonly kind: "refused"; readonly refusal: Refusal }
  | { readonly kind: "failed"; readonly relPath: string; readonly message: string };

export interface PushReport {
  readonly total: number;
  readonly pushed: number;
  readonly bytes: number;
  /** Committed at the destination already. */
  readonly present: number;
  /** Not verified or not signed by a trusted key: never pushed. */
  readonly refused: readonly Refusal[];
  readonly failed: readonly { readonly relPath: string; readonly message: string }[];
  /** Equivalence records sent, and found there already. */
  readonly equivalences: { readonly pushed: number; readonly present: number };
}

/** The equivalence records under an SSTATE_DIR (relative paths; temporaries excluded). */
function equivalenceFiles(sstateDir: string): string[] {
  return readdirSync(sstateDir, { recursive: true, encoding: "utf8" })
    .map((p) => p.split("\\").join("/"))
    .filter((p) => p.endsWith(EQUIVALENCE_SUFFIX) && !p.split("/").pop()!.startsWith("."))
    .sort();
}

async function pushEquivalences(
  sstateDir: string,
  dest: PushDestination,
  trust: TrustPolicy,
  refuse: (r: Refusal) => void,
  fail: (relPath: string, message: string) => void,
): Promise<{ pushed: number; present: number }> {
  const all = equivalenceFiles(sstateDir);
  const present = await dest.committed(all);
  let pushed = 0;
  for (const rel of all.filter((r) => !present.has(r))) {
    const path = join(sstateDir, rel);
    const text = readFileSync(path, "utf8");
    const d = decodeEquivalence(text);
    // Checked as a restore checks it, and filed under its own name (not a record of another task).
    const v = d.ok ? checkEquivalence(text, d.record, trust, null, path) : ({ ok: false, refusal: { reason: "bad-metadata", object: path, detail: d.detail } } as const);
    if (!v.ok) refuse(v.refusal);
    else if (equivalenceRelPath(v.record) !== rel) refuse({ reason: "wrong-object", object: path, detail: `the record is of ${equivalenceRelPath(v.record)}` });
    else {
      try {
        await dest.putSmall(rel, text);
        pushed++;
      } catch (e) {
        fail(rel, e instanceof PushError ? e.message : (e as Error).message);
      }
    }
  }
  return { pushed, present: present.size };
}

export async function pushSstate(o: PushOptions): Promise<PushReport> {
  const dest = o.destination;
  const trust: TrustPolicy = { ...o.trust, allowUnsigned: false };
  const candidates = inventory(o.sstateDir)
    .objects.filter((x) => x.metadata !== null && x.archive !== null)
    .map((x) => x.relPath.split("\\").join("/"));
  const present = await dest.committed(candidates);
  const todo = candidates.filter((rel) => !present.has(rel));
  const refused: Refusal[] = [];
  const failed: { relPath: string; message: string }[] = [];
  let pushed = 0;
  let bytes = 0;
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const rel = todo[next++]!;
      const archivePath = join(o.sstateDir, rel);
      // Every check a restore makes, members included: a mirror must not carry what no one may restore.
      const v = await verifyObject(archivePath, null, trust);
      if (!v.ok) {
        refused.push(v.refusal);
        o.onObject?.({ kind: "refused", refusal: v.refusal });
        continue;
      }
      // The metadata text as verified, byte for byte (not re-encoded).
      const text = readFileSync(archivePath + METADATA_SUFFIX, "utf8");
      try {
        await dest.putArchive(rel, archivePath, v.metadata!.archiveSize);
        await dest.putSmall(rel + METADATA_SUFFIX, text);
        pushed++;
        bytes += v.metadata!.archiveSize;
        o.onObject?.({ kind: "pushed", relPath: rel, bytes: v.metadata!.archiveSize });
      } catch (e) {
        const message = e instanceof PushError ? e.message : `${(e as { code?: string }).code ?? ""} ${(e as Error).message}`.trim();
        failed.push({ relPath: rel, message });
        o.onObject?.({ kind: "failed", relPath: rel, message });
      }
    }
  };
  let records = { pushed: 0, present: 0 };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency ?? 4, todo.length)) }, worker));
    // After the objects: a record must not send a reader to an object not published yet.
    records = await pushEquivalences(o.sstateDir, dest, trust, (r) => {
      refused.push(r);
      o.onObject?.({ kind: "refused", refusal: r });
    }, (relPath, message) => {
      failed.push({ relPath, message });
      o.onObject?.({ kind: "failed", relPath, message });
    });
  } finally {
    await dest.close();
  }
  return { total: candidates.length, pushed, bytes, present: present.size, refused, failed, equivalences: records };
}
