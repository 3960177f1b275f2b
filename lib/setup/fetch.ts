// `bake layers fetch`: every repository of layers.json cloned or moved to its revision in
// layers/<name>, then conf/bblayers.conf rewritten and the layers checked as a parse would.
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { renderBblayersConf } from "./bblayers.js";
import { checkLayerSet } from "./check.js";
import { error, note, readLayersFile, readLockFile, say, warn, writeAtomically, type SetupContext } from "./context.js";
import { LayerSetupError } from "./errors.js";
import { isOnARef, lastLine, localChanges, resolveCommit } from "./git.js";
import { bblayersEntries, describeTarget, planFetch, shippedLayerEntries, short, type GitStep, type PathStep } from "./plan.js";
import type { CommitId, LayerRepo } from "./schema.js";

export interface FetchOptions {
  /** Discard local changes and leave commits that are on no branch. */
  readonly force: boolean;
}

/** What git is given as the remote: a relative local path is taken from the build directory, not the checkout. */
export function remoteUrl(topdir: string, url: string): string {
  return url.startsWith("./") || url.startsWith("../") ? resolve(topdir, url) : url;
}

async function clone(ctx: SetupContext, step: GitStep, dir: string, url: string): Promise<void> {
  if (ctx.offline !== null) {
    throw new LayerSetupError(step.repo.name, `${step.dir} is not cloned yet and the network is off (${ctx.offline})`);
  }
  // Clone beside the final place and rename: an interrupted clone is never taken for a checkout.
  const partial = join(ctx.topdir, "layers", `.${step.repo.name}.partial`);
  await rm(partial, { recursive: true, force: true });
  await mkdir(join(ctx.topdir, "layers"), { recursive: true });
  say(ctx, `${step.repo.name}: cloning ${step.repo.url}`);
  const r = await ctx.git.run(["clone", "--quiet", "--no-checkout", "--origin", "origin", "--", url, partial], ctx.topdir);
  if (r.code !== 0) {
    await rm(partial, { recursive: true, force: true });
    throw new LayerSetupError(step.repo.name, `git clone ${step.repo.url} failed: ${lastLine(r.stderr)}`);
  }
  await rename(partial, dir);
}

async function checkIsCheckout(ctx: SetupContext, step: GitStep, dir: string, url: string): Promise<void> {
  const top = await ctx.git.run(["rev-parse", "--show-toplevel"], dir);
  if (top.code !== 0 || resolve(top.stdout.trim()) !== realpathSync(dir)) {
    throw new LayerSetupError(step.repo.name, `${step.dir} exists but is not a git checkout of its own: move it away and fetch again`);
  }
  const current = await ctx.git.run(["remote", "get-url", "origin"], dir);
  if (current.code !== 0) {
    await ctx.git.run(["remote", "add", "origin", url], dir);
    note(ctx, `${step.repo.name}: added the remote origin ${step.repo.url}`);
  } else if (current.stdout.trim() !== url) {
    await ctx.git.run(["remote", "set-url", "origin", url], dir);
    note(ctx, `${step.repo.name}: remote origin changed from ${current.stdout.trim()} to ${step.repo.url} (as layers.json says)`);
  }
}

/** Updates origin/<branch>; false when the remote cannot be reached (the caller decides if that matters). */
async function fetchBranch(ctx: SetupContext, step: GitStep, dir: string): Promise<boolean> {
  if (ctx.offline !== null) return false;
  const { branch } = step.repo;
  const r = await ctx.git.run(["fetch", "--quiet", "origin", `+refs/heads/${branch}:refs/remotes/origin/${branch}`], dir);
  if (r.code === 0) return true;
  warn(ctx, `${step.repo.name}: git fetch of branch ${branch} from ${step.repo.url} failed (${lastLine(r.stderr)}); using what is in ${step.dir}`);
  return false;
}

