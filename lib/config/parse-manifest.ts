// The parse cache's manifest as plain files beside its LevelDB entries, so that a warm `bake -p`
// or `-e RECIPE` reads a file or two and never loads LevelDB (about a tenth of a warm run: its
// modules, its native binding, opening the database) while nothing changed.
//
// `bake-manifest` is the header: whether the whole collection's parse still holds (every input
// once, with its stamp), each recipe's counts, and the length and sha256 of
// `bake-manifest.summaries`, each recipe's record summaries (what choosing a provider reads),
// which only `-e` and `getvar` read. Each file is written to a temporary name, synced and
// renamed, the summaries before the header that vouches for them, so a bake killed while writing
// leaves the previous files or none; anything that does not read back whole (a header that does
// not parse, summaries of another length or digest) is not trusted, and the LevelDB entries' own
// headers decide then.
import { createHash } from "node:crypto";
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FileInput } from "./parse-cache.js";
import type { RecipeSummary } from "./recipe-info.js";

/** The header's name inside the parse cache's directory (LevelDB ignores files it did not name). */
export const MANIFEST_FILE = "bake-manifest";
/** The summaries' name beside it. */
export const SUMMARIES_FILE = "bake-manifest.summaries";

/** The summaries file a header vouches for. */
export interface SummariesRef {
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * The state of a whole collection after a parse: every recipe's counts, and every input of any of
 * them once, with its stamp then. While it holds (the same recipes, each of those inputs
 * unchanged), every recipe's entry holds: a warm parse checks each file once and reads no
 * recipe's header.
 */
export interface Manifest {
  readonly format: number;
  readonly generation: string;
  /** sha256 of the recipe files and their bbappends, in order. */
  readonly recipes: string;
  readonly counts: readonly (readonly [targets: number, skipped: number])[];
  /** The recipes (indexes, ascending) whose records carry no basehashes (see the parse cache's Header.signed). */
  readonly unsigned: readonly number[];
  readonly inputs: readonly FileInput[];
  readonly summaries: SummariesRef;
}

/** The manifest in `dir`, or null when there is none or it does not parse. */
export function readManifest(dir: string): Manifest | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), "utf8")) as Manifest;
    return typeof m === "object" && m !== null && typeof m.summaries === "object" && m.summaries !== null ? m : null;
  } catch {
    return null;
  }
}

/** Each recipe's record summaries in key order, or null when the file is not the one `ref` describes. */
export function readSummaries(dir: string, ref: SummariesRef): (readonly RecipeSummary[])[] | null {
  try {
    const data = readFileSync(join(dir, SUMMARIES_FILE));
    if (data.length !== ref.bytes || createHash("sha256").update(data).digest("hex") !== ref.sha256) return null;
    return JSON.parse(data.toString("utf8")) as RecipeSummary[][];
  } catch {
    return null;
  }
}

/** Writes the summaries (a JSON array of each recipe's summaries, in key order); what a header names them by. */
export function writeSummaries(dir: string, text: Buffer): SummariesRef {
  writeWhole(join(dir, SUMMARIES_FILE), text);
  return { bytes: text.length, sha256: createHash("sha256").update(text).digest("hex") };
}

/** Writes the header, after the summaries it names; failing to write only costs the next run the LevelDB path. */
export function writeManifest(dir: string, manifest: Manifest): void {
  try {
    writeWhole(join(dir, MANIFEST_FILE), Buffer.from(JSON.stringify(manifest)));
  } catch {
    // Read-only, or full: the entries decide next time.
  }
}

/** Replaces `path` whole or not at all. */
function writeWhole(path: string, data: Buffer): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, "w");
    try {
      writeFileSync(fd, data);
      // On the disk before the name is: a crash after the rename finds the whole file.
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // A read-only directory: nothing was written either.
    }
    throw err;
  }
}

/** Before any entry of the parse cache is rewritten: the manifest vouched for the entries as they were. */
export function dropManifest(dir: string): void {
  rmSync(join(dir, MANIFEST_FILE), { force: true });
}

/** The summaries part from each recipe's summaries as LevelDB keeps them (JSON texts, in key order). */
export function summariesPart(texts: readonly string[]): Buffer {
  return Buffer.from(`[${texts.join(",")}]`);
}
