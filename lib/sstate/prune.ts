// `bake sstate prune`: drop objects nobody has used for a while, or that a build no longer needs.
import { readFileSync, readdirSync, rmSync, rmdirSync } from "node:fs";
import { basename, dirname, relative } from "node:path";
import { inventory, type StoredObject } from "./inventory.js";
import { decodeMetadata } from "./object.js";

export interface PruneOptions {
  readonly sstateDir: string;
  /** Objects whose last use (newest of atime/mtime of archive and metadata) is older. */
  readonly olderThanDays?: number;
  /**
   * Objects to keep, by unihash, object path under SSTATE_DIR or file name. With only a keep
   * set, everything else goes; with both, an object goes when it is old and not kept.
   */
  readonly keep?: ReadonlySet<string>;
  readonly dryRun?: boolean;
  readonly now?: number;
}

export interface PruneReport {
  readonly removedObjects: number;
  readonly keptObjects: number;
  readonly removedLeftovers: number;
  readonly freedBytes: number;
  readonly removed: readonly string[];
}

const DAY = 86_400_000;
/** An archive may legitimately lack its metadata for the moment between the two renames. */
const LEFTOVER_AGE = DAY;

function lastUsed(o: StoredObject): number {
  let t = 0;
  for (const s of [o.archive, o.metadata]) if (s) t = Math.max(t, s.atimeMs, s.mtimeMs);
  return t;
}

function isKept(o: StoredObject, keep: ReadonlySet<string>): boolean {
  if (keep.has(o.relPath) || keep.has(basename(o.archivePath))) return true;
  if (!o.metadata) return false;
  try {
    const d = decodeMetadata(readFileSync(o.metadataPath, "utf8"));
    return d.ok && keep.has(d.metadata.uniHash);
  } catch {
    return false;
  }
}

export function pruneSstate(o: PruneOptions): PruneReport {
  if (o.olderThanDays === undefined && o.keep === undefined) throw new TypeError("prune needs an age limit, a keep set, or both");
  const now = o.now ?? Date.now();
  const inv = inventory(o.sstateDir);
  const removed: string[] = [];
  let freed = 0;
  let removedObjects = 0;
  let kept = 0;
  let leftovers = 0;
  const dirs = new Set<string>();
  const remove = (path: string, size: number) => {
    if (!o.dryRun) rmSync(path, { force: true });
    freed += size;
    removed.push(relative(o.sstateDir, path));
    dirs.add(dirname(path));
  };

  for (const obj of inv.objects) {
    const old = o.olderThanDays !== undefined && lastUsed(obj) < now - o.olderThanDays * DAY;
    if (!obj.metadata) {
      // Never committed: garbage once it is clearly not a write in progress.
      if (lastUsed(obj) < now - LEFTOVER_AGE) {
        remove(obj.archivePath, obj.archive!.size);
        leftovers++;
      }
      continue;
    }
    const keptBySet = o.keep !== undefined && isKept(obj, o.keep);
    const drop = o.keep === undefined ? old : o.olderThanDays === undefined ? !keptBySet : old && !keptBySet;
    if (!drop) {
      kept++;
      continue;
    }
    // Metadata first: the object stops existing the moment its commit point is gone.
    remove(obj.metadataPath, obj.metadata.size);
    if (obj.archive) remove(obj.archivePath, obj.archive.size);
    removedObjects++;
  }
  for (const t of inv.temps)
    if (t.stat.mtimeMs < now - LEFTOVER_AGE) {
      remove(t.path, t.stat.size);
      leftovers++;
    }
  if (!o.dryRun)
    for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
      // Empty fan-out directories (ab/cd/), then their parents.
      for (let cur = d; cur.startsWith(o.sstateDir) && cur !== o.sstateDir && cur.length > o.sstateDir.length; cur = dirname(cur)) {
        try {
          if (readdirSync(cur).length > 0) break;
          rmdirSync(cur);
        } catch {
          break;
        }
      }
    }
  return { removedObjects, keptObjects: kept, removedLeftovers: leftovers, freedBytes: freed, removed };
}
