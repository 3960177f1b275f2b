// Finding and fetching sstate objects: the local SSTATE_DIR first, then SSTATE_MIRRORS in order.
// Mirrors are untrusted and unreliable: whatever comes from one is verified before it is kept,
// and a dead or failing mirror is a warning and a miss, never an error.
import { createHash } from "node:crypto";
import { closeSync, createReadStream, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { UniHash } from "../common/hashes.js";
import { describeError, HttpClient, HttpRequestError, isAbsent, isSuccess, type HttpDispatcher } from "../common/http.js";
import { parseMirrorList } from "../common/mirror-list.js";
import { commitRename, tempNameFor, writeFileAtomic } from "./atomic.js";
import { checkEquivalence, encodeEquivalence, equivalenceRelPath, readLocalEquivalence, type EquivalenceId } from "./equivalence.js";
import {
  METADATA_SUFFIX,
  checkMetadata,
  decodeMetadata,
  encodeMetadata,
  objectRelPath,
  verifyLocalObject,
  type Refusal,
  type SstateObject,
  type SstateObjectId,
  type TrustPolicy,
} from "./object.js";
import { BakeError } from "../common/errors.js";

// ---------------------------------------------------------------------------------------------
// SSTATE_MIRRORS

export interface SstateMirror {
  /** Matched against `file://<object path>`, anchored at the start like Python's re.match. */
  readonly pattern: RegExp;
  /** URL template; "PATH" is the object's path under SSTATE_DIR. */
  readonly replacement: string;
}

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    "mirror-syntax": MirrorSyntaxError;
  }
}

export class MirrorSyntaxError extends BakeError {
  readonly kind = "mirror-syntax" as const;
  constructor(message: string, readonly value: string) {
    super(`SSTATE_MIRRORS: ${message}`);
    this.name = "MirrorSyntaxError";
  }
}

/**
 * SSTATE_MIRRORS, `regex url` pairs (common/mirror-list.ts, as PREMIRRORS). URL parameters after
 * ";" are dropped: downloads always land at the object's own path. A pair that cannot work (a bad
 * regex, a scheme other than file://, http://, https://) is an error, as no object could come of it.
 */
export function parseSstateMirrors(value: string, warn?: (message: string) => void): SstateMirror[] {
  return parseMirrorList("SSTATE_MIRRORS", value, warn).map(({ find, replace }) => {
    let pattern: RegExp;
    try {
      pattern = new RegExp(`^(?:${find})`);
    } catch (e) {
      throw new MirrorSyntaxError(`bad regex ${find}: ${(e as Error).message}`, value);
    }
    const replacement = replace.split(";")[0]!;
    if (!/^(file|https?):\/\//.test(replacement)) throw new MirrorSyntaxError(`unsupported mirror URL ${replacement} (file://, http://, https://)`, value);
    return { pattern, replacement };
  });
}

/** An object path as a URL path: each segment percent-encoded except ':' (mirrors store names with it). */
export function encodeUrlPath(relPath: string): string {
  // ':' is legal in a URL path segment and mirrors store the names with it literally.
  return relPath.split("/").map((s) => encodeURIComponent(s).replace(/%3A/gi, ":")).join("/");
}

/** The URL of `relPath` on this mirror, or null if the rule does not apply to it. */
export function mirrorUrl(rule: SstateMirror, relPath: string): string | null {
  const m = rule.pattern.exec(`file://${relPath}`);
  if (!m) return null;
  const isFile = rule.replacement.startsWith("file://");
  let url = rule.replacement.replace(/\\(\d)/g, (_, n: string) => m[Number(n)] ?? "");
  url = url.replace(/PATH/g, isFile ? relPath : encodeUrlPath(relPath));
  return url;
}

function mirrorLabel(rule: SstateMirror): string {
  return rule.replacement.replace(/PATH.*$/, "").replace(/\/+$/, "") || rule.replacement;
}

// ---------------------------------------------------------------------------------------------
// Transport

export interface StoreWarning {
  readonly mirror: string;
  readonly url: string;
  readonly message: string;
}

export interface StoreOptions {
  readonly sstateDir: string;
  readonly mirrors: readonly SstateMirror[];
  /** Parallel requests for existence checks (default 8). */
  readonly concurrency?: number;
  /** Per-request timeout for headers and body inactivity (default 30 s). */
  readonly timeoutMs?: number;
  readonly dispatcher?: HttpDispatcher;
  readonly onWarning?: (w: StoreWarning) => void;
}

type Probe = { readonly kind: "found" } | { readonly kind: "absent" } | { readonly kind: "failed"; readonly dead: boolean; readonly message: string };

/** A mirror that does not answer at all is dead for the rest of the lookup; any other failure is one miss. */
function failure(e: unknown): Probe {
  return { kind: "failed", dead: e instanceof HttpRequestError && e.unreachable, message: describeError(e) };
}

function httpOf(o: StoreOptions): HttpClient {
  return new HttpClient({ timeoutMs: o.timeoutMs ?? 30_000, ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}) });
}

