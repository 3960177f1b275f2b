// What every command that reads metadata needs: the build directory and its configuration.
import { resolve } from "node:path";
import {
  findTopdir,
  loadBuildConfiguration,
  ConfigurationError,
  type BuildConfiguration,
} from "../config/index.js";
import type { CommonOptions } from "./options.js";

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

export function loadConfiguration(opts: CommonOptions, layersOnly = false): BuildConfiguration {
  return loadBuildConfiguration({ topdir: buildDirectory(opts.cwd), vars: opts.vars, layersOnly });
}
