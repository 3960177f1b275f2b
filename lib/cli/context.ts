// What every command that reads metadata needs: the build directory and its configuration.
//
// Modules of config/ rather than its index.js, and the evaluator and Python only when the
// configuration is evaluated: a command whose configuration an earlier run kept (a warm `bake -p`,
// `-e`, a no-op build) loads neither (about a fifth of the modules of a warm `bake -p`).
import { resolve } from "node:path";
import type { BuildConfiguration } from "../config/configuration.js";
import { keptConfiguration } from "../config/configuration-cache.js";
import { ConfigurationError } from "../config/errors.js";
import { findTopdir } from "../config/topdir.js";
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

/**
 * When a kept configuration whose values may run Python (configuration-cache.ts) starts this
 * thread's interpreter: "eager", before it is returned, for a command that may expand its values
 * anywhere; "lazy", for one that expands them only inside `withPython` (a warm `-p` then starts no
 * interpreter at all); "background", started now and not waited for, for a command that will need
 * it after work of its own (`-e RECIPE`: its recipe's parse and the values it shows): compiling
 * CPython's WebAssembly runs in V8's threads and the rest while this one waits for the parse cache.
 */
export type PythonStart = "eager" | "lazy" | "background";

/** The configuration; loads the Python engine first if its layers need it (then parsing in this thread can use it). */
export async function loadConfiguration(
  opts: CommonOptions,
  layersOnly = false,
  start: PythonStart | ((kept: BuildConfiguration) => PythonStart) = "eager",
): Promise<BuildConfiguration> {
  const topdir = buildDirectory(opts.cwd);
  // Kept only when its Python touched nothing but the namespace and the datastore's values (configuration-cache.ts).
  const kept = layersOnly ? null : keptConfiguration(topdir, opts.vars, true);
  if (kept !== null) {
    const python = typeof start === "function" ? start(kept) : start;
    if (kept.keptPython === true && python === "eager") await (await import("../python/index.js")).loadPython();
    // A failure is not lost: whoever waits for the interpreter later is given it.
    if (kept.keptPython === true && python === "background") void import("../python/index.js").then((p) => p.loadPython()).catch(() => {});
    return kept;
  }
  const [{ evaluateBuildConfiguration }, { withPython }] = await Promise.all([import("../config/configuration.js"), import("../python/index.js")]);
  return withPython(() => evaluateBuildConfiguration({ topdir, vars: opts.vars, layersOnly, prune: true }));
}
