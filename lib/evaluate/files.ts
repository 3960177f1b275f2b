import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { parseFile, type ParsedFile } from "../parse/index.js";

/**
 * Reads metadata files through a cache: classes and includes are read by many recipes, and
 * BitBake likewise parses each of them once per process.
 */
export class MetadataFiles {
  private readonly parsed = new Map<string, ParsedFile>();

  parse(path: string): ParsedFile {
    let file = this.parsed.get(path);
    if (!file) {
      file = parseFile(path);
      this.parsed.set(path, file);
    }
    return file;
  }
}

export interface Lookup {
  readonly found: string | null;
  /** Paths tried before the one found: a file created there later changes the result. */
  readonly attempts: readonly string[];
}

/** BitBake's `bb.utils.which`: the first `dir/name` that exists along a colon-separated path. */
export function which(searchPath: string, name: string): Lookup {
  if (isAbsolute(name)) return { found: existsSync(name) ? name : null, attempts: [] };
  const attempts: string[] = [];
  for (const dir of searchPath.split(":")) {
    if (dir === "") continue;
    const candidate = resolve(join(dir, name));
    if (existsSync(candidate)) return { found: candidate, attempts };
    attempts.push(candidate);
  }
  return { found: null, attempts };
}
