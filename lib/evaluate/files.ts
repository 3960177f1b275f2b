import { existsSync } from "node:fs";
import { extname, isAbsolute, join, resolve } from "node:path";
import type { ParsedFile } from "../parse/index.js";
// The parser alone, not parse/index.js: a kept configuration has a MetadataFiles and parses nothing.
import { parseFile } from "../parse/parser.js";
import type { SyntaxTreeStore } from "../parse/syntax-store.js";

/** Files read by one recipe only: their syntax trees are not kept (a worker parses a thousand of them). */
const READ_ONCE: ReadonlySet<string> = new Set([".bb", ".bbappend"]);

/**
 * Reads metadata files through a cache: classes and includes are read by many recipes, and
 * BitBake likewise parses each of them once per process. Whether a path exists is also asked
 * once per process (BitBake's parser caches file stamps the same way): every recipe looks for
 * its classes and includes along the same BBPATH.
 */
export class MetadataFiles {
  private readonly parsed = new Map<string, ParsedFile>();
  private readonly existing = new Map<string, boolean>();
  /**
   * `which` answers by search path and name: every recipe looks for its includes and classes along
   * the same few paths (resolving each candidate path again cost a recipe about 0.1 ms). They
   * follow from `existing`, so they hold until a path said to be missing turns out to exist.
   */
  private readonly found = new Map<string, Map<string, Lookup>>();
  private trees: SyntaxTreeStore | null = null;
  private treesOfRecipes = false;

  /**
   * From now on, files are parsed through `store`: trees kept by an earlier run are read, not
   * parsed. With `recipes` false, recipe files and bbappends are not (a parse of every recipe
   * writing 2,000 trees costs it a fifth more processor time; classes and includes are few).
   */
  keepTreesIn(store: SyntaxTreeStore, recipes: boolean): void {
    this.trees = store;
    this.treesOfRecipes = recipes;
  }

  parse(path: string): ParsedFile {
    let file = this.parsed.get(path);
    if (!file) {
      const once = READ_ONCE.has(extname(path));
      file = this.trees && (this.treesOfRecipes || !once) ? this.trees.parse(path) : parseFile(path);
      if (!once) this.parsed.set(path, file);
      // Read, so it existed: what `exists` answers for it from now on, as for a path looked up.
      if (this.existing.get(path) === false) this.found.clear();
      this.existing.set(path, true);
    }
    return file;
  }

  exists(path: string): boolean {
    let found = this.existing.get(path);
    if (found === undefined) {
      found = existsSync(path);
      this.existing.set(path, found);
    }
    return found;
  }

  /** `which` with this cache's view of which paths exist. */
  which(searchPath: string, name: string): Lookup {
    // By search path, then name: a search path read from the datastore is the same string each
    // time, whose hash V8 keeps (a key joined from both would be a new string to hash every call).
    let byName = this.found.get(searchPath);
    if (byName === undefined) {
      byName = new Map();
      this.found.set(searchPath, byName);
    }
    let lookup = byName.get(name);
    if (lookup === undefined) {
      lookup = which(searchPath, name, (p) => this.exists(p));
      byName.set(name, lookup);
    }
    return lookup;
  }
}

export interface Lookup {
  readonly found: string | null;
  /** Paths tried before the one found: a file created there later changes the result. */
  readonly attempts: readonly string[];
}

/** BitBake's `bb.utils.which`: the first `dir/name` that exists along a colon-separated path. */
export function which(searchPath: string, name: string, exists: (path: string) => boolean = existsSync): Lookup {
  if (isAbsolute(name)) return { found: exists(name) ? name : null, attempts: [] };
  const attempts: string[] = [];
  for (const dir of searchPath.split(":")) {
    if (dir === "") continue;
    const candidate = resolve(join(dir, name));
    if (exists(candidate)) return { found: candidate, attempts };
    attempts.push(candidate);
  }
  return { found: null, attempts };
}
