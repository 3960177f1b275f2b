// What every command that reads metadata needs: the build directory and its configuration.
import { resolve } from "node:path";
import {
  findTopdir,
  loadBuildConfiguration,
  ConfigurationError,
  type BuildConfiguration,
} from "../config/index.js";
import type { CommonOptions } from "./options.js";
import { withPython } from "../python/index.js";

export { DEFAULT_ENV_PASSTHROUGH, passthroughVariables, UsageError, type CommonOptions } from "./options.js";

export function buildDirectory(cwd: string): string {
  const topdir = findTopdir(cwd);
  if (topdir === null) {
    throw new ConfigurationError(
      `no build directory here: neither ${resolve(cwd)} nor a parent holds conf/bblayers.conf ` +
        `(run bake from the repository root or a build directory)`,
    );
  }
  return topdir;
}

/** The configuration; loads the Python engine first if its layers need it (then parsing in this thread can use it). */
export function loadConfiguration(opts: CommonOptions, layersOnly = false): Promise<BuildConfiguration> {
  const topdir = buildDirectory(opts.cwd);
  return withPython(() => loadBuildConfiguration({ topdir, vars: opts.vars, layersOnly, prune: true }));
}
