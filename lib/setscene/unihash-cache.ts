// The unihashes the hash-equivalence server gave this build directory, one per task (BitBake's
// bb_unihashes.dat in PERSISTENT_DIR): a task whose taskhash is the one recorded takes the recorded
// unihash without asking, so a build where nothing changed starts no server, opens no database and
// looks up no equivalence record. A server answers a taskhash it knows the same way for good (the
// first report wins); what it learns later arrives through this build's own reports, which are
// recorded as they come, so a killed build leaves no answer behind that the server has since
// changed. Anything wrong with the file (absent, cut short, another server's) is an empty cache:
// the server is asked, as before the cache existed.
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { asTaskHash, isUniHash, type TaskHash, type UniHash } from "../common/hashes.js";

/** Which server's answers a cache holds: another server (or method) may answer otherwise. */
export interface UnihashSource {
  /** BB_HASHSERVE as set ("auto", an address). */
  readonly server: string;
  /** BB_HASHSERVE_UPSTREAM: an "auto" server reads through to it. */
  readonly upstream: string;
  /** Where an "auto" server keeps its database. */
  readonly database: string;
  /** SSTATE_HASHEQUIV_METHOD. */
  readonly method: string;
}

interface CacheFile {
  readonly version: 1;
  readonly source: UnihashSource;
  /** Task key → [taskhash, unihash]. */
  readonly tasks: Record<string, readonly [string, string]>;
}

const sameSource = (a: UnihashSource, b: unknown): boolean => {
  if (typeof b !== "object" || b === null) return false;
  const o = b as Record<string, unknown>;
  return o["server"] === a.server && o["upstream"] === a.upstream && o["database"] === a.database && o["method"] === a.method;
};

export class UnihashCache {
  private dirty = false;

  private constructor(
    private readonly path: string,
    private readonly source: UnihashSource,
    private readonly tasks: Map<string, readonly [TaskHash, UniHash]>,
  ) {}

  static load(path: string, source: UnihashSource): UnihashCache {
    const tasks = new Map<string, readonly [TaskHash, UniHash]>();
    let text: string | null = null;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      // First build of the directory.
    }
    if (text !== null) {
      try {
        const file = JSON.parse(text) as Partial<CacheFile>;
        if (file.version === 1 && sameSource(source, file.source) && typeof file.tasks === "object" && file.tasks !== null) {
          for (const [key, pair] of Object.entries(file.tasks)) {
            // Both checked as unihashes are: the values end up in file names.
            if (Array.isArray(pair) && isUniHash(pair[0]) && isUniHash(pair[1])) tasks.set(key, [asTaskHash(pair[0]), pair[1]]);
          }
        }
      } catch {
        // Cut short or not ours: ask the server again.
      }
    }
    return new UnihashCache(path, source, tasks);
  }

  /** The recorded unihash of task `key`, if it was recorded for this very taskhash. */
  get(key: string, taskhash: TaskHash): UniHash | null {
    const entry = this.tasks.get(key);
    return entry !== undefined && entry[0] === taskhash ? entry[1] : null;
  }

  /** Records the server's answer; one entry per task, so the file stays the size of the build. */
  set(key: string, taskhash: TaskHash, unihash: UniHash): void {
    const entry = this.tasks.get(key);
    if (entry !== undefined && entry[0] === taskhash && entry[1] === unihash) return;
    this.tasks.set(key, [taskhash, unihash]);
    this.dirty = true;
  }

  /** Writes what changed since the last save, under a temporary name then renamed (never half a file). */
  save(): void {
    if (!this.dirty) return;
    const file: CacheFile = { version: 1, source: this.source, tasks: Object.fromEntries([...this.tasks].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
    mkdirSync(dirname(this.path), { recursive: true });
    const temp = join(dirname(this.path), `.${basename(this.path)}.${process.pid}.${randomUUID()}.tmp`);
    writeFileSync(temp, JSON.stringify(file));
    renameSync(temp, this.path);
    this.dirty = false;
  }
}
