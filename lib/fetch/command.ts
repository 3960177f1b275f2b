// Running host tools (git, tar, patch, apt-get…) with argument vectors, never through a shell
// of the metadata's: each in a process group of its own that dies with bake (supervise.ts).

import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { CommandFailed } from "./errors.js";
import { supervised, SUPERVISED_STDIN } from "./supervise.js";

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Send stdout to this file instead of capturing it. */
  readonly stdoutFile?: string;
  readonly signal?: AbortSignal;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Runs a command; a non-zero exit is returned, not thrown. */
export function runCommand(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const command = supervised(argv[0]!, argv.slice(1));
    const child = spawn(command.file, command.args, {
      cwd: opts.cwd,
      env: { ...process.env, LC_ALL: "C", LANG: "C", ...opts.env } as NodeJS.ProcessEnv,
      stdio: [SUPERVISED_STDIN, "pipe", "pipe"],
      detached: true,
    });
    // The whole group: `tar -xz` has a gzip under it.
    const abort = () => {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        // Gone already.
      }
    };
    if (opts.signal?.aborted) child.once("spawn", abort);
    else opts.signal?.addEventListener("abort", abort, { once: true });
    child.once("exit", () => opts.signal?.removeEventListener("abort", abort));
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let fileDone: Promise<void> = Promise.resolve();
    if (opts.stdoutFile) {
      const file = createWriteStream(opts.stdoutFile);
      child.stdout.pipe(file);
      fileDone = new Promise((res, rej) => {
        file.on("finish", () => res());
        file.on("error", rej);
      });
    } else {
      child.stdout.on("data", (b: Buffer) => out.push(b));
    }
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => {
      fileDone.then(
        () =>
          resolve({
            stdout: Buffer.concat(out).toString("utf8"),
            stderr: Buffer.concat(err).toString("utf8"),
            exitCode: code ?? -1,
          }),
        reject,
      );
    });
  });
}

/** Runs a command and throws CommandFailed (naming `url`) if it exits non-zero. */
export async function runChecked(url: string, argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const result = await runCommand(argv, opts);
  if (result.exitCode !== 0) {
    throw new CommandFailed(url, argv, result.exitCode, `${result.stdout}\n${result.stderr}`);
  }
  return result;
}
