// BBFILES patterns expanded as BitBake expands them: Python's glob.glob, one path component at a
// time (`*`, `?` and `[…]` of fnmatch within a component; `**` is `*`; a name starting with "." is
// matched only by a pattern starting with "."; no braces). Only files are returned (a directory
// matching a recipe pattern is not a recipe). Each directory is read once per call.
import { readdirSync, statSync, type Dirent } from "node:fs";
import { isAbsolute, join, sep } from "node:path";

const MAGIC = /[*?[]/;

/** Absolute paths of the files matching `pattern` (absolute, or relative to `cwd`), in no particular order. */
export function globFiles(pattern: string, cwd: string): string[] {
  const start = isAbsolute(pattern) ? sep : cwd;
  const parts = pattern.split(sep).filter(Boolean);
  const reader = new DirectoryReader();
  let found = [start];
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    const next: string[] = [];
    for (const dir of found) {
      if (!MAGIC.test(part)) {
        const path = join(dir, part);
        if (last ? reader.kind(path) === "file" : reader.kind(path) === "directory") next.push(path);
        continue;
      }
      const re = fnmatch(part);
      const hidden = part.startsWith(".");
      for (const entry of reader.list(dir)) {
        if ((!hidden && entry.name.startsWith(".")) || !re.test(entry.name)) continue;
        const path = join(dir, entry.name);
        if (reader.entryKind(path, entry) === (last ? "file" : "directory")) next.push(path);
      }
    }
    found = next;
  });
  return found;
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

type Kind = "file" | "directory" | "other" | null;

/** Directory listings and path kinds (symbolic links followed), each asked of the file system once. */
class DirectoryReader {
  private readonly listings = new Map<string, Dirent[]>();
  private readonly kinds = new Map<string, Kind>();

  list(dir: string): Dirent[] {
    let entries = this.listings.get(dir);
    if (entries === undefined) {
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
      const st = statSync(path, { throwIfNoEntry: false });
      k = st === undefined ? null : st.isFile() ? "file" : st.isDirectory() ? "directory" : "other";
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
