// The unihashes the hash-equivalence server gave this build directory, one per task (BitBake's
// bb_unihashes.dat in PERSISTENT_DIR): a task whose taskhash is the one recorded takes the recorded
// unihash without asking, so a build where nothing changed starts no server, opens no database and
// looks up no equivalence record. A server answers a taskhash it knows the same way for good (the
// first report wins); what it learns later arrives through this build's own reports, which are
// recorded as they come, so a killed build leaves no answer behind that the server has since
// changed. Anything wrong with the file (absent, cut short, another server's) is an empty cache:
// the server is asked, as before the cache existed.
//
// A taskhash the server did not know is kept too (the task's own taskhash stands as its unihash,
// so a no-op build still asks nothing), but marked unconfirmed: BitBake keeps it as an answer for
// good, so a build directory that stopped before running such a task goes on with its own hash
// even after another build taught the server an equivalent output, and rebuilds what it could
// restore. The session asks again for an unconfirmed task before running it.
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { asTaskHash, isUniHash, ownUnihash, type TaskHash, type UniHash } from "../common/hashes.js";

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
  readonly version: 2;
  readonly source: UnihashSource;
  /** Task key → [taskhash, unihash], or [taskhash] alone when the server did not know it. */
  readonly tasks: Record<string, readonly [string, string] | readonly [string]>;
}

/** A kept unihash, and whether the server gave it (false: the task's own taskhash, unknown to it). */
export interface KeptUnihash {
  readonly unihash: UniHash;
  readonly confirmed: boolean;
}

type Entry = readonly [TaskHash, UniHash | null];

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
    private readonly tasks: Map<string, Entry>,
  ) {}

  static load(path: string, source: UnihashSource): UnihashCache {
    const tasks = new Map<string, Entry>();
    let text: string | null = null;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      // First build of the directory.
    }
    if (text !== null) {
      try {
        const file = JSON.parse(text) as Partial<CacheFile>;
        // Version 1 did not tell an answer from an unknown taskhash: asked again once.
        if (file.version === 2 && sameSource(source, file.source) && typeof file.tasks === "object" && file.tasks !== null) {
          for (const [key, entry] of Object.entries(file.tasks)) {
            // Checked as unihashes are: the values end up in file names.
            if (!Array.isArray(entry) || !isUniHash(entry[0])) continue;
            if (entry.length === 1) tasks.set(key, [asTaskHash(entry[0]), null]);
            else if (entry.length === 2 && isUniHash(entry[1])) tasks.set(key, [asTaskHash(entry[0]), entry[1]]);
          }
        }
      } catch {
        // Cut short or not ours: ask the server again.
      }
    }
    return new UnihashCache(path, source, tasks);
  }

  /** The recorded unihash of task `key`, if it was recorded for this very taskhash. */
  get(key: string, taskhash: TaskHash): KeptUnihash | null {
    const entry = this.tasks.get(key);
    if (entry === undefined || entry[0] !== taskhash) return null;
    return entry[1] === null ? { unihash: ownUnihash(taskhash), confirmed: false } : { unihash: entry[1], confirmed: true };
  }

  /**
   * Records the server's answer (null: it did not know the taskhash); one entry per task, so the
   * file stays the size of the build.
   */
  set(key: string, taskhash: TaskHash, unihash: UniHash | null): void {
    const entry = this.tasks.get(key);
    if (entry !== undefined && entry[0] === taskhash && entry[1] === unihash) return;
    this.tasks.set(key, [taskhash, unihash]);
    this.dirty = true;
  }

  /** Writes what changed since the last save, under a temporary name then renamed (never half a file). */
  save(): void {
    if (!this.dirty) return;
    const tasks = [...this.tasks].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, [taskhash, unihash]]): [string, readonly [string] | readonly [string, string]] => [key, unihash === null ? [taskhash] : [taskhash, unihash]]);
    const file: CacheFile = { version: 2, source: this.source, tasks: Object.fromEntries(tasks) };
    mkdirSync(dirname(this.path), { recursive: true });
    const temp = join(dirname(this.path), `.${basename(this.path)}.${process.pid}.${randomUUID()}.tmp`);
    writeFileSync(temp, JSON.stringify(file));
    renameSync(temp, this.path);
    this.dirty = false;
  }
}
