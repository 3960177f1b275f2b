// The local files a task's signature covers: the `file-checksums` task flag (base.bbclass fills
// do_fetch's from the `file://` entries of SRC_URI). Each whitespace-separated entry is a path, or
// several alternatives joined by `|` of which the first that exists counts (FILESPATH order), with
// BitBake's optional `:True`/`:False` suffix. A `/./` in a path marks where the name a human sees
// starts (BitBake's convention), so that the name, like the hash, does not depend on where the
// layer is. Directories count as the sorted list of their files.
import { createHash } from "node:crypto";
import { lstatSync, readFileSync, readdirSync, readlinkSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { FileChecksum } from "./taskhash.js";

export interface FileChecksumEntry {
  /** Candidate paths, first existing one wins. */
  readonly alternatives: readonly string[];
}

export function parseFileChecksums(flag: string | null | undefined): FileChecksumEntry[] {
  const out: FileChecksumEntry[] = [];
  for (const word of (flag ?? "").split(/\s+/)) {
    if (word === "") continue;
    // `path:False` is a place searched that held nothing when parsed: BitBake's checksums skip it.
    const alternatives = word
      .split("|")
      .filter((p) => !p.endsWith(":False"))
      .map((p) => p.replace(/:True$/, ""))
      .filter((p) => p !== "");
    if (alternatives.length > 0) out.push({ alternatives });
  }
  return out;
}

/**
 * The paths a `file-checksums` flag says existed (`path:True`) or not (`path:False`) when the recipe
 * was parsed, as BitBake's get_checksum_file_list writes them (every place searched along FILESPATH
 * up to the one found): the parse holds while each is still so (bb/cache.py checks the same).
 */
export function checksumFileStates(flag: string | null | undefined): { readonly present: string[]; readonly absent: string[] } {
  const present: string[] = [];
  const absent: string[] = [];
  for (const word of (flag ?? "").split(/\s+/)) {
    for (const p of word.split("|")) {
      if (p.endsWith(":True")) present.push(p.slice(0, -":True".length));
      else if (p.endsWith(":False")) absent.push(p.slice(0, -":False".length));
    }
  }
  return { present, absent };
}

/** The name a file is known by in signatures: `./rel` after a `/./`, else its basename. */
export function checksumName(path: string): string {
  const at = path.indexOf("/./");
  return at >= 0 ? `./${path.slice(at + 3)}` : basename(path);
}

/** Checksums of files by path and (mtime, size): a build reads each local file once. */
export class FileChecksumCache {
  private readonly known = new Map<string, { key: string; sha256: string }>();

  /** sha256 of a file, of a symlink's target text, or of a directory's listing; null when absent. */
  checksum(path: string): string | null {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return null;
    }
    const key = `${st.mtimeMs}:${st.size}:${st.ino}`;
    const hit = this.known.get(path);
    if (hit && hit.key === key && !st.isDirectory()) return hit.sha256;
    let sha256: string;
    if (st.isSymbolicLink()) {
      // BitBake follows links; a dangling one counts by its target text.
      try {
        statSync(path);
        sha256 = sha(readFileSync(path));
      } catch {
        sha256 = sha(Buffer.from(`link:${readlinkSync(path)}`));
      }
    } else if (st.isDirectory()) {
      const lines: string[] = [];
      const walk = (dir: string, rel: string) => {
        for (const name of readdirSync(dir).sort()) {
          const abs = join(dir, name);
          const r = rel === "" ? name : `${rel}/${name}`;
          if (lstatSync(abs).isDirectory()) walk(abs, r);
          else lines.push(`${r} ${this.checksum(abs) ?? "-"}`);
        }
      };
      walk(path, "");
      sha256 = sha(Buffer.from(lines.join("\n")));
    } else {
      sha256 = sha(readFileSync(path));
    }
    this.known.set(path, { key, sha256 });
    return sha256;
  }

  /** The checksum of each entry's first existing alternative; entries with none are left out. */
  checksums(entries: readonly FileChecksumEntry[]): FileChecksum[] {
    const out: FileChecksum[] = [];
    for (const e of entries) {
      for (const path of e.alternatives) {
        const sha256 = this.checksum(path);
        if (sha256 === null) continue;
        out.push({ name: checksumName(path), sha256 });
        break;
      }
    }
    return out;
  }
}

function sha(b: Buffer): string {
  return createHash("sha256").update(b).digest("hex");
}
