// What `bake layers fetch` will do for each repository, decided from layers.json and the lock
// alone, before git is run: which revision, and why that one.
import { isAbsolute, posix, resolve } from "node:path";
import type { CommitId, GitLayerRepo, LayerRepo, LayersFile, LockEntry, LockFile, PathLayerRepo } from "./schema.js";

/** Where the revision to check out comes from, in the order fetch looks. */
export type Target =
  | { readonly kind: "lock"; readonly revision: CommitId }
  | { readonly kind: "pin"; readonly revision: CommitId }
  | { readonly kind: "branch"; readonly branch: string };

export interface GitStep {
  readonly kind: "git";
  readonly repo: GitLayerRepo;
  /** Relative to the build directory. */
  readonly dir: string;
  readonly target: Target;
  /** Why a lock entry present for this repository was not used. */
  readonly staleLock: string | null;
}

export interface PathStep {
  readonly kind: "path";
  readonly repo: PathLayerRepo;
  /** As written in layers.json: relative to the build directory, or absolute. */
  readonly dir: string;
}

export type FetchStep = GitStep | PathStep;

/** The layers bake ships with, listed before any fetched layer. They need no layers.json entry. */
export const SHIPPED_LAYERS = ["meta-core", "meta-bootstrap", "meta-containers"] as const;

export function repoDir(name: string): string {
  return `layers/${name}`;
}

/**
 * Why `entry` does not apply to `repo`, or null when it does. A lock entry belongs to the pin it
 * was resolved from: once layers.json moves the pin (or the url or branch), layers.json wins,
 * as package.json wins over a stale package-lock.
 */
export function lockMismatch(repo: GitLayerRepo, entry: LockEntry): string | null {
  if (entry.url !== repo.url) return `the lock was written for url ${entry.url}`;
  if (entry.branch !== repo.branch) return `the lock was written for branch ${entry.branch}`;
  if (entry.pin !== repo.revision) {
    return entry.pin === null ? "the lock was written before a revision was pinned" : `the lock was written for the pin ${short(entry.pin)}`;
  }
  return null;
}

export function planFetch(file: LayersFile, lock: LockFile | null): FetchStep[] {
  return file.layers.map((repo): FetchStep => {
    if (repo.kind === "path") return { kind: "path", repo, dir: repo.path };
    const entry = lock?.layers[repo.name] ?? null;
    const staleLock = entry === null ? null : lockMismatch(repo, entry);
    const target: Target =
      entry !== null && staleLock === null
        ? { kind: "lock", revision: entry.revision }
        : repo.revision !== null
          ? { kind: "pin", revision: repo.revision }
          : { kind: "branch", branch: repo.branch };
    return { kind: "git", repo, dir: repoDir(repo.name), target, staleLock };
  });
}

export function describeTarget(target: Target): string {
  switch (target.kind) {
    case "lock":
      return `the locked revision ${short(target.revision)}`;
    case "pin":
      return `the pinned revision ${short(target.revision)}`;
    case "branch":
      return `the head of branch ${target.branch} (no revision pinned or locked)`;
  }
}

export function short(revision: string): string {
  return revision.slice(0, 12);
}

/** The BBLAYERS spelling of a sub-layer: `${TOPDIR}`-relative where possible, so the file moves with the tree. */
function layerEntry(base: string, sub: string): string {
  const dir = sub === "." ? base : `${base}/${sub}`;
  return isAbsolute(dir) ? posix.normalize(dir) : `\${TOPDIR}/${posix.normalize(dir)}`;
}

export function repoLayerDirs(repo: LayerRepo, subs: readonly string[] = repo.enabled): string[] {
  const base = repo.kind === "git" ? repoDir(repo.name) : repo.path;
  return subs.map((sub) => layerEntry(base, sub));
}

/**
 * The shipped layers as BBLAYERS entries: `${TOPDIR}/meta-core` when the build directory is the
 * repository root (the default), else absolute paths into bake's own tree.
 */
export function shippedLayerEntries(topdir: string, shippedRoot: string): string[] {
  const here = resolve(shippedRoot) === resolve(topdir);
  return SHIPPED_LAYERS.map((name) => (here ? `\${TOPDIR}/${name}` : posix.join(resolve(shippedRoot), name)));
}

/** Every BBLAYERS entry, shipped layers first, then the enabled sub-layers in layers.json order. */
export function bblayersEntries(file: LayersFile, shipped: readonly string[]): string[] {
  // A layer listed twice would be read twice, and BitBake stops at the duplicated collection.
  return [...new Set([...shipped, ...file.layers.flatMap((repo) => repoLayerDirs(repo))])];
}
