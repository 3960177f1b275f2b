// What every command that reads metadata needs: the build directory and its configuration.
import { resolve } from "node:path";
import {
  checkDanglingAppends,
  collectRecipes,
  findTopdir,
  loadBuildConfiguration,
  ConfigurationError,
  type BuildConfiguration,
  type RecipeCollection,
} from "../config/index.js";

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface CommonOptions {
  /** Variables given with `-D NAME=VALUE`, set before and after the configuration is read. */
  readonly defines: Readonly<Record<string, string>>;
  readonly cwd: string;
}

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
  return loadBuildConfiguration({ topdir: buildDirectory(opts.cwd), vars: opts.defines, layersOnly });
}

export interface Recipes {
  readonly collection: RecipeCollection;
  readonly warnings: readonly string[];
}

export function loadRecipes(config: BuildConfiguration): Recipes {
  const collection = collectRecipes(config.metadata.d, config.layers);
  const warnings = checkDanglingAppends(config.metadata.d, collection);
  return { collection, warnings };
}
