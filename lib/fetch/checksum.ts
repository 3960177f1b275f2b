// sha256 of downloads, the `.done` stamps that commit them, and what happens to a bad file.

import { createHash } from "node:crypto";
import { createReadStream, promises as fs } from "node:fs";
import type { FetchContext } from "./context.js";
import { toBoolean } from "./context.js";
import { isSha256, sha256Of, type Sha256 } from "../common/hashes.js";
import { ChecksumMismatch, DownloadChanged } from "./errors.js";

export async function sha256File(path: string): Promise<Sha256> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return sha256Of(hash);
}

/** What a `.done` stamp records; BitBake pickles the same facts. */
interface DoneStamp {
  readonly sha256: Sha256;
}

export function doneStampPath(localPath: string): string {
  return `${localPath}.done`;
}

export async function readDoneStamp(localPath: string): Promise<DoneStamp | null> {
  try {
    // A stamp that names no sha256 commits nothing: the download is checked or fetched again.
    const parsed = JSON.parse(await fs.readFile(doneStampPath(localPath), "utf8")) as { sha256?: unknown };
    return isSha256(parsed.sha256) ? { sha256: parsed.sha256 } : null;
  } catch {
    return null;
  }
}

/** Written last, atomically: the stamp is the commit point of a download. */
export async function writeDoneStamp(localPath: string, sha256: Sha256): Promise<void> {
  const stamp = doneStampPath(localPath);
  const tmp = `${stamp}.tmp.${process.pid}`;
  await fs.writeFile(tmp, JSON.stringify({ sha256 } satisfies DoneStamp) + "\n");
  await fs.rename(tmp, stamp);
}

export async function removeDoneStamp(localPath: string): Promise<void> {
  await fs.rm(doneStampPath(localPath), { force: true });
}

/** BitBake's name for a file that failed its checksum; nothing looks for it again. */
export function badChecksumPath(localPath: string, actual: string): string {
  return `${localPath}_bad-checksum_${actual}`;
}

/**
 * Commits a finished download: if the recipe expects a sha256 and `actual` differs, the file
 * at `tmpPath` is moved aside and ChecksumMismatch is thrown; otherwise it is renamed onto
 * `localPath`. The `.done` stamp is the caller's business (it may still refuse a missing sum).
 */
export async function commitDownload(
  url: string,
  tmpPath: string,
  localPath: string,
  checksumName: string,
  expected: string | null,
  actual: Sha256,
): Promise<void> {
  if (expected !== null && expected !== actual) {
    const aside = badChecksumPath(localPath, actual);
    await fs.rename(tmpPath, aside);
    throw new ChecksumMismatch(url, localPath, checksumName, expected, actual, aside);
  }
  if (tmpPath !== localPath) await fs.rename(tmpPath, localPath);
}

/**
 * BB_VERIFY_DOWNLOADS = "1": a stamped download is hashed again before it is used, instead of
 * trusting its `.done` stamp (BitBake trusts the stamp; a file changed in DL_DIR since, by a disk,
 * a person or another tool, would otherwise be built from).
 */
export function verifyDownloads(ctx: FetchContext): boolean {
  return toBoolean(ctx.getVar("BB_VERIFY_DOWNLOADS"));
}

/**
 * Hashes `localPath` again; if it is not `expected`, moves it aside (as a bad checksum), removes
 * its stamp and returns the DownloadChanged error to throw or warn with.
 */
export async function recheckDownload(url: string, localPath: string, expected: string, refetch: string | null): Promise<DownloadChanged | null> {
  const actual = await sha256File(localPath);
  if (actual === expected) return null;
  const aside = badChecksumPath(localPath, actual);
  await fs.rename(localPath, aside);
  await removeDoneStamp(localPath);
  return new DownloadChanged(url, localPath, expected, actual, aside, refetch);
}
