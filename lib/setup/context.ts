// One run of `bake layers …`: the build directory, git, whether the network may be used, where
// its messages go, and the two files that describe the layers.
import { existsSync, readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AnyBakeError } from "../common/errors.js";
import { PACKAGE_ROOT } from "../common/install.js";
import { gitCli, type Git } from "./git.js";
import { LAYERS_FILE, LOCK_FILE, parseLayersFile, parseLockFile, type LayersFile, type LockFile } from "./schema.js";

/**
 * What a run of `bake layers …` has to say: progress (`info`), notes, warnings and errors that do
 * not stop it (the exit code, the return value, says whether it failed).
 */
export type SetupMessage =
  | { readonly level: "info" | "note" | "warning" | "error"; readonly text: string }
  /** An expected failure that stops one check but not the run (a layer set that does not parse). */
  | { readonly level: "failure"; readonly error: AnyBakeError };

export interface SetupContext {
  readonly topdir: string;
  /** Where meta-core, meta-bootstrap and meta-containers are (bake's own tree). */
  readonly shippedRoot: string;
  readonly git: Git;
  /** Why the network must not be used (BB_NO_NETWORK), or null. */
  readonly offline: string | null;
  readonly report: (message: SetupMessage) => void;
}

export interface SetupOptions {
  /** The build directory (conf/bblayers.conf, layers/). */
  readonly topdir: string;
  /** Where the shipped layers are; bake's own tree by default. */
  readonly shippedRoot?: string;
  /** For BB_NO_NETWORK and git's own environment. */
  readonly env: NodeJS.ProcessEnv;
  readonly report: (message: SetupMessage) => void;
}

/** The root of bake's tree. */
const BAKE_ROOT = PACKAGE_ROOT + "/";

function offlineReason(env: NodeJS.ProcessEnv): string | null {
  const value = env.BB_NO_NETWORK;
  return value !== undefined && /^(1|yes|true|on)$/i.test(value.trim()) ? `BB_NO_NETWORK=${value}` : null;
}

export function setupContext(opts: SetupOptions): SetupContext {
  return {
    topdir: opts.topdir,
    shippedRoot: opts.shippedRoot ?? BAKE_ROOT,
    git: gitCli(opts.env),
    offline: offlineReason(opts.env),
    report: opts.report,
  };
}

export function say(ctx: SetupContext, text: string): void {
  ctx.report({ level: "info", text });
}

export function note(ctx: SetupContext, text: string): void {
  ctx.report({ level: "note", text });
}

export function warn(ctx: SetupContext, text: string): void {
  ctx.report({ level: "warning", text });
}

export function error(ctx: SetupContext, text: string): void {
  ctx.report({ level: "error", text });
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
