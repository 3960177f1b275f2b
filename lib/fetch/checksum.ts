// sha256 of downloads, the `.done` stamps that commit them, and what happens to a bad file.

import { createHash } from "node:crypto";
import { createReadStream, promises as fs } from "node:fs";
import { ChecksumMismatch } from "./errors.js";

export type Sha256 = string & { readonly __brand: "Sha256" };

export async function sha256File(path: string): Promise<Sha256> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex") as Sha256;
}

/** What a `.done` stamp records; BitBake pickles the same facts. */
interface DoneStamp {
  readonly sha256: string;
}

export function doneStampPath(localPath: string): string {
  return `${localPath}.done`;
}

export async function readDoneStamp(localPath: string): Promise<DoneStamp | null> {
  try {
    const parsed = JSON.parse(await fs.readFile(doneStampPath(localPath), "utf8")) as DoneStamp;
    return typeof parsed.sha256 === "string" ? parsed : null;
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
