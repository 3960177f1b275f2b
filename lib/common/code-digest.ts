// A digest of source files by relative path and content, with each file's content hash kept beside
// its stamp so that a run whose files are unchanged costs a stat per file. Used for the identity of
// bake's code (config/code-generation.ts) and of its Python sources in a boot snapshot's name
// (python/engine.ts).
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** One file's stamp (`mtime-ns:size:inode`) and the sha256 of its content at that stamp. */
type Known = readonly [stamp: string, hash: string];

/**
 * A digest of the `.js` and `.py` files under each named directory, by relative path and content.
 * `hashesFile` keeps each file's content hash with its stamp between runs (null: keep nothing);
 * it is rewritten when a stamp moved, and one that cannot be written (a read-only install) only
 * costs the next run the reads.
 */
export function codeDigest(dirs: readonly (readonly [name: string, dir: string])[], hashesFile: string | null): string {
  return createHash("sha256").update(stagesText(dirs, hashesFile)).digest("hex");
}

/** What codeDigest digests: each file's name and content hash, in order. */
export function stagesText(dirs: readonly (readonly [name: string, dir: string])[], hashesFile: string | null): string {
  let known: Record<string, Known> = {};
  if (hashesFile !== null) {
    try {
      known = JSON.parse(readFileSync(hashesFile, "utf8")) as Record<string, Known>;
    } catch {
      // None yet, or unreadable: every module is read once.
    }
  }
  const now: Record<string, Known> = {};
  let moved = false;
  let text = "";
  for (const [name, dir] of dirs) {
    let files: string[];
    try {
      files = filesUnder(dir).sort();
    } catch {
      continue;
    }
    for (const f of files) {
      if (!f.endsWith(".js") && !f.endsWith(".py")) continue;
      const path = join(dir, f);
      const st = statSync(path, { bigint: true });
      const stamp = `${st.mtimeNs}:${st.size}:${st.ino}`;
      let entry = known[path];
      if (entry === undefined || entry[0] !== stamp) {
        entry = [stamp, createHash("sha256").update(readFileSync(path)).digest("hex")];
        moved = true;
      }
      now[path] = entry;
      text += `${name}/${f}\0${entry[1]}\0`;
    }
  }
  if (hashesFile !== null && (moved || Object.keys(known).length !== Object.keys(now).length)) {
    try {
      const tmp = `${hashesFile}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(now));
      renameSync(tmp, hashesFile);
    } catch {
      // Read-only: the next run hashes the moved modules again.
    }
  }
  return text;
}

/**
 * The paths of the files under `dir`, relative to it. Node 20's `readdirSync(dir, { recursive: true })`
 * cost 17-19 ms of processor time for these 12 directories, a walk of them 1-2 ms: every command
 * that reads metadata pays it once.
 */
function filesUnder(dir: string, prefix = ""): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...filesUnder(dir, path));
    else files.push(path);
  }
  return files;
}
