// Stamps: an empty file `${STAMP}.${task}.${taskhash}` says "this task is done for this
// signature" (BitBake's bb.build.make_stamp / stampfile). Everything a stamp says is in its name,
// so it is made by one open that creates it: it appears whole or not at all, and only after the
// task succeeded, so a build killed at any moment never leaves a stamp for work that did not
// finish (nothing half-written to guard with a temporary name and a rename).
import { randomUUID } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { isSet, type TaskId, type TaskNode } from "../graph/types.js";
import type { UniHash } from "../common/hashes.js";

/** The stamp for one signature; `stamp-extra-info` goes after the hash as in BitBake. */
export function stampFile(base: string, task: string, hash: string, extraInfo?: string): string {
  return extraInfo ? `${base}.${task}.${hash}.${extraInfo}` : `${base}.${task}.${hash}`;
}

function taintFile(base: string, task: string): string {
  return `${base}.${task}.taint`;
}

/** The mark a forced run left (`-f`, `-C`); it takes part in the task's signature from then on. */
export function readTaint(base: string, task: string): string | null {
  try {
    return readFileSync(taintFile(base, task), "utf8").trim() || null;
  } catch {
    return null;
  }
}

/**
 * Force a task to run again, as BitBake's invalidate_task: its stamps go, and a taint is written,
 * which changes its signature and so those of every task after it (they rerun too).
 */
export function invalidateTask(base: string, task: string): void {
  removeStamps(base, task, null);
  writeAtomically(taintFile(base, task), `${randomUUID()}\n`);
}

const HASH_NAME = /^[0-9a-f]{64}(\.|$)/;

/** Remove the stamps of `task` (other than `keep`); taints stay, as BitBake keeps them. */
export function removeStamps(base: string, task: string, keep: string | null): void {
  const dir = dirname(base);
  const prefix = `${basename(base)}.${task}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !HASH_NAME.test(name.slice(prefix.length))) continue;
    const path = join(dir, name);
    if (path !== keep) rmSync(path, { force: true });
  }
}

/** A taint has content (the forced run's mark): written under a temporary name, then renamed. */
function writeAtomically(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  // A dot name that no stamp lookup matches: a half-written file is never taken for a taint.
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomUUID()}.tmp`);
  writeFileSync(temp, content);
  renameSync(temp, path);
}

/** An empty stamp made by one open (as BitBake's `open(stamp, "w")`; one already there is emptied). */
function touch(path: string): void {
  closeSync(openSync(path, "w"));
}

/**
 * The stamps of one build: where each recipe's stamps live and the signature each task's stamp is
 * named by, its unihash (as BitBake with hash equivalence: a task whose taskhash changed but whose
 * output is equivalent keeps its stamp). The signature is looked up when needed, since a unihash
 * learnt during the build changes the signatures of the tasks after it.
 */
export class StampSet {
  constructor(
    /** `${STAMP}` of each recipe id. */
    private readonly bases: ReadonlyMap<string, string>,
    private readonly unihash: (id: TaskId) => UniHash,
    /** Whether a restore (setscene stamp) counts as done: not with --no-setscene. */
    private readonly setsceneCounts = true,
  ) {}

  /**
   * The names in each stamp directory this build wrote to, listed once: a build holds the lock
   * of its directory, so it knows what it adds and removes, and a stamp costs one open instead of
   * a mkdir, an open and a directory listing.
   */
  private readonly listed = new Map<string, Set<string>>();

  /** Make the stamp `path` of `task`, removing the task's stamps for other signatures. */
  private replace(base: string, task: string, path: string): void {
    const dir = dirname(path);
    let names = this.listed.get(dir);
    if (names === undefined) {
      mkdirSync(dir, { recursive: true });
      names = new Set(readdirSync(dir));
      this.listed.set(dir, names);
    }
    touch(path);
    const prefix = `${basename(base)}.${task}.`;
    const own = basename(path);
    for (const name of names) {
      if (name === own || !name.startsWith(prefix) || !HASH_NAME.test(name.slice(prefix.length))) continue;
      rmSync(join(dir, name), { force: true });
      names.delete(name);
    }
    names.add(own);
  }

  hash(node: TaskNode): UniHash {
    return this.unihash(node.id);
  }

  base(node: TaskNode): string {
    const base = this.bases.get(node.recipeId);
    if (base === undefined) throw new Error(`no stamp directory known for ${node.recipeId}`);
    return base;
  }

  path(node: TaskNode): string {
    return stampFile(this.base(node), node.task.name, this.hash(node), node.task.flags["stamp-extra-info"]);
  }

  /** The stamp a restore from shared state leaves: `${STAMP}.do_x_setscene.<unihash>`, as BitBake. */
  setscenePath(node: TaskNode): string {
    return stampFile(this.base(node), `${node.task.name}_setscene`, this.hash(node), node.task.flags["stamp-extra-info"]);
  }

  /**
   * Done for its current signature: a stamp exists, the task is not `nostamp`, and no task of the
   * same recipe it depends on ran in this build (BitBake's check_stamp_task compares the stamps of
   * same-recipe dependencies: a rerun do_compile makes do_install rerun even at the same signature).
   * A setscene stamp counts for an sstate task: its output was restored for this signature.
   */
  isCurrent(node: TaskNode, ranDeps: readonly TaskNode[]): boolean {
    if (isSet(node.task.flags.nostamp)) return false;
    if (ranDeps.some((d) => d.recipeId === node.recipeId)) return false;
    return this.hasStamp(node);
  }

  /** A stamp (or, for an sstate task, a setscene stamp) for the current signature exists. */
  hasStamp(node: TaskNode): boolean {
    if (isSet(node.task.flags.nostamp)) return false;
    return existsSync(this.path(node)) || (this.setsceneCounts && isSet(node.task.flags.sstate) && existsSync(this.setscenePath(node)));
  }

  /** Record success; older stamps of the task (other signatures) are removed, as make_stamp does. */
  write(node: TaskNode): void {
    if (isSet(node.task.flags.nostamp)) return;
    this.replace(this.base(node), node.task.name, this.path(node));
  }

  /** Record a restore from shared state. */
  writeSetscene(node: TaskNode): void {
    this.replace(this.base(node), `${node.task.name}_setscene`, this.setscenePath(node));
  }
}
