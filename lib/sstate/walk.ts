// The one deterministic traversal of a task output directory, shared by the archive writer and
// the outhash so that both see the same entries in the same order.
import { lstatSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";

interface Common {
  /** Path relative to the output root, "/"-separated; "" is the root itself. */
  readonly rel: string;
  readonly abs: string;
  /** Permission bits including setuid/setgid/sticky (07777). */
  readonly mode: number;
  /** Whole seconds since the epoch. */
  readonly mtime: number;
}

export type WalkEntry =
  | (Common & { readonly kind: "dir" })
  | (Common & {
      readonly kind: "file";
      readonly size: number;
      readonly dev: number;
      readonly ino: number;
      readonly nlink: number;
    })
  | (Common & { readonly kind: "symlink"; readonly target: string })
  | (Common & { readonly kind: "special"; readonly what: "fifo" | "socket" | "char-device" | "block-device" });

const ASCII = /^[\x00-\x7f]*$/;

/**
 * Byte order of the UTF-8 names, which is what GNU tar --sort=name and Python's sorted() on
 * POSIX give; JavaScript's default sort compares UTF-16 units and differs above U+FFFF.
 */
export function compareNames(a: string, b: string): number {
  if (ASCII.test(a) && ASCII.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function entryFor(abs: string, rel: string): WalkEntry {
  const st = lstatSync(abs);
  const common = { rel, abs, mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000) };
  if (st.isDirectory()) return { ...common, kind: "dir" };
  if (st.isFile()) return { ...common, kind: "file", size: st.size, dev: st.dev, ino: st.ino, nlink: st.nlink };
  if (st.isSymbolicLink()) return { ...common, kind: "symlink", target: readlinkSync(abs) };
  const what = st.isFIFO() ? "fifo" : st.isSocket() ? "socket" : st.isCharacterDevice() ? "char-device" : "block-device";
  return { ...common, kind: "special", what };
}

/**
 * Depth-first pre-order walk with each directory's entries sorted by name (GNU tar
 * --sort=name order): a directory always comes before its contents. Symlinks are never followed.
 */
export function* walkOutput(root: string): Generator<WalkEntry> {
  const top = entryFor(root, "");
  if (top.kind !== "dir") throw Object.assign(new Error(`output directory is not a directory: ${root}`), { code: "ENOTDIR" });
  yield top;
  yield* walkChildren(root, "");
}

function* walkChildren(abs: string, rel: string): Generator<WalkEntry> {
  const names = readdirSync(abs).sort(compareNames);
  for (const name of names) {
    const childAbs = join(abs, name);
    const e = entryFor(childAbs, rel === "" ? name : `${rel}/${name}`);
    yield e;
    if (e.kind === "dir") yield* walkChildren(childAbs, e.rel);
  }
}
