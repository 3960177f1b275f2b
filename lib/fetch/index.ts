// The fetch stage: do_fetch, do_unpack and do_patch for SRC_URI entries.

import type { FetchContext, FetchOptions } from "./context.js";
import { existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Sha256 } from "../common/hashes.js";
import { doneStampPath, readDoneStamp, recheckDownload, sha256File, verifyDownloads } from "./checksum.js";
import { fetchSource, type FetchResult, type FetchRun } from "./download.js";
import { ChecksumMismatch, MissingChecksum, UnpackFailed } from "./errors.js";
import { findLocalFile } from "./local.js";
import { withLock } from "../common/lock.js";
import { applyPatch, isPatch } from "./patch.js";
import { resolveSource, type Source } from "./source.js";
import { unpackGit } from "./git.js";
import { unpackItem } from "./unpack.js";
import { parseSourceUri, type SourceUri } from "./uri.js";

export type { FetchContext, FetchEvent, FetchOptions, HttpOptions, AptOptions } from "./context.js";
export type { FetchOrigin, FetchResult } from "./download.js";
export type { SourceUri, UriParts } from "./uri.js";
export { parseSourceUri, splitSrcUri, checksumFlag } from "./uri.js";
export { mirrorCandidates } from "./mirrors.js";
export { deriveSources, debSrcLines, debSrcStanzas } from "./apt.js";
export { supervised, SUPERVISED_STDIN } from "./supervise.js";
export * from "./errors.js";

type UriInput = string | SourceUri;

function parseAll(uris: readonly UriInput[]): SourceUri[] {
  return uris.map((u) => (typeof u === "string" ? parseSourceUri(u) : u));
}

/**
 * do_fetch: brings every entry into DL_DIR (or finds it in FILESPATH), in SRC_URI order.
 * Missing checksums under BB_STRICT_CHECKSUM = "1" are reported together at the end.
 */
export async function fetchAll(ctx: FetchContext, uris: readonly UriInput[], options: FetchOptions = {}): Promise<FetchResult[]> {
  const sources = parseAll(uris).map((u) => resolveSource(ctx, u));
  const run: FetchRun = { ctx, options, missing: [] };
  const results: FetchResult[] = [];
  for (const source of sources) results.push(await fetchSource(run, source));
  if (run.missing.length > 0) throw new MissingChecksum(run.missing);
  return results;
}

export interface VerifiedFile {
  readonly url: string;
  readonly path: string;
  readonly sha256: Sha256;
  readonly expected: string | null;
}

/** Re-checks downloaded files against the recipe's sha256 (git sources have none). */
export async function verify(ctx: FetchContext, uris: readonly UriInput[]): Promise<VerifiedFile[]> {
  const out: VerifiedFile[] = [];
  for (const source of parseAll(uris).map((u) => resolveSource(ctx, u))) {
    if (source.kind === "git") continue;
    const path = await pathOf(ctx, source);
    if (source.kind === "local" && source.expected === null) continue;
    const sha = await sha256File(path);
    if (source.expected !== null && sha !== source.expected) {
      throw new ChecksumMismatch(source.uri.url, path, source.checksumName, source.expected, sha, null);
    }
    out.push({ url: source.uri.url, path, sha256: sha, expected: source.expected });
  }
  return out;
}

async function pathOf(ctx: FetchContext, source: Exclude<Source, { kind: "git" }>): Promise<string> {
  return source.kind === "local" ? (await findLocalFile(ctx, source.uri)).path : source.localPath;
}

export interface UnpackOptions {
  /** BitBake's UNPACKDIR (WORKDIR in older releases). */
  readonly rootDir: string;
}

export interface UnpackResult {
  readonly url: string;
  readonly dir: string;
}

/** do_unpack: extracts or copies every entry under `rootDir`, from DL_DIR/FILESPATH only. */
export async function unpackAll(ctx: FetchContext, uris: readonly UriInput[], options: UnpackOptions): Promise<UnpackResult[]> {
  const out: UnpackResult[] = [];
  for (const source of parseAll(uris).map((u) => resolveSource(ctx, u))) {
    if (source.kind === "git") {
      out.push({ url: source.uri.url, dir: await unpackGit(source.git, options.rootDir) });
      continue;
    }
    const path = await pathOf(ctx, source);
    if (source.kind === "file" && verifyDownloads(ctx)) await recheckBeforeUnpack(ctx, source);
    out.push({ url: source.uri.url, dir: await unpackItem({ uri: source.uri, path }, options.rootDir) });
  }
  return out;
}

/**
 * BB_VERIFY_DOWNLOADS before do_unpack: the download must still hash to what it was committed
 * with. do_unpack has no network to fetch it again, so a changed file is an error; it is moved
 * aside and unstamped so that the next do_fetch brings it back.
 */
async function recheckBeforeUnpack(ctx: FetchContext, source: Extract<Source, { kind: "file" }>): Promise<void> {
  await withLock(`${source.localPath}.lock`, async () => {
    const expected = source.expected ?? (await readDoneStamp(source.localPath))?.sha256 ?? null;
    if (expected === null) return;
    const pn = ctx.getVar("PN");
    const changed = await recheckDownload(source.uri.url, source.localPath, expected, pn ? `bake -C fetch ${pn}` : null);
    if (changed !== null) throw changed;
  });
}

export interface PatchOptions {
  /** ${S}: where patches apply unless `patchdir=` says otherwise. */
  readonly sourceDir: string;
}

/** do_patch: applies the patch entries in SRC_URI order; stops at the first that fails. */
export async function applyPatches(ctx: FetchContext, uris: readonly UriInput[], options: PatchOptions): Promise<string[]> {
  const applied: string[] = [];
  for (const source of parseAll(uris).map((u) => resolveSource(ctx, u))) {
    if (source.kind === "git") {
      if (source.uri.apply === true) throw new UnpackFailed(source.uri.url, source.git.clonedir, "a git source cannot be applied as a patch");
      continue;
    }
    const path = await pathOf(ctx, source);
    if (!isPatch(source.uri, path)) continue;
    await applyPatch({ uri: source.uri, path }, options.sourceDir);
    applied.push(source.uri.url);
  }
  return applied;
}

/**
 * do_cleanall: what fetching these entries put in DL_DIR (the file and its `.done` stamp, a git
 * clone and its mirror tarball). Local files are never touched. Returns the paths removed.
 */
export function cleanDownloads(ctx: FetchContext, uris: readonly UriInput[]): string[] {
  const removed: string[] = [];
  const remove = (path: string) => {
    if (!existsSync(path)) return;
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  };
  for (const source of parseAll(uris).map((u) => resolveSource(ctx, u))) {
    if (source.kind === "file") {
      remove(source.localPath);
      remove(doneStampPath(source.localPath));
    } else if (source.kind === "git") {
      remove(source.git.clonedir);
      remove(join(dirname(dirname(source.git.clonedir)), source.git.mirrorTarball));
    }
  }
  return removed;
}