/** The commit to check out, fetching only when the checkout does not have it yet. */
async function resolveTarget(ctx: SetupContext, step: GitStep, dir: string, freshClone: boolean): Promise<CommitId> {
  const { name, branch } = step.repo;
  const target = step.target;
  if (target.kind === "branch") {
    const fetched = freshClone || (await fetchBranch(ctx, step, dir));
    const head = await resolveCommit(ctx.git, dir, `refs/remotes/origin/${branch}`);
    if (head === null) {
      const why = ctx.offline !== null ? ` and the network is off (${ctx.offline})` : "";
      throw new LayerSetupError(name, `branch ${branch} is not in ${step.dir}${why}`);
    }
    if (!fetched) note(ctx, `${name}: offline${ctx.offline !== null ? ` (${ctx.offline})` : ""}: using the last fetched head of ${branch}, ${short(head)}`);
    return head;
  }
  let commit = await resolveCommit(ctx.git, dir, target.revision);
  if (commit !== null) {
    if (ctx.offline !== null && !freshClone) note(ctx, `${name}: offline (${ctx.offline}): ${short(target.revision)} is already in ${step.dir}`);
    return commit;
  }
  const what = `${target.kind === "lock" ? "locked" : "pinned"} revision ${target.revision}`;
  if (ctx.offline !== null) throw new LayerSetupError(name, `the ${what} is not in ${step.dir} and the network is off (${ctx.offline})`);
  if (!freshClone && !(await fetchBranch(ctx, step, dir))) {
    throw new LayerSetupError(name, `the ${what} is not in ${step.dir} and ${step.repo.url} cannot be fetched`);
  }
  commit = await resolveCommit(ctx.git, dir, target.revision);
  if (commit === null) {
    // Not on the branch: servers that allow it hand out any reachable commit by id.
    await ctx.git.run(["fetch", "--quiet", "origin", target.revision], dir);
    commit = await resolveCommit(ctx.git, dir, target.revision);
  }
  if (commit === null) throw new LayerSetupError(name, `the ${what} is not in ${step.repo.url} (branch ${branch})`);
  return commit;
}

async function checkOnBranch(ctx: SetupContext, step: GitStep, dir: string, commit: CommitId): Promise<void> {
  const ref = `refs/remotes/origin/${step.repo.branch}`;
  if ((await resolveCommit(ctx.git, dir, ref)) === null) {
    warn(ctx, `${step.repo.name}: branch ${step.repo.branch} of ${step.repo.url} was never fetched: cannot check that ${short(commit)} is on it`);
    return;
  }
  const r = await ctx.git.run(["merge-base", "--is-ancestor", commit, ref], dir);
  if (r.code === 1) warn(ctx, `${step.repo.name}: ${short(commit)} is not on branch ${step.repo.branch} of ${step.repo.url}`);
}

/** Moves the checkout to `commit`, refusing to lose local work unless forced. */
async function checkOut(ctx: SetupContext, step: GitStep, dir: string, commit: CommitId, freshClone: boolean, opts: FetchOptions): Promise<void> {
  const { name } = step.repo;
  // A --no-checkout clone has an empty index: every file would look deleted.
  const head = freshClone ? null : await resolveCommit(ctx.git, dir, "HEAD");
  const changes = freshClone ? [] : await localChanges(ctx.git, dir);
  if (head === commit) {
    if (changes.length > 0) warn(ctx, `${name}: ${step.dir} has local changes (${changes.length} paths), kept`);
    return;
  }
  if (!opts.force && changes.length > 0) {
    throw new LayerSetupError(
      name,
      `${step.dir} has local changes (${changes.length} paths, e.g. ${changes[0]!.slice(3)}) and must move to ${short(commit)}: ` +
        "commit or stash them, or run `bake layers fetch --force` to discard them",
    );
  }
  const known = [step.repo.revision, step.target.kind === "lock" ? step.target.revision : null];
  if (!opts.force && head !== null && !known.includes(head) && !(await isOnARef(ctx.git, dir, head))) {
    throw new LayerSetupError(
      name,
      `${step.dir} is at ${short(head)}, a commit on no branch, and must move to ${short(commit)}: ` +
        "push it or create a branch for it (then `bake layers lock` to pin it), or run `bake layers fetch --force`",
    );
  }
  const r = await ctx.git.run(["checkout", "--quiet", ...(opts.force ? ["--force"] : []), "--detach", commit], dir);
  if (r.code !== 0) throw new LayerSetupError(name, `git checkout ${short(commit)} failed: ${lastLine(r.stderr)}`);
}

