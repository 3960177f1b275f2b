// From metadata files to finalised datastores: the configuration, then one recipe at a time.
import { DataStore, SkipRecipe } from "../data/index.js";
import { ParseError } from "../parse/index.js";
import { MetadataFiles, which } from "./files.js";
import { finalize } from "./finalize.js";
import { evaluateFile, inherit, type Evaluator } from "./statements.js";
import { Metadata } from "./state.js";
import { finalTasks, type TaskEntry } from "./tasks.js";
import { firstMatching, orderedPatterns, type LayerPattern, type OrderedPattern } from "./layer-patterns.js";

export { Metadata, type ClassType, type IncludeNode, type MetadataSnapshot } from "./state.js";
export { MetadataFiles, which } from "./files.js";
export { expandConfiguration, PythonNotSupported } from "./finalize.js";
export { finalTasks, taskName, type TaskEntry } from "./tasks.js";
export { evaluateFile, type Evaluator } from "./statements.js";
export { layerLanguages, type LayerLanguage } from "./language.js";

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
  setConfigurationIncluded(m);
  return m;
}

/**
 * BitBake's BBINCLUDED for the configuration (cookerdata, once its files and INHERITs are read):
 * every file it included, and every path looked at for one before it, in the order they were
 * looked at, then any a `${@...}` marked (bb.parse.mark_dependency).
 */
export function setConfigurationIncluded(m: Metadata): void {
  m.d.setVar("BBINCLUDED", includedList([...m.files], m));
}

function includedList(files: readonly string[], m: Metadata, base = ""): string {
  const seen = new Set(files);
  const list = [...files];
  for (const f of (m.d.getVar("__depends", false) ?? "").split(" ")) {
    if (f !== "" && !seen.has(f)) {
      seen.add(f);
      list.push(f);
    }
  }
  const own = list.join(" ");
  return base === "" ? own : own === "" ? base : `${base} ${own}`;
}

/**
 * BitBake's FILE_LAYERNAME: the collection whose BBFILE_PATTERN matches the recipe file, the
 * patterns tried in the cooker's order (see orderedPatterns; the layer priority comes from the same
 * match). Null when none matches. Ordered once per configuration.
 */
const layerPatterns = new WeakMap<DataStore, OrderedPattern<LayerPattern>[]>();
export function recipeLayerName(config: DataStore, file: string): string | null {
  let patterns = layerPatterns.get(config);
  if (patterns === undefined) {
    const names = (config.getVar("BBFILE_COLLECTIONS") ?? "").split(/\s+/).filter(Boolean);
    patterns = orderedPatterns(names.map((name) => ({ name, pattern: config.getVar(`BBFILE_PATTERN_${name}`) ?? "" })));
    layerPatterns.set(config, patterns);
  }
  return firstMatching(patterns, file)?.layer.name ?? null;
}

/** The classes every recipe gets from the configuration: `base`, then each of INHERIT. */
export function inheritConfigurationClasses(m: Metadata, files: MetadataFiles): void {
  const here = { file: "configuration INHERITs", line: 0, column: 0 };
  for (const cls of ["base", ...(m.d.getVar("INHERIT") ?? "").split(/\s+/).filter(Boolean)]) {
    inherit(cls, here, m, { files }, false);
  }
}

export interface ParsedRecipe {
  /** "" for the recipe itself, else the BBCLASSEXTEND entry (`native`, `cross`, `multilib:lib32`…). */
  readonly variant: string;
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
  return parseRecipeVariants(config, recipe, appends, files, [""])[0]!;
}

function finalized(variant: string, m: Metadata, ev: Evaluator, baseIncluded: string): ParsedRecipe {
  try {
    finalize(m, ev, () => includedList([...(m.included ?? [])], m, baseIncluded));
  } catch (err) {
    if (err instanceof SkipRecipe) return { variant, metadata: m, skipped: err.message, tasks: [] };
    throw err;
  }
  return { variant, metadata: m, skipped: null, tasks: finalTasks(m) };
}

/**
 * A recipe and its BBCLASSEXTEND variants, as BitBake's multi_finalize: each variant starts from the
 * recipe as read (before finalisation), gets PN-<variant> (or, for `class:variant` entries,
 * BBEXTENDCURR/BBEXTENDVARIANT) and a deferred inherit of the variant's class, then is finalised.
 * `only` limits which variants are finalised ("" is the recipe itself); `history: false` records
 * only where each variable was last set, not every operation (for parses nobody shows with -e).
 */
