// Putting a task's shared-state output where the build reads it (OE's sstate_install): the
// object is unpacked into a private staging directory, then each output is merged into its
// published directory, recording what it put there in a manifest. The next install of the same
// task first removes what the manifest lists, so a published directory shared by several
// recipes (a deploy directory) keeps the others' files, and one owned by a recipe (its sysroot
// component) ends up holding exactly the new output. A run and a restore go through the same
// archive and the same install, so they leave the same files.
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { randomUUID } from "node:crypto";
import { restoreArchive, type RestoreStats } from "../sstate/index.js";

/** One declared output: the archive member prefix, where the task writes it, where it is published. */
export interface OutputSpec {
  readonly name: string;
  readonly input: string;
  readonly output: string;
}

interface Manifest {
  readonly format: 1;
  /** Per published directory, the entries installed there (directories end with "/"). */
  readonly outputs: readonly { readonly dir: string; readonly entries: readonly string[] }[];
}

function readManifest(path: string): Manifest | null {
  try {
    const m = JSON.parse(readFileSync(path, "utf8")) as Manifest;
    return m.format === 1 && Array.isArray(m.outputs) ? m : null;
  } catch {
    return null;
  }
}

/**
 * Removes what an earlier install put in place: files first, then directories left empty; with
 * `outputsToo` (do_clean), the published directories themselves when nothing else is in them.
 */
export function uninstall(manifestPath: string, outputsToo = false): void {
  const m = readManifest(manifestPath);
  if (!m) return;
  for (const out of m.outputs) {
    const dirs: string[] = [];
    for (const e of out.entries) {
      if (e.endsWith("/")) dirs.push(e.slice(0, -1));
      else rmSync(join(out.dir, e), { force: true });
    }
    for (const d of dirs.sort((a, b) => b.length - a.length)) {
      try {
        rmdirSync(join(out.dir, d));
      } catch {
        // Not empty: another recipe's files are there too.
      }
    }
    if (outputsToo) {
      try {
        rmdirSync(out.dir);
      } catch {
        // Shared with other recipes, or already gone.
      }
    }
  }
  rmSync(manifestPath, { force: true });
}

function merge(src: string, dst: string, rel: string, entries: string[]): void {
  mkdirSync(dst, { recursive: true });
  for (const entry of readdirSync(src, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const from = join(src, entry.name);
    const to = join(dst, entry.name);
    const r = rel === "" ? entry.name : `${rel}/${entry.name}`;
    let existing: ReturnType<typeof lstatSync> | null = null;
    try {
      existing = lstatSync(to);
    } catch {
      existing = null;
    }
    if (entry.isDirectory()) {
      if (existing && !existing.isDirectory()) rmSync(to, { force: true });
      if (!existing || !existing.isDirectory()) {
        // A directory new here moves in whole; its contents are still listed one by one.
        renameSync(from, to);
        list(to, r, entries);
        continue;
      }
      entries.push(`${r}/`);
      merge(from, to, r, entries);
    } else {
      if (existing?.isDirectory()) rmSync(to, { recursive: true, force: true });
      renameSync(from, to);
      entries.push(r);
    }
  }
}

function list(dir: string, rel: string, entries: string[]): void {
  entries.push(`${rel}/`);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const r = `${rel}/${entry.name}`;
    if (entry.isDirectory()) list(join(dir, entry.name), r, entries);
    else entries.push(r);
  }
}

/**
 * Unpack `archivePath` (already verified) and publish each output. `stagingRoot` is a scratch
 * directory on the same filesystem as the outputs (renames, not copies).
 */
export async function installObject(archivePath: string, outputs: readonly OutputSpec[], manifestPath: string, stagingRoot: string): Promise<RestoreStats> {
  const staging = join(stagingRoot, `install-${randomUUID()}`);
  mkdirSync(staging, { recursive: true });
  try {
    const stats = await restoreArchive(
      archivePath,
      outputs.map((o) => ({ name: o.name, dir: join(staging, o.name) })),
    );
    uninstall(manifestPath);
    const installed: { dir: string; entries: string[] }[] = [];
    for (const o of outputs) {
      const entries: string[] = [];
      merge(join(staging, o.name), o.output, "", entries);
      installed.push({ dir: o.output, entries });
    }
    mkdirSync(dirname(manifestPath), { recursive: true });
    const temp = `${manifestPath}.${randomUUID()}.tmp`;
    writeFileSync(temp, `${JSON.stringify({ format: 1, outputs: installed } satisfies Manifest)}\n`);
    renameSync(temp, manifestPath);
    return stats;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