async function probe(url: string, o: StoreOptions): Promise<Probe> {
  if (url.startsWith("file://")) return existsSync(fileURLToPath(url)) ? { kind: "found" } : { kind: "absent" };
  try {
    const r = await httpOf(o).request(url, { method: "HEAD" });
    await r.body.dump();
    if (isSuccess(r.statusCode)) return { kind: "found" };
    if (isAbsent(r.statusCode)) return { kind: "absent" };
    return { kind: "failed", dead: false, message: `HTTP ${r.statusCode}` };
  } catch (e) {
    return failure(e);
  }
}

const MAX_METADATA = 1 << 20;

type Got<T> = { readonly kind: "ok"; readonly value: T } | { readonly kind: "absent" } | { readonly kind: "failed"; readonly dead: boolean; readonly message: string };

async function getSmall(url: string, o: StoreOptions): Promise<Got<string>> {
  if (url.startsWith("file://")) {
    const p = fileURLToPath(url);
    if (!existsSync(p)) return { kind: "absent" };
    try {
      if (statSync(p).size > MAX_METADATA) return { kind: "failed", dead: false, message: "metadata larger than 1 MiB" };
      return { kind: "ok", value: readFileSync(p, "utf8") };
    } catch (e) {
      return failure(e) as Got<string>;
    }
  }
  try {
    const r = await httpOf(o).request(url);
    if (isAbsent(r.statusCode)) {
      await r.body.dump();
      return { kind: "absent" };
    }
    if (!isSuccess(r.statusCode)) {
      await r.body.dump();
      return { kind: "failed", dead: false, message: `HTTP ${r.statusCode}` };
    }
    const parts: Buffer[] = [];
    let n = 0;
    for await (const c of r.body) {
      n += (c as Buffer).length;
      if (n > MAX_METADATA) {
        r.body.destroy();
        return { kind: "failed", dead: false, message: "metadata larger than 1 MiB" };
      }
      parts.push(c as Buffer);
    }
    return { kind: "ok", value: Buffer.concat(parts).toString("utf8") };
  } catch (e) {
    return failure(e) as Got<string>;
  }
}

/** Times a broken transfer is taken up again where it stopped (HTTP Range), per download. */
const RESUMES = 3;

/**
 * Streams `url` into `tmp`, hashing as it goes and stopping as soon as more than `maxSize`
 * bytes arrive (a mirror cannot make us store more than the signed size). A transfer that breaks
 * after some bytes is resumed with a Range request, guarded by If-Range with the first answer's
 * validator so that the pieces come from one version of the file; a server that answers the
 * whole file instead is read again from the start.
 */
