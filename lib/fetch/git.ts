// `git://` through the git CLI. The download is a bare mirror clone in
// ${DL_DIR}/git2/<host.path> (updated by fetch), optionally packed as
// ${DL_DIR}/git2_<host.path>.tar.gz for mirrors; unpacking clones it --shared and checks out
// SRCREV. SRCREV must be a full commit hash: a tag or branch name moves, so the build would not
// be reproducible. AUTOREV is accepted with a warning and resolved with ls-remote.

import { createWriteStream, promises as fs } from "node:fs";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { createGzip } from "node:zlib";
import { pipeline } from "node:stream/promises";
import type { FetchContext } from "./context.js";
import { toBoolean } from "./context.js";
import { runChecked, runCommand } from "./command.js";
import { CommandFailed, InvalidRevision, MalformedUrl } from "./errors.js";
import type { SourceUri } from "./uri.js";

export interface GitSource {
  readonly uri: SourceUri;
  readonly protocol: string;
  /** What git itself is given: a path for protocol=file, else protocol://[user@]host/path. */
  readonly repoUrl: string;
  readonly clonedir: string;
  /** Basename of the mirror tarball, `git2_<host.path>.tar.gz`. */
  readonly mirrorTarball: string;
  readonly branch: string | null;
  readonly nobranch: boolean;
  /** A full commit hash, or "AUTOREV" (follow the branch head). */
  readonly revision: string;
}

const GIT_PROTOCOLS = ["git", "file", "ssh", "http", "https", "rsync"];
const AUTOREV_SPELLINGS = ["AUTOINC", "AUTOREV", "${AUTOREV}"];

export function gitSourceName(uri: SourceUri): string {
  const name =
    uri.host.replaceAll(":", ".") +
    uri.path.replaceAll("/", ".").replaceAll("*", ".").replaceAll(" ", "_").replaceAll("(", "_").replaceAll(")", "_");
  return name.startsWith(".") ? name.slice(1) : name;
}

export function resolveGitSource(ctx: FetchContext, uri: SourceUri, dlDir: string): GitSource {
  const protocol = uri.protocol ?? (uri.host === "" ? "file" : "git");
  if (!GIT_PROTOCOLS.includes(protocol)) throw new MalformedUrl(uri.url, `invalid protocol '${protocol}'`);
  if (!uri.branch && !uri.nobranch) {
    throw new MalformedUrl(uri.url, "a git URL needs ;branch=<name> (or ;nobranch=1 when the revision is on no branch)");
  }
  const user = uri.user ? `${uri.user}${uri.password ? `:${uri.password}` : ""}@` : "";
  const repoUrl = protocol === "file" ? uri.path : `${protocol}://${user}${uri.host}${uri.path}`;
  const name = gitSourceName(uri);
  return {
    uri,
    protocol,
    repoUrl,
    clonedir: join(dlDir, "git2", name),
    mirrorTarball: `git2_${name}.tar.gz`,
    branch: uri.branch,
    nobranch: uri.nobranch,
    revision: srcrev(ctx, uri),
  };
}

function srcrev(ctx: FetchContext, uri: SourceUri): string {
  const raw = uri.rev ?? (uri.name ? ctx.getVar(`SRCREV_${uri.name}`) : null) ?? ctx.getVar("SRCREV");
  const value = (raw ?? "").trim();
  const varName = uri.rev !== null ? "the rev= parameter" : uri.name ? `SRCREV_${uri.name}` : "SRCREV";
  if (value === "" || value === "INVALID") {
    throw new InvalidRevision(uri.url, `${varName} is not set; set it to the full 40-hex commit hash to build`);
  }
  if (AUTOREV_SPELLINGS.includes(value)) return "AUTOREV";
  if (!/^[0-9a-f]{40}$/.test(value)) {
    throw new InvalidRevision(
      uri.url,
      `${varName} = "${value}" is not a full 40-hex commit hash (tags, branches and short hashes can move or collide)`,
    );
  }
  return value;
}

export function needsNetwork(src: GitSource): boolean {
  return src.protocol !== "file";
}

function git(url: string, args: readonly string[], cwd?: string) {
  return runChecked(url, ["git", ...args], { cwd, env: { GIT_TERMINAL_PROMPT: "0" } });
}

async function exists(path: string): Promise<boolean> {
  return (await fs.stat(path).catch(() => null)) !== null;
}

/** The commit the branch head points at upstream (AUTOREV). */
export async function lsRemoteHead(src: GitSource, repoUrl = src.repoUrl): Promise<string> {
  const ref = src.nobranch || !src.branch ? "HEAD" : `refs/heads/${src.branch}`;
  const { stdout } = await git(src.uri.url, ["ls-remote", repoUrl, ref]);
  const line = stdout.split("\n").find((l) => l.endsWith(`\t${ref}`));
  if (!line) throw new InvalidRevision(src.uri.url, `ls-remote found no ${ref} in ${repoUrl}`);
  return line.split("\t")[0]!;
}

