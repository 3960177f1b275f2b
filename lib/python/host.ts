// What metadata Python asks of the build host directly (bake_host.py), rather than through the
// emscripten file system Pyodide mounts host directories with: one Node call per question instead
// of a walk over every path component in WebAssembly. Results cross as text (one string crosses
// faster than an array); an error crosses as Node's (negative) errno.
import { accessSync, lstatSync, readdirSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { recordHost, recordOutsideWorld, type HostAnswer } from "./inline-memo.js";

function errno(err: unknown): number {
  const n = (err as NodeJS.ErrnoException).errno;
  return typeof n === "number" ? n : -5;
}

/**
 * Python's os.path.realpath(path, strict=False) for an absolute path: symbolic links resolved
 * component by component, and a component that cannot be looked at taken as it is written (so
 * that paths into build directories that do not exist yet still come out canonical, as
 * oe.path.canonicalize expects). An existing path is the kernel's realpath.
 */
function looseRealpath(filename: string): string {
  // Most paths metadata canonicalises (PSEUDO_INCLUDE_PATHS: ${S}, ${B}, ${WORKDIR}…) do not exist
  // at parse time. A failing realpath costs an exception (a stack captured through WebAssembly
  // frames, ~0.3 ms); a failing lstat with throwIfNoEntry false costs nothing.
  let exists = false;
  try {
    exists = lstatSync(filename, { throwIfNoEntry: false }) !== undefined;
  } catch {
    exists = false;
  }
  if (exists) {
    try {
      return realpathSync.native(filename);
    } catch {
      // A dangling link or an unreadable component: Python's walk defines the answer.
    }
  }
  const beyond = exists ? null : missingTail(filename);
  if (beyond !== null) return beyond;
  // The parts still to resolve, last first; null marks the end of a link's target, after which the
  // link's own path is on the stack, to record what it resolved to.
  const rest: (string | null)[] = filename.split("/").reverse();
  let count = rest.length;
  let path = "/";
  const seen = new Map<string, string | null>();
  while (count > 0) {
    const name = rest.pop()!;
    if (name === null) {
      seen.set(rest.pop() as string, path);
      continue;
    }
    count--;
    if (name === "" || name === ".") continue;
    if (name === "..") {
      path = path.slice(0, path.lastIndexOf("/")) || "/";
      continue;
    }
    const next = path === "/" ? `/${name}` : `${path}/${name}`;
    let link = false;
    try {
      link = lstatSync(next, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
    } catch {
      link = false;
    }
    if (!link) {
      path = next;
      continue;
    }
    if (seen.has(next)) {
      // Resolved before, or a loop (unresolved), which non-strict realpath leaves as written.
      path = seen.get(next) ?? next;
      continue;
    }
    let target: string;
    try {
      target = readlinkSync(next);
    } catch {
      path = next;
      continue;
    }
    if (target.startsWith("/")) path = "/";
    seen.set(next, null);
    rest.push(next, null);
    const parts = target.split("/").reverse();
    rest.push(...parts);
    count += parts.length;
  }
  return path;
}

/**
 * realpath of a missing absolute path without `.` or `..` components, as the walk below finds it
 * with one lstat per component: the deepest ancestor that exists, resolved by the kernel, and the
 * rest as written (nothing below a missing component exists, so the walk takes each as written).
 * The ancestor is found by bisection: that a path exists implies its ancestors do. Null where the
 * walk must decide (a `..` could climb back into existing directories; a dangling link).
 */
function missingTail(filename: string): string | null {
  if (!filename.startsWith("/")) return null;
  const parts = filename.split("/").filter((p) => p !== "");
  if (parts.some((p) => p === "." || p === "..")) return null;
  const exists = (k: number): boolean => {
    if (k === 0) return true;
    try {
      return lstatSync("/" + parts.slice(0, k).join("/"), { throwIfNoEntry: false }) !== undefined;
    } catch {
      // ENOTDIR, EACCES: a component that cannot be looked at, which the walk takes as written.
      return false;
    }
  };
  // The whole path is known to be missing: the deepest existing prefix has lo components.
  let lo = 0;
  let hi = parts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (exists(mid)) lo = mid;
    else hi = mid - 1;
  }
  let real: string;
  try {
    real = lo === 0 ? "/" : realpathSync.native("/" + parts.slice(0, lo).join("/"));
  } catch {
    return null;
  }
  const rest = parts.slice(lo).join("/");
  return real === "/" ? "/" + rest : `${real}/${rest}`;
}

/** The questions, unrecorded: each answer depends only on the path, the second argument and the host. */
const questions = {
  stat(path: string, follow: boolean): string | number {
    try {
      // A missing path is the common answer (file-checksums, FILESPATH searches): no exception for it.
      const s = (follow ? statSync : lstatSync)(path, { bigint: true, throwIfNoEntry: false });
      if (s === undefined) return -2;
      return `${s.mode} ${s.ino} ${s.dev} ${s.nlink} ${s.uid} ${s.gid} ${s.size} ${s.atimeNs} ${s.mtimeNs} ${s.ctimeNs}`;
    } catch (err) {
      return errno(err);
    }
  },
  /** The mode of `path` (of the link itself unless `follow`), or Node's negative errno. */
  mode(path: string, follow: boolean): number {
    try {
      const s = (follow ? statSync : lstatSync)(path, { throwIfNoEntry: false });
      return s === undefined ? -2 : s.mode;
    } catch (err) {
      return errno(err);
    }
  },
  listdir(path: string): string | number {
    try {
      return readdirSync(path).join("\0");
    } catch (err) {
      return errno(err);
    }
  },
  access(path: string, mode: number): boolean {
    try {
      accessSync(path, mode);
      return true;
    } catch {
      return false;
    }
  },
  realpath: (path: string): string => looseRealpath(path),
  readlink(path: string): string | number {
    try {
      return readlinkSync(path);
    } catch (err) {
      return errno(err);
    }
  },
};

type Question = (path: string, arg: never) => HostAnswer;

function recorded<Q extends Question>(question: Q): Q {
  return ((path: string, arg: never) => {
    const answer = question(path, arg);
    recordHost(question, path, arg ?? null, answer);
    return answer;
  }) as Q;
}

/**
 * What bake_host.py asks. Each answer is recorded for the `${@...}` under way (inline-memo.ts),
 * which asks the same question again before reusing its result.
 */
export const hostFileSystem = {
  stat: recorded(questions.stat),
  mode: recorded(questions.mode),
  listdir: recorded(questions.listdir),
  access: recorded(questions.access),
  realpath: recorded(questions.realpath),
  readlink: recorded(questions.readlink),
  /** The `${@...}` under way read something besides the datastore and the files above: its result is not reused. */
  impure(): void {
    recordOutsideWorld();
  },
};
