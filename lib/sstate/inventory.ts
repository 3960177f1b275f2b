// What an SSTATE_DIR holds, as prune and verify see it: objects (archive + metadata pairs),
// archives whose metadata never got written, equivalence records, and temporary files of
// interrupted writes.
import { lstatSync, readdirSync, type Stats } from "node:fs";
import { join, relative } from "node:path";
import { EQUIVALENCE_SUFFIX } from "./equivalence.js";
import { METADATA_SUFFIX } from "./object.js";

export interface StoredObject {
  readonly relPath: string;
  readonly archivePath: string;
  readonly metadataPath: string;
  readonly archive: Stats | null;
  readonly metadata: Stats | null;
}

export interface Inventory {
  readonly objects: readonly StoredObject[];
  /** Equivalence records (`.unihash`), paths relative to the directory. */
  readonly equivalences: readonly string[];
  readonly temps: readonly { readonly path: string; readonly stat: Stats }[];
}

const ARCHIVE_SUFFIX = ".tar.zst";

/** Recursive, so prefixes such as BitBake's SSTATE_EXTRAPATH (`<NATIVELSBSTRING>/`) are covered. */
export function inventory(sstateDir: string): Inventory {
  const found = new Map<string, { archive: Stats | null; metadata: Stats | null }>();
  const temps: { path: string; stat: Stats }[] = [];
  const equivalences: string[] = [];
  const visit = (dir: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, d.name);
      if (d.isDirectory()) {
        visit(p);
        continue;
      }
      if (!d.isFile()) continue;
      if (d.name.startsWith(".tmp-")) {
        temps.push({ path: p, stat: lstatSync(p) });
        continue;
      }
      if (d.name.endsWith(EQUIVALENCE_SUFFIX)) {
        equivalences.push(relative(sstateDir, p));
        continue;
      }
      const isMeta = d.name.endsWith(ARCHIVE_SUFFIX + METADATA_SUFFIX);
      if (!isMeta && !d.name.endsWith(ARCHIVE_SUFFIX)) continue;
      const archivePath = isMeta ? p.slice(0, -METADATA_SUFFIX.length) : p;
      const e = found.get(archivePath) ?? { archive: null, metadata: null };
      if (isMeta) e.metadata = lstatSync(p);
      else e.archive = lstatSync(p);
      found.set(archivePath, e);
    }
  };
  visit(sstateDir);
  const objects = [...found].map(([archivePath, e]) => ({
    relPath: relative(sstateDir, archivePath),
    archivePath,
    metadataPath: archivePath + METADATA_SUFFIX,
    ...e,
  }));
  return { objects, equivalences, temps };
}