/** Every sub-layer that layers.json names has a conf/layer.conf in the checkout. */
export function checkSublayers(repo: LayerRepo, dir: string, displayDir: string): void {
  for (const sub of repo.sublayers) {
    const conf = join(dir, sub, "conf", "layer.conf");
    if (!existsSync(conf)) {
      const where = sub === "." ? displayDir : `${displayDir}/${sub}`;
      throw new LayerSetupError(repo.name, `${where} has no conf/layer.conf: is "${sub}" a layer of this repository?`);
    }
  }
}

async function fetchGit(ctx: SetupContext, step: GitStep, opts: FetchOptions): Promise<void> {
  const dir = join(ctx.topdir, step.dir);
  const url = remoteUrl(ctx.topdir, step.repo.url);
  if (step.staleLock !== null) {
    note(ctx, `${step.repo.name}: layers.json changed since the lock (${step.staleLock}); using ${describeTarget(step.target)}`);
  }
  const freshClone = !existsSync(dir);
  if (freshClone) await clone(ctx, step, dir, url);
  else await checkIsCheckout(ctx, step, dir, url);
  const commit = await resolveTarget(ctx, step, dir, freshClone);
  await checkOnBranch(ctx, step, dir, commit);
  await checkOut(ctx, step, dir, commit, freshClone, opts);
  checkSublayers(step.repo, dir, step.dir);
  say(ctx, `${step.repo.name}: at ${short(commit)}, ${describeTarget(step.target)}`);
}

function fetchPath(ctx: SetupContext, step: PathStep): void {
  const dir = isAbsolute(step.dir) ? step.dir : resolve(ctx.topdir, step.dir);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new LayerSetupError(step.repo.name, `the directory ${step.dir} (path, from ${ctx.topdir}) does not exist`);
  }
  checkSublayers(step.repo, dir, step.dir);
  say(ctx, `${step.repo.name}: using ${step.dir} as it is (a path layer)`);
}

/** Writes conf/bblayers.conf; true if it changed. */
export async function writeBblayersConf(ctx: SetupContext, entries: readonly string[]): Promise<boolean> {
  const path = join(ctx.topdir, "conf", "bblayers.conf");
  const existing = existsSync(path) ? readFileSync(path, "utf8") : null;
  const text = renderBblayersConf(existing, entries);
  if (text === existing) return false;
  await mkdir(join(ctx.topdir, "conf"), { recursive: true });
  await writeAtomically(path, text);
  return true;
}

export async function fetchLayers(ctx: SetupContext, opts: FetchOptions): Promise<number> {
  const file = readLayersFile(ctx);
  const steps = planFetch(file, readLockFile(ctx));
  if (ctx.offline !== null) note(ctx, `the network is off (${ctx.offline}): using what is already in layers/`);
  // Every repository is tried, so one run reports every layer that needs attention.
  const failed: string[] = [];
  for (const step of steps) {
    try {
      if (step.kind === "git") await fetchGit(ctx, step, opts);
      else fetchPath(ctx, step);
    } catch (err) {
      if (!(err instanceof LayerSetupError)) throw err;
      error(ctx, err.message);
      failed.push(step.repo.name);
    }
  }
  if (failed.length > 0) {
    error(ctx, `conf/bblayers.conf not written: ${failed.join(", ")} could not be fetched`);
    return 1;
  }
  const changed = await writeBblayersConf(ctx, bblayersEntries(file, shippedLayerEntries(ctx.topdir, ctx.shippedRoot)));
  say(ctx, changed ? "conf/bblayers.conf: written" : "conf/bblayers.conf: up to date");
  return checkLayerSet(ctx) ? 0 : 1;
}
