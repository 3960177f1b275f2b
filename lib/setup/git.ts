// The git CLI, run with an argument vector (never a shell) in one layer's checkout.
import { execFile } from "node:child_process";
import type { CommitId } from "./schema.js";

export interface GitResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Git {
  /** Runs git; a non-zero exit is returned, not thrown. */
  run(args: readonly string[], cwd: string): Promise<GitResult>;
}

export function gitCli(env: NodeJS.ProcessEnv = process.env): Git {
  // No terminal prompt: a missing credential must fail the fetch, not hang `bake layers fetch`.
  const gitEnv = { ...env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C", LANG: "C" };
  return {
    run: (args, cwd) =>
      new Promise((resolve, reject) => {
        execFile("git", args, { cwd, env: gitEnv, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
          if (err && typeof err.code !== "number") {
            reject(err);
            return;
          }
          resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
        });
      }),
  };
}

/** A commit id for `rev` if the repository has that commit, else null. */
export async function resolveCommit(git: Git, cwd: string, rev: string): Promise<CommitId | null> {
  const r = await git.run(["rev-parse", "--verify", "--quiet", `${rev}^{commit}`], cwd);
  return r.code === 0 ? (r.stdout.trim() as CommitId) : null;
}

/** Paths with changes not committed (untracked files included), as `git status --porcelain` lists them. */
export async function localChanges(git: Git, cwd: string): Promise<string[]> {
  const r = await git.run(["status", "--porcelain", "--untracked-files=normal"], cwd);
  if (r.code !== 0) throw new Error(`git status failed in ${cwd}: ${r.stderr.trim()}`);
  return r.stdout.split("\n").filter(Boolean);
}

/** Whether some branch, remote-tracking branch or tag holds `rev`: if none does, moving HEAD away orphans it. */
export async function isOnARef(git: Git, cwd: string, rev: string): Promise<boolean> {
  const r = await git.run(["for-each-ref", "--count=1", "--contains", rev, "refs/heads", "refs/remotes", "refs/tags"], cwd);
  return r.code === 0 && r.stdout.trim() !== "";
}

export async function isOnRemoteBranch(git: Git, cwd: string, rev: string): Promise<boolean> {
  const r = await git.run(["for-each-ref", "--count=1", "--contains", rev, "refs/remotes"], cwd);
  return r.code === 0 && r.stdout.trim() !== "";
}

/** git puts the reason last (`fatal: …`). */
export function lastLine(text: string): string {
  return text.trim().split("\n").filter(Boolean).pop() ?? "";
}