/** Whether the mirror clone has `rev`, on the wanted branch unless nobranch. */
export async function hasRevision(src: GitSource, rev: string): Promise<boolean> {
  if (!(await exists(src.clonedir))) return false;
  const obj = await runCommand(["git", "cat-file", "-e", `${rev}^{commit}`], { cwd: src.clonedir });
  if (obj.exitCode !== 0) return false;
  if (src.nobranch) return true;
  const on = await runCommand(["git", "branch", "--contains", rev, "--list", src.branch!], { cwd: src.clonedir });
  return on.exitCode === 0 && on.stdout.trim() !== "";
}

/** Clones (bare mirror) or updates the clone from `repoUrl` (upstream or a git mirror). */
export async function fetchInto(src: GitSource, repoUrl: string): Promise<void> {
  await fs.mkdir(join(src.clonedir, ".."), { recursive: true });
  if (!(await exists(src.clonedir))) {
    const tmp = `${src.clonedir}.tmp.${process.pid}`;
    await fs.rm(tmp, { recursive: true, force: true });
    try {
      await git(src.uri.url, ["clone", "--bare", "--mirror", repoUrl, tmp]);
      await fs.rename(tmp, src.clonedir);
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
    return;
  }
  const refspecs = src.nobranch ? ["refs/*:refs/*"] : ["refs/heads/*:refs/heads/*", "refs/tags/*:refs/tags/*"];
  await git(src.uri.url, ["fetch", "-f", repoUrl, ...refspecs], src.clonedir);
}

/** Loads a mirror tarball: it becomes the clone, or is fetched into an existing one. */
export async function loadMirrorTarball(src: GitSource, tarball: string): Promise<void> {
  const tmp = `${src.clonedir}.tarball.${process.pid}`;
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.mkdir(tmp, { recursive: true });
  try {
    await runChecked(src.uri.url, ["tar", "-xzf", tarball, "-C", tmp, "--no-same-owner"]);
    if (!(await exists(src.clonedir))) {
      await fs.rename(tmp, src.clonedir);
    } else {
      await git(src.uri.url, ["fetch", "-f", tmp, "refs/*:refs/*"], src.clonedir);
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Packs the clone as a mirror tarball. Deterministic for a given clone: entries sorted, mtime
 * 0, owner 0, modes normalised, gzip without a timestamp.
 */
export async function writeMirrorTarball(src: GitSource, dlDir: string): Promise<string> {
  const dest = join(dlDir, src.mirrorTarball);
  const tmp = `${dest}.tmp.${process.pid}`;
  const tar = spawn(
    "tar",
    [
      "--sort=name",
      "--mtime=@0",
      "--owner=0",
      "--group=0",
      "--numeric-owner",
      "--format=gnu",
      "--mode=go-w,a+rX,u+w",
      "-C",
      src.clonedir,
      "-cf",
      "-",
      ".",
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } },
  );
  let stderr = "";
  tar.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  const exit = new Promise<number | null>((res) => tar.on("close", res));
  try {
    await pipeline(tar.stdout, createGzip({ level: 9 }), createWriteStream(tmp));
    const code = await exit;
    if (code !== 0) throw new CommandFailed(src.uri.url, ["tar", "-cf", "-", src.clonedir], code, stderr);
    await fs.rename(tmp, dest);
  } finally {
    await fs.rm(tmp, { force: true });
  }
  return dest;
}

export function generateMirrorTarballs(ctx: FetchContext): boolean {
  return toBoolean(ctx.getVar("BB_GENERATE_MIRROR_TARBALLS"));
}

/** Checks the revision out into `${rootDir}/${destsuffix ?? "git/"}` from the local clone only. */
export async function unpackGit(src: GitSource, rootDir: string): Promise<string> {
  const dest = join(rootDir, src.uri.destsuffix ?? "git/");
  const url = src.uri.url;
  let rev = src.revision;
  if (rev === "AUTOREV") {
    const ref = src.nobranch || !src.branch ? "HEAD" : `refs/heads/${src.branch}`;
    rev = (await git(url, ["rev-parse", ref], src.clonedir)).stdout.trim();
  }
  if (!(await hasRevision(src, rev))) {
    throw new InvalidRevision(url, `revision ${rev} is not in ${src.clonedir}; run the fetch first`);
  }
  await fs.rm(dest, { recursive: true, force: true });
  await fs.mkdir(join(dest, ".."), { recursive: true });
  await git(url, ["clone", "-s", "-n", src.clonedir, dest]);
  await git(url, ["remote", "set-url", "origin", src.repoUrl], dest);
  if (src.nobranch) {
    await git(url, ["checkout", "-q", rev], dest);
  } else {
    await git(url, ["checkout", "-q", "-B", src.branch!, rev], dest);
  }
  return dest;
}