export function parseRecipeVariants(
  config: Metadata,
  recipe: string,
  appends: readonly string[],
  files: MetadataFiles = new MetadataFiles(),
  only: readonly string[] | null = null,
  opts: { readonly history?: boolean; readonly exact?: boolean } = {},
): ParsedRecipe[] {
  const ev: Evaluator = { files };
  const m = config.copy();
  m.classType = "recipe";
  // Parsing for the recipe index keeps no history (only where each variable was last set).
  if (opts.history === false) m.d.disableTracking();
  // BBINCLUDED is the configuration's list, then what the recipe's own parse included.
  const baseIncluded = config.d.getVar("BBINCLUDED", false) ?? "";
  m.included = new Set();
  // As the cooker's parse does, before the recipe is read: the layer's name, or None (null) for a
  // file no layer's pattern matches, which hides bitbake.conf's `??= "config"` (`${FILE_LAYERNAME}`
  // then stays unexpanded, as in BitBake). Variants have their recipe file's, as in a BitBake build.
  m.d.setVar("FILE_LAYERNAME", recipeLayerName(config.d, recipe), { file: recipe, line: 0, op: "set (the layer whose BBFILE_PATTERN matches)" });
  try {
    evaluateFile(recipe, m, ev, false);
    for (const append of appends) evaluateFile(append, m, ev, true);
  } catch (err) {
    if (err instanceof SkipRecipe) return [{ variant: "", metadata: m, skipped: err.message, tasks: [] }];
    throw err;
  }
  // BitBake takes the variants from the finalised recipe's BBCLASSEXTEND (a deferred inherit or an
  // anonymous function can set it) and gives the variants that value. It is almost always the value
  // as read: the variants are made from that, then the recipe is finalised as they were (what it costs
  // is unchanged); when finalising changed it, the file is parsed again the exact way (`exact`): the
  // recipe finalised on a copy first, the variants from its value. A parse of variants without the
  // recipe itself (`only`: a build worker's, -e's of a variant) has no finalised recipe to check the
  // value against, so it is always the exact way, as BitBake's (which finalises the recipe whatever
  // __ONLYFINALISE asks for): a variant the finalised value does not name is not made.
  const before = m.d.getVar("BBCLASSEXTEND") ?? "";
  const wantedVariants = only?.filter((v) => v !== "") ?? null;
  const baseWanted = only === null || only.includes("");
  const pn = m.d.getVar("PN") ?? "";
  const variant = (ext: string, v: Metadata): ParsedRecipe => {
    const [cls, variantName] = ext.split(":", 2) as [string, string | undefined];
    if (variantName !== undefined) {
      v.d.setVar("BBEXTENDCURR", cls);
      v.d.setVar("BBEXTENDVARIANT", variantName);
    } else {
      v.d.setVar("PN", `${pn}-${ext}`);
    }
    v.deferred.push({ classes: cls, loc: { file: recipe, line: 0, column: 0 } });
    return finalized(ext, v, ev, baseIncluded);
  };
  if (opts.exact !== true && baseWanted && (wantedVariants ?? []).every((v) => words(before).includes(v))) {
    const variants = (wantedVariants ?? words(before)).map((ext) => variant(ext, m.copy()));
    const base = finalized("", m, ev, baseIncluded);
    if ((base.metadata.d.getVar("BBCLASSEXTEND") ?? "") === before || wantedVariants?.length === 0) return [base, ...variants];
    return parseRecipeVariants(config, recipe, appends, files, only, { ...opts, exact: true });
  }
  const base = finalized("", m.copy(), ev, baseIncluded);
  const after = base.metadata.d.getVar("BBCLASSEXTEND") ?? "";
  const extended = wantedVariants === null ? words(after) : wantedVariants.filter((v) => words(after).includes(v));
  if (extended.length > 0 && after !== before) m.d.setVar("BBCLASSEXTEND", after, { file: "ast.py", line: 625, parsing: false });
  // The last variant takes the recipe as read itself rather than a copy.
  const variants = extended.map((ext, i) => variant(ext, i === extended.length - 1 ? m : m.copy()));
  return [...(baseWanted ? [base] : []), ...variants];
}

function words(s: string): string[] {
  return s.split(/\s+/).filter(Boolean);
}
