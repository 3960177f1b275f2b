// One run of `bake layers …`: the build directory, git, whether the network may be used, where
// messages go, and the two files that describe the layers.
import { existsSync, readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Git } from "./git.js";
import { LAYERS_FILE, LOCK_FILE, parseLayersFile, parseLockFile, type LayersFile, type LockFile } from "./schema.js";

export interface Output {
  write(text: string): unknown;
}

export interface SetupContext {
  readonly topdir: string;
  /** Where meta-core, meta-bootstrap and meta-containers are (bake's own tree). */
  readonly shippedRoot: string;
  readonly git: Git;
  /** Why the network must not be used (BB_NO_NETWORK), or null. */
  readonly offline: string | null;
  readonly stdout: Output;
  readonly stderr: Output;
}

export function say(ctx: SetupContext, line: string): void {
  ctx.stdout.write(`${line}\n`);
}

export function note(ctx: SetupContext, line: string): void {
  ctx.stderr.write(`NOTE: ${line}\n`);
}

export function warn(ctx: SetupContext, line: string): void {
  ctx.stderr.write(`WARNING: ${line}\n`);
}

export function readLayersFile(ctx: SetupContext): LayersFile {
  const path = join(ctx.topdir, LAYERS_FILE);
  if (!existsSync(path)) {
    // No file means no extra layers: the shipped ones alone still make a build.
    return { version: 1, layers: [] };
  }
  return parseLayersFile(readFileSync(path, "utf8"), LAYERS_FILE);
}

export function readLockFile(ctx: SetupContext): LockFile | null {
  const path = join(ctx.topdir, LOCK_FILE);
  return existsSync(path) ? parseLockFile(readFileSync(path, "utf8"), LOCK_FILE) : null;
}

/** Writes through a temporary name and a rename, so a killed run never leaves half a file. */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, text);
  await rename(temp, path);
}
