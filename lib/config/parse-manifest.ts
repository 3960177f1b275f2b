// The parse cache's manifest as a plain file beside its LevelDB entries, so that a warm `bake -p`
// or `-e RECIPE` reads one file and never loads LevelDB (about a tenth of a warm run: its modules,
// its native binding, opening the database) while nothing changed.
//
// The file is `<header JSON>\n<summaries JSON>`: the header says whether the whole collection's
// parse still holds (every input once, with its stamp) and each recipe's counts; the summaries
// (what choosing a provider reads) are parsed only when asked for, after their length and sha256
// are found to be the header's. The file is written to a temporary name, synced and renamed, so a
// bake killed while writing leaves the previous file or none; anything that does not read back
// whole is not trusted (the LevelDB entries' own headers decide then).
import { createHash } from "node:crypto";
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FileInput } from "./parse-cache.js";
import type { RecipeSummary } from "./recipe-info.js";

/** The file's name inside the parse cache's directory (LevelDB ignores files it did not name). */
export const MANIFEST_FILE = "bake-manifest";

/**
 * The state of a whole collection after a parse: every recipe's counts, and every input of any of
 * them once, with its stamp then. While it holds (the same recipes, each of those inputs
 * unchanged), every recipe's entry holds: a warm parse checks each file once and reads no
 * recipe's header.
 */
export interface Manifest {
  readonly format: number;
  readonly generation: string;
  /** sha256 of the recipe keys, in order. */
  readonly recipes: string;
  readonly counts: readonly (readonly [targets: number, skipped: number])[];
  readonly inputs: readonly FileInput[];
}

interface Header extends Manifest {
  /** Byte length and sha256 of the summaries part. */
  readonly summaries: { readonly bytes: number; readonly sha256: string };
}

/** A manifest as read: its header, and its recipes' summaries on demand. */
export interface StoredManifest {
  readonly manifest: Manifest;
  /** Whether the summaries part is the one the header describes (its sha256, checked once). */
  whole(): boolean;
  /** Each recipe's record summaries in key order, or null when the part is not whole. */
  summaries(): (readonly RecipeSummary[])[] | null;
  /** The summaries part as stored (JSON), to write again with new stamps. */
  readonly summariesText: Buffer;
}

export function manifestPath(dir: string): string {
  return join(dir, MANIFEST_FILE);
}

/** The manifest in `dir`, or null when there is none or it does not read back whole. */
export function readManifest(dir: string): StoredManifest | null {
  let data: Buffer;
  try {
    data = readFileSync(manifestPath(dir));
  } catch {
    return null;
  }
  const newline = data.indexOf(10);
  if (newline < 0) return null;
  let header: Header;
  try {
    header = JSON.parse(data.toString("utf8", 0, newline)) as Header;
  } catch {
    return null;
  }
  const rest = data.subarray(newline + 1);
  if (typeof header !== "object" || header === null || header.summaries?.bytes !== rest.length) return null;
  let whole: boolean | null = null;
  const stored: StoredManifest = {
    manifest: header,
    summariesText: rest,
    whole: () => (whole ??= createHash("sha256").update(rest).digest("hex") === header.summaries.sha256),
    summaries: () => {
      if (!stored.whole()) return null;
      try {
        return JSON.parse(rest.toString("utf8")) as RecipeSummary[][];
      } catch {
        return null;
      }
    },
  };
  return stored;
}

/**
 * Writes the manifest with its summaries part (a JSON array of each recipe's summaries, in key
 * order) so that the file is replaced whole or not at all; failing to write only costs the next
 * run the LevelDB path.
 */
export function writeManifest(dir: string, manifest: Manifest, summariesText: Buffer): void {
  const header: Header = {
    format: manifest.format,
    generation: manifest.generation,
    recipes: manifest.recipes,
    counts: manifest.counts,
    inputs: manifest.inputs,
    summaries: { bytes: summariesText.length, sha256: createHash("sha256").update(summariesText).digest("hex") },
  };
  const path = manifestPath(dir);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, "w");
    try {
      writeFileSync(fd, `${JSON.stringify(header)}\n`);
      writeFileSync(fd, summariesText);
      // On the disk before the name is: a crash after the rename finds the whole file.
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // A read-only directory: nothing was written either.
    }
  }
}

/** Before any entry of the parse cache is rewritten: the manifest vouched for the entries as they were. */
export function dropManifest(dir: string): void {
  rmSync(manifestPath(dir), { force: true });
}

/** The summaries part from each recipe's summaries as LevelDB keeps them (JSON texts, in key order). */
export function summariesPart(texts: readonly string[]): Buffer {
  return Buffer.from(`[${texts.join(",")}]`);
}