async function download(url: string, tmp: string, maxSize: number, o: StoreOptions): Promise<Got<{ sha256: string; size: number }>> {
  if (url.startsWith("file://")) {
    const p = fileURLToPath(url);
    if (!existsSync(p)) return { kind: "absent" };
    const s = createReadStream(p, { highWaterMark: 1 << 20 });
    return receive(s, () => s.destroy(), tmp, maxSize);
  }
  const http = httpOf(o);
  const fd = openSync(tmp, "wx", 0o644);
  let h = createHash("sha256");
  let size = 0;
  let validator: string | undefined;
  try {
    for (let attempt = 0; ; attempt++) {
      const resuming = size > 0;
      const headers: Record<string, string> = resuming ? { range: `bytes=${size}-`, ...(validator ? { "if-range": validator } : {}) } : {};
      let r;
      try {
        r = await http.request(url, { headers });
      } catch (e) {
        if (resuming && attempt < RESUMES) continue;
        return failure(e) as Got<never>;
      }
      if (resuming && r.statusCode === 206) {
        const range = /^bytes (\d+)-/.exec(String(r.headers["content-range"] ?? ""));
        if (!range || Number(range[1]) !== size) {
          await r.body.dump();
          return { kind: "failed", dead: false, message: `resumed download: Content-Range ${r.headers["content-range"]} does not start at byte ${size}` };
        }
      } else if (isSuccess(r.statusCode)) {
        if (resuming) {
          // The whole file again (no range support, or it changed): start over.
          ftruncateSync(fd, 0);
          h = createHash("sha256");
          size = 0;
        }
      } else {
        await r.body.dump();
        return isAbsent(r.statusCode) ? { kind: "absent" } : { kind: "failed", dead: false, message: `HTTP ${r.statusCode}` };
      }
      if (!resuming) {
        const etag = r.headers.etag;
        // If-Range takes a strong validator only.
        validator = typeof etag === "string" && !etag.startsWith("W/") ? etag : typeof r.headers["last-modified"] === "string" ? r.headers["last-modified"] : undefined;
      }
      try {
        for await (const c of r.body) {
          const b = c as Buffer;
          size += b.length;
          if (size > maxSize) {
            r.body.destroy();
            break;
          }
          h.update(b);
          writeAll(fd, b, size - b.length);
        }
        break;
      } catch (e) {
        if (size > 0 && attempt < RESUMES) continue;
        return failure(e) as Got<never>;
      }
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { kind: "ok", value: { sha256: h.digest("hex"), size } };
}

/** Writes all of `b` at file offset `at` (explicit: a download started over rewrites from 0). */
function writeAll(fd: number, b: Buffer, at: number): void {
  let off = 0;
  while (off < b.length) off += writeSync(fd, b, off, b.length - off, at + off);
}

async function receive(source: AsyncIterable<unknown>, abort: () => void, tmp: string, maxSize: number): Promise<Got<{ sha256: string; size: number }>> {
  const fd = openSync(tmp, "wx", 0o644);
  const h = createHash("sha256");
  let size = 0;
  try {
    for await (const c of source) {
      const b = c as Buffer;
      size += b.length;
      if (size > maxSize) {
        abort();
        break;
      }
      h.update(b);
      writeAll(fd, b, size - b.length);
    }
    fsyncSync(fd);
  } catch (e) {
    return failure(e) as Got<never>;
  } finally {
    closeSync(fd);
  }
  return { kind: "ok", value: { sha256: h.digest("hex"), size } };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Warns once per mirror and message, and remembers mirrors that refused connections. */
class MirrorHealth {
  private readonly dead = new Set<string>();
  private readonly said = new Set<string>();

  constructor(private readonly o: StoreOptions) {}

  isDead(rule: SstateMirror): boolean {
    return this.dead.has(mirrorLabel(rule));
  }

  report(rule: SstateMirror, url: string, p: { dead: boolean; message: string }): void {
    const mirror = mirrorLabel(rule);
    if (p.dead) this.dead.add(mirror);
    const key = `${mirror}\0${p.dead ? "dead" : p.message}`;
    if (this.said.has(key)) return;
    this.said.add(key);
    this.o.onWarning?.({ mirror, url, message: p.dead ? `mirror unreachable, skipping it: ${p.message}` : p.message });
  }
}

// ---------------------------------------------------------------------------------------------
// Lookup

export type Availability =
  | { readonly kind: "local"; readonly archivePath: string }
  | { readonly kind: "mirror"; readonly mirror: string; readonly archiveUrl: string }
  | { readonly kind: "missing" };

/**
 * setscene's question, "which of these N objects exist?", answered in one batch: the local
 * SSTATE_DIR by stat, then each mirror in turn for what is still missing, with parallel HEAD
 * requests on the metadata (the commit point: an archive without it does not count). The result
 * is keyed by object path (objectRelPath). Existence is not validity: fetchSstateObject verifies.
 */
export async function checkAvailability(ids: readonly SstateObjectId[], o: StoreOptions): Promise<Map<string, Availability>> {
  const result = new Map<string, Availability>();
  let pending: string[] = [];
  for (const id of ids) {
    const rel = objectRelPath(id);
    if (result.has(rel)) continue;
    const archivePath = join(o.sstateDir, rel);
    if (existsSync(archivePath + METADATA_SUFFIX) && existsSync(archivePath)) result.set(rel, { kind: "local", archivePath });
    else {
      result.set(rel, { kind: "missing" });
      pending.push(rel);
    }
  }
  const health = new MirrorHealth(o);
  for (const rule of o.mirrors) {
    if (pending.length === 0) break;
    const still: string[] = [];
    await mapLimit(pending, o.concurrency ?? 8, async (rel) => {
      const url = mirrorUrl(rule, rel + METADATA_SUFFIX);
      if (url === null || health.isDead(rule)) return void still.push(rel);
      const p = await probe(url, o);
      if (p.kind === "found") result.set(rel, { kind: "mirror", mirror: mirrorLabel(rule), archiveUrl: mirrorUrl(rule, rel)! });
      else {
        if (p.kind === "failed") health.report(rule, url, p);
        still.push(rel);
      }
    });
    pending = still;
  }
  return result;
}

export type SstateFetchResult =
  | { readonly ok: true; readonly object: SstateObject; readonly source: "local" | "mirror"; readonly url?: string }
  | { readonly ok: false; readonly refusals: readonly Refusal[] };

/**
 * Makes a verified copy of the object available in the local SSTATE_DIR. A local object is
 * verified in place; otherwise each mirror is tried in order: metadata first (identity and
 * signature are checked before any archive byte is downloaded), then the archive into a
 * temporary file, checked against the signed size and sha256, committed with a rename, and
 * the metadata written last. A refusal moves on to the next mirror; all refusals are returned.
 */
export async function fetchSstateObject(id: SstateObjectId, trust: TrustPolicy, o: StoreOptions): Promise<SstateFetchResult> {
  const rel = objectRelPath(id);
  const archivePath = join(o.sstateDir, rel);
  const metadataPath = archivePath + METADATA_SUFFIX;
  const refusals: Refusal[] = [];
  if (existsSync(metadataPath)) {
    const v = await verifyLocalObject(archivePath, id, trust);
    if (v.ok && v.metadata) return { ok: true, source: "local", object: { id, relPath: rel, archivePath, metadataPath, metadata: v.metadata } };
    if (!v.ok) refusals.push(v.refusal);
  }
  const health = new MirrorHealth(o);
  for (const rule of o.mirrors) {
    const metaUrl = mirrorUrl(rule, rel + METADATA_SUFFIX);
    const archiveUrl = mirrorUrl(rule, rel);
    if (metaUrl === null || archiveUrl === null) continue;
    const got = await getSmall(metaUrl, o);
    if (got.kind === "absent") continue;
    if (got.kind === "failed") {
      health.report(rule, metaUrl, got);
      continue;
    }
    const d = decodeMetadata(got.value);
    if (!d.ok) {
      refusals.push({ reason: "bad-metadata", object: metaUrl, detail: d.detail });
      continue;
    }
    const v = checkMetadata(d.metadata, id, trust, metaUrl);
    if (!v.ok) {
      refusals.push(v.refusal);
      continue;
    }
    mkdirSync(dirname(archivePath), { recursive: true });
    const tmp = tempNameFor(archivePath);
    const dl = await download(archiveUrl, tmp, d.metadata.archiveSize, o);
    if (dl.kind !== "ok") {
      rmSync(tmp, { force: true });
      if (dl.kind === "failed") health.report(rule, archiveUrl, dl);
      else refusals.push({ reason: "checksum-mismatch", object: archiveUrl, detail: "metadata present but archive missing" });
      continue;
    }
    const { sha256, size } = dl.value;
    if (size !== d.metadata.archiveSize || sha256 !== d.metadata.archiveSha256) {
      rmSync(tmp, { force: true });
      refusals.push({
        reason: "checksum-mismatch",
        object: archiveUrl,
        detail: size !== d.metadata.archiveSize ? `size ${size > d.metadata.archiveSize ? `>${d.metadata.archiveSize}` : size}, signed size ${d.metadata.archiveSize}` : `sha256 ${sha256}, signed ${d.metadata.archiveSha256}`,
      });
      continue;
    }
    commitRename(tmp, archivePath);
    writeFileAtomic(metadataPath, encodeMetadata(d.metadata), 0o644);
    return { ok: true, source: "mirror", url: archiveUrl, object: { id, relPath: rel, archivePath, metadataPath, metadata: d.metadata } };
  }
  return { ok: false, refusals };
}

// ---------------------------------------------------------------------------------------------
// Equivalence records

export type EquivalenceFound = { readonly uniHash: UniHash; readonly source: "local" | "mirror"; readonly url?: string };

/**
 * For tasks the hash-equivalence server had no unihash for: the unihash an equivalence record
 * gives, looked up where objects are (SSTATE_DIR, then each mirror), keyed by record path
 * (equivalenceRelPath). A task whose object is named by its own taskhash in SSTATE_DIR needs
 * none and is not asked about. A record taken from a mirror is copied into SSTATE_DIR, so the
 * next build (and what publishes SSTATE_DIR) has it. Refused records are reported and skipped.
 */
export async function findEquivalences(
  ids: readonly (EquivalenceId & { readonly ownObject: SstateObjectId })[],
  trust: TrustPolicy,
  o: StoreOptions,
  onRefusal: (r: Refusal) => void = () => {},
): Promise<Map<string, EquivalenceFound>> {
  const result = new Map<string, EquivalenceFound>();
  let pending: (EquivalenceId & { rel: string })[] = [];
  for (const id of ids) {
    const rel = equivalenceRelPath(id);
    if (existsSync(join(o.sstateDir, objectRelPath(id.ownObject) + METADATA_SUFFIX))) continue;
    const local = readLocalEquivalence(o.sstateDir, id, trust);
    if (local?.ok) result.set(rel, { uniHash: local.record.uniHash, source: "local" });
    else {
      if (local && !local.ok) onRefusal(local.refusal);
      pending.push({ ...id, rel });
    }
  }
  const health = new MirrorHealth(o);
  for (const rule of o.mirrors) {
    if (pending.length === 0) break;
    const still: typeof pending = [];
    await mapLimit(pending, o.concurrency ?? 8, async (id) => {
      const url = mirrorUrl(rule, id.rel);
      if (url === null || health.isDead(rule)) return void still.push(id);
      const got = await getSmall(url, o);
      if (got.kind !== "ok") {
        if (got.kind === "failed") health.report(rule, url, got);
        return void still.push(id);
      }
      const v = checkEquivalence(got.value, id, trust, url, url);
      if (!v.ok) {
        onRefusal(v.refusal);
        return void still.push(id);
      }
      const path = join(o.sstateDir, id.rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileAtomic(path, encodeEquivalence(v.record), 0o644);
      result.set(id.rel, { uniHash: v.record.uniHash, source: "mirror", url });
    });
    pending = still;
  }
  return result;
}
