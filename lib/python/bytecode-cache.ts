// The Python bytecode kept in the user's cache (CPython's sys.pycache_prefix): CPython writes
// `<prefix><source directory>/<name>.<cache tag>.pyc` for each source it imports, rewrites it in
// place when the source changes, and never removes one. What is left behind is bytecode of sources
// that are gone (a removed checkout or worktree, a test's temporary layer) and of another Python
// (an older Pyodide): a sweep, at most once a day, removes both, so the cache holds at most one
// file per Python source that still exists. Beside them, `bake-metadata/` holds compiled metadata
// functions by digest of their text (bake_bridge.py): every edit of a function adds one, so it is
// cut to a byte limit, least recently used first (a hit moves the file's mtime).
import { readdirSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { trimToSize } from "../common/cache-trim.js";

/** The compiled metadata functions' directory, and how many bytes of them are kept (about 4.5 KB a function). */
const METADATA_CODE = "bake-metadata";
export const METADATA_CODE_LIMIT = 64 * 1024 * 1024;

/** When the last sweep ran, by its mtime. */
const MARKER = ".swept";
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Sweeps `prefix` unless it was swept less than a day before `now`. `tag` is the running Python's
 * `sys.implementation.cache_tag` (`cpython-312`). Returns whether it swept.
 */
export function sweepBytecode(prefix: string, tag: string, now = Date.now(), metadataLimit = METADATA_CODE_LIMIT): boolean {
  const marker = join(prefix, MARKER);
  const last = statSync(marker, { throwIfNoEntry: false });
  if (last !== undefined && now - last.mtimeMs < DAY_MS) return false;
  try {
    writeFileSync(marker, "");
  } catch {
    return false; // No cache yet, or not ours to write.
  }
  sweepDirectory(prefix, "", tag);
  trimToSize(join(prefix, METADATA_CODE), metadataLimit);
  return true;
}

/** Sweeps `prefix + source` (the mirror of host directory `source`); removes it when left empty. */
function sweepDirectory(prefix: string, source: string, tag: string): void {
  const dir = prefix + source;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  let left = entries.length;
  for (const e of entries) {
    if (source === "" && e.name === METADATA_CODE) continue;
    if (e.isDirectory()) {
      sweepDirectory(prefix, `${source}/${e.name}`, tag);
      if (statSync(join(dir, e.name), { throwIfNoEntry: false }) === undefined) left--;
      continue;
    }
    const m = /^(.+)\.([^.]+)\.pyc$/.exec(e.name);
    if (m === null) continue;
    if (m[2] === tag && sourceExists(`${source}/${m[1]}.py`)) continue;
    rmSync(join(dir, e.name), { force: true });
    left--;
  }
  if (left === 0 && source !== "") {
    try {
      rmdirSync(dir);
    } catch {
      // Written to meanwhile by another process: kept.
    }
  }
}

function sourceExists(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false; // ENOTDIR: a directory of it is a file now.
  }
}
