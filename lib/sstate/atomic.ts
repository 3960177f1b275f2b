// Crash-safe file replacement: write a temporary name in the same directory, fsync, rename,
// fsync the directory. A reader sees the old file or the whole new one, never a prefix.
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** A temporary name beside `path`, recognisable (".tmp-" prefix) so prune can sweep leftovers. */
export function tempNameFor(path: string): string {
  return join(dirname(path), `.tmp-${randomBytes(6).toString("hex")}-${basename(path)}`);
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644): void {
  const tmp = tempNameFor(path);
  const fd = openSync(tmp, "wx", mode);
  try {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  commitRename(tmp, path);
}

/** rename(2) then fsync of the directory, so the new name survives a crash. */
export function commitRename(tmp: string, path: string): void {
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(dirname(path));
}
