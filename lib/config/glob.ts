// BBFILES patterns expanded as BitBake expands them: Python's glob.glob, one path component at a
// time (`*`, `?` and `[…]` of fnmatch within a component; `**` is `*`; a name starting with "." is
// matched only by a pattern starting with "."; no braces). Only files are returned (a directory
// matching a recipe pattern is not a recipe). Each directory is read once per Globber.
import { readdirSync, statSync, type Dirent } from "node:fs";
import { isAbsolute, join, normalize, sep } from "node:path";
import { FileHashes } from "./parse-cache.js";

const MAGIC = /[*?[]/;

/** Absolute paths of the files matching `pattern` (absolute, or relative to `cwd`), in no particular order. */
export function globFiles(pattern: string, cwd: string): string[] {
  return new Globber(cwd).files(pattern);
}

/**
 * Expands several patterns over one reading of the file system: BBFILES lists each layer's
 * directories twice or more (`*.bb`, `*.bbappend`), and each directory is listed once for all.
 * Nothing is kept beyond the Globber, so every run sees the directories as they are now.
 */
export class Globber {
  private readonly reader: DirectoryReader;
  /** `observe`: keep what the file system answered, for observed() (see collection.ts). */
  constructor(
    private readonly cwd: string,
    observe = false,
  ) {
    this.reader = new DirectoryReader(observe);
  }

  /**
   * What the expansions so far depended on: each directory listed with its stamp taken before it
   * was listed (null when it did not exist), and each path whose kind was asked of the file system.
   * While each directory has that stamp and each path that kind, the same patterns give the same files.
   */
  observed(): { dirs: [string, string | null][]; kinds: [string, Kind][] } {
    return { dirs: [...this.reader.stamps], kinds: [...this.reader.kinds] };
  }

  /** Absolute paths of the files matching `pattern`, in no particular order. */
  files(pattern: string): string[] {
    const reader = this.reader;
    const parts = pattern.split(sep).filter(Boolean);
    // Normalised as join would normalise it: every path built below is then normalised too.
    let found = [isAbsolute(pattern) ? sep : normalize(this.cwd)];
    parts.forEach((part, i) => {
      const want: Kind = i === parts.length - 1 ? "file" : "directory";
      const next: string[] = [];
      if (!MAGIC.test(part)) {
        for (const dir of found) {
          const path = join(dir, part);
          if (reader.kind(path) === want) next.push(path);
        }
      } else {
        const re = fnmatch(part);
        const hidden = part.startsWith(".");
        for (const dir of found) {
          // Listed names have no separator and are never "." or "..": joining needs no normalising.
          const prefix = dir.endsWith(sep) ? dir : dir + sep;
          for (const entry of reader.list(dir)) {
            const name = entry.name;
            if ((!hidden && name.startsWith(".")) || !re.test(name)) continue;
            const path = prefix + name;
            if (reader.entryKind(path, entry) === want) next.push(path);
          }
        }
      }
      found = next;
    });
    return found;
  }
}

/** fnmatch.translate for one path component: `*`, `?`, `[seq]`, `[!seq]`; everything else literal. */
function fnmatch(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") {
      re += "[^]*";
    } else if (c === "?") {
      re += "[^]";
    } else if (c === "[") {
      let j = i + 1;
      if (pattern[j] === "!") j++;
      if (pattern[j] === "]") j++;
      while (j < pattern.length && pattern[j] !== "]") j++;
      if (j >= pattern.length) {
        re += "\\[";
        continue;
      }
      let set = pattern.slice(i + 1, j).replaceAll("\\", "\\\\");
      i = j;
      if (set.startsWith("!")) set = "^" + set.slice(1);
      else if (set.startsWith("^")) set = "\\" + set;
      re += `[${set}]`;
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^(?:${re})$`);
}

export type Kind = "file" | "directory" | "other" | null;

/** What a path is, symbolic links followed; null when nothing is there. */
export function pathKind(path: string): Kind {
  const st = statSync(path, { throwIfNoEntry: false });
  return st === undefined ? null : st.isFile() ? "file" : st.isDirectory() ? "directory" : "other";
}

/** Directory listings and path kinds (symbolic links followed), each asked of the file system once. */
class DirectoryReader {
  private readonly listings = new Map<string, Dirent[]>();
  readonly kinds = new Map<string, Kind>();
  /** Each directory listed, with its stamp before the listing (when observing). */
  readonly stamps = new Map<string, string | null>();

  constructor(private readonly observe: boolean) {}

  list(dir: string): Dirent[] {
    let entries = this.listings.get(dir);
    if (entries === undefined) {
      // Before the listing: a directory changed after it has another stamp when next looked at.
      if (this.observe) this.stamps.set(dir, new FileHashes().stamp(dir));
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        entries = [];
      }
      this.listings.set(dir, entries);
    }
    return entries;
  }

  kind(path: string): Kind {
    let k = this.kinds.get(path);
    if (k === undefined) {
      k = pathKind(path);
      this.kinds.set(path, k);
    }
    return k;
  }

  /** The kind of a listed entry: from the listing itself unless it is a symbolic link. */
  entryKind(path: string, entry: Dirent): Kind {
    if (entry.isSymbolicLink()) return this.kind(path);
    return entry.isFile() ? "file" : entry.isDirectory() ? "directory" : "other";
  }
}
