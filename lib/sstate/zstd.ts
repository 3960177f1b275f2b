// The host zstd, driven as a child process (Node 20's zlib has no zstd).
//
// Determinism: zstd's multi-threaded mode (-T<n>, any n >= 1) gives the same bytes whatever the
// worker count (checked with zstd 1.5.4: -T1, -T2 and -T0 agree; --single-thread does not), so
// the thread count is a speed knob only. The bytes do depend on the zstd version and level,
// which is why the object metadata records the archive's sha256 rather than expecting two hosts
// with different zstd builds to agree on it.
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { BakeError } from "../common/errors.js";

/**
 * Level 8 (OE's SSTATE_ZSTD_CLEVEL default as well). Measured on 50 MB of small files: level 3
 * gives 10.6 MB, 8 gives 10.5 MB, 19 gives 10.4 MB but takes ~17x longer (10 s against 0.6 s).
 * Creation sits on the critical path of every sstate task while restore speed barely depends on
 * the level, so the slow levels buy nothing; 8 rather than 3 because objects are also uploaded
 * and stored for a long time.
 */
export const DEFAULT_ZSTD_LEVEL = 8;

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    zstd: ZstdError;
  }
}

export class ZstdError extends BakeError {
  readonly kind = "zstd" as const;
  constructor(message: string, readonly stderr: string) {
    super(message);
    this.name = "ZstdError";
  }
}

function collectStderr(child: { stderr: Readable | null }): () => string {
  let err = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (s: string) => {
    if (err.length < 4096) err += s;
  });
  return () => err.trim();
}

function exited(child: ChildProcessByStdio<Writable | null, Readable, Readable>, what: string, stderr: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once("error", (e: NodeJS.ErrnoException) =>
      reject(new ZstdError(e.code === "ENOENT" ? "zstd not found on PATH (install the zstd package)" : `${what}: ${e.message}`, "")),
    );
    child.once("close", (code, signal) => {
      if (code === 0) resolve();
      else reject(new ZstdError(`${what} failed (${signal ?? `exit ${code}`}): ${stderr()}`, stderr()));
    });
  });
}

export interface Compressor {
  readonly input: Writable;
  readonly output: Readable;
  /** Resolves when zstd exited successfully. */
  readonly done: Promise<void>;
}

export function startCompressor(level: number, threads: number): Compressor {
  if (!Number.isInteger(level) || level < 1 || level > 19) throw new RangeError(`zstd level must be 1..19, got ${level}`);
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`zstd threads must be >= 1, got ${threads}`);
  const child = spawn("zstd", ["-q", `-${level}`, `-T${threads}`, "-c"], { stdio: ["pipe", "pipe", "pipe"] });
  const stderr = collectStderr(child);
  const done = exited(child, "zstd compression", stderr);
  // An EPIPE on stdin is reported through `done` (zstd's exit status); do not crash on it.
  child.stdin.on("error", () => {});
  return { input: child.stdin, output: child.stdout, done };
}

export interface Decompressor {
  readonly output: Readable;
  readonly done: Promise<void>;
  kill(): void;
}

export function startDecompressor(file: string): Decompressor {
  const child = spawn("zstd", ["-d", "-q", "-c", "--", file], { stdio: ["ignore", "pipe", "pipe"] });
  const stderr = collectStderr(child);
  const done = exited(child, `zstd decompression of ${file}`, stderr);
  return { output: child.stdout, done, kill: () => void child.kill() };
}
