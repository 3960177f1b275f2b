// From metadata files to finalised datastores: the configuration, then one recipe at a time.
import { DataStore, SkipRecipe } from "../data/index.js";
import { ParseError } from "../parse/index.js";
import { MetadataFiles, which } from "./files.js";
import { finalize } from "./finalize.js";
import { evaluateFile, inherit, type Evaluator } from "./statements.js";
import { Metadata } from "./state.js";
import { finalTasks, type TaskEntry } from "./tasks.js";

export { Metadata, type ClassType } from "./state.js";
export { MetadataFiles, which } from "./files.js";
export { PythonNotSupported } from "./finalize.js";
export { finalTasks, taskName, type TaskEntry } from "./tasks.js";
export { evaluateFile, type Evaluator } from "./statements.js";

export interface ConfigurationOptions {
  /** Variables set before any file is read (BBPATH, TOPDIR, …). */
  readonly vars?: Readonly<Record<string, string>>;
  /** Configuration files, absolute or found along BBPATH, read in order. */
  readonly confFiles: readonly string[];
  readonly files?: MetadataFiles;
}

/**
 * The global configuration: the configuration files, then `base` and every class in INHERIT, as
 * BitBake's cookerdata does once per build.
 */
export function loadConfiguration(opts: ConfigurationOptions): Metadata {
  const ev: Evaluator = { files: opts.files ?? new MetadataFiles() };
  const m = new Metadata(new DataStore(), "global");
  for (const [name, value] of Object.entries(opts.vars ?? {})) m.d.setVar(name, value);
  for (const conf of opts.confFiles) {
    const { found } = which(m.d.getVar("BBPATH") ?? "", conf);
    if (found === null) throw new ParseError(`configuration file ${conf} not found along BBPATH`, null);
    evaluateFile(found, m, ev, true);
  }
  inheritConfigurationClasses(m, ev.files);
  return m;
}

/** The classes every recipe gets from the configuration: `base`, then each of INHERIT. */
export function inheritConfigurationClasses(m: Metadata, files: MetadataFiles): void {
  const here = { file: "configuration INHERITs", line: 0, column: 0 };
  for (const cls of ["base", ...(m.d.getVar("INHERIT") ?? "").split(/\s+/).filter(Boolean)]) {
    inherit(cls, here, m, { files }, false);
  }
}

export interface ParsedRecipe {
  readonly metadata: Metadata;
  /** Why the recipe is skipped (SkipRecipe from an anonymous function), or null. */
  readonly skipped: string | null;
  readonly tasks: readonly TaskEntry[];
}

/** One recipe on top of the configuration: the recipe, its bbappends in order, then finalisation. */
export function parseRecipe(
  config: Metadata,
  recipe: string,
  appends: readonly string[],
  files: MetadataFiles = new MetadataFiles(),
): ParsedRecipe {
  const ev: Evaluator = { files };
  const m = config.copy();
  m.classType = "recipe";
  try {
    evaluateFile(recipe, m, ev, false);
    for (const append of appends) evaluateFile(append, m, ev, true);
    finalize(m, ev);
  } catch (err) {
    if (err instanceof SkipRecipe) return { metadata: m, skipped: err.message, tasks: [] };
    throw err;
  }
  return { metadata: m, skipped: null, tasks: finalTasks(m) };
}
