// The cooker's preparation, shared by every command that needs the recipes: configuration, layer
// checks, recipe collection, parsing (cached, in workers), the recipe index and provider preferences.
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { BuildConfiguration, CachedRecords, ParsedRecipes, ParseProgress, RecipeCollection, RecipeSummary } from "../config/index.js";
// The modules, not config/index.js, which loads the evaluator (see context.ts).
import { checkDanglingAppends, collectRecipes, unmatchedPatternWarnings } from "../config/collection.js";
import { FileHashes } from "../config/parse-cache.js";
import { parseAllRecipes, signRecipes, type Signatures } from "../config/recipes.js";
import type { ProviderPreferences, RecipeIndex } from "../graph/index.js";
import { loadConfiguration, type CommonOptions, type PythonStart } from "./context.js";

export interface Prepared {
  readonly config: BuildConfiguration;
  readonly collection: RecipeCollection;
  readonly recipes: ParsedRecipes;
  readonly index: RecipeIndex;
  readonly prefs: ProviderPreferences;
  readonly warnings: readonly string[];
}

export function threadsOf(config: BuildConfiguration, name: string): number {
  const value = Number(config.metadata.d.getVar(name) ?? "");
  return Number.isInteger(value) && value > 0 ? value : availableParallelism();
}

export function providerPreferences(config: BuildConfiguration): ProviderPreferences {
  const d = config.metadata.d;
  return {
    provider: (name) => d.getVar(`PREFERRED_PROVIDER_${name}`),
    version: (pn) => d.getVar(`PREFERRED_VERSION_${pn}`),
    rprovider: (name) => d.getVar(`PREFERRED_RPROVIDER_${name}`),
  };
}

/** Where parsed files keep their syntax trees between runs (`${CACHE}/syntax`), or null without a CACHE. */
export function syntaxDirOf(config: BuildConfiguration): string | null {
  const cacheRoot = config.metadata.d.getVar("CACHE");
  return cacheRoot ? join(cacheRoot, "syntax") : null;
}

/**
 * `read()`, which reads the configuration's values. A kept configuration whose values may run
 * Python (configuration-cache.ts) has started no interpreter in this thread: when they needed one,
 * `read()` fails (with nothing done: it only reads) and runs again once one is started. The Python
 * modules are loaded only then: a warm `bake -p` loads none.
 */
async function readingValues<T>(config: BuildConfiguration, read: () => T): Promise<T> {
  if (config.keptPython !== true) return read();
  try {
    return read();
  } catch {
    return (await import("../python/index.js")).withPython(read);
  }
}

/** Parses the recipes of `files` again with signature analysis where their records have none (see signRecipes). */
export type SignRecipes = (recipes: ParsedRecipes, files: ReadonlySet<string>, onProgress?: (p: ParseProgress) => void) => Promise<ParsedRecipes>;

/**
 * Everything of `prepare` but the recipe index; `records` says what is read of cached recipes (`bake -p` needs only their counts).
 * `python`: "lazy" for a caller that reads the configuration's values only inside `withPython` after this.
 * `signatures`: which records must carry basehashes (see ParseAllOptions); "none" for a command that reads none.
 */
export async function parseRecipes(
  common: CommonOptions,
  onProgress?: (p: ParseProgress) => void,
  records: CachedRecords = "infos",
  python: PythonStart | ((kept: BuildConfiguration) => PythonStart) = "eager",
  signatures: Signatures = "none",
): Promise<Omit<Prepared, "index"> & { readonly sign: SignRecipes }> {
  const config = await loadConfiguration(common, false, python);
  const d = config.metadata.d;
  const settings = () => {
    // Kept beside the configuration (see collectRecipes): a warm run lists no recipe directory.
    const collection = collectRecipes(d, config.layers, join(config.topdir, "cache", "collection.json"));
    const warnings = [...config.warnings, ...checkDanglingAppends(d, collection)];
    const cacheRoot = d.getVar("CACHE");
    return { collection, warnings, cacheRoot, threads: threadsOf(config, "BB_NUMBER_PARSE_THREADS"), syntaxDir: syntaxDirOf(config) };
  };
  const { collection, warnings, cacheRoot, threads, syntaxDir } = await readingValues(config, settings);
  const options = { vars: common.vars, threads, cacheDir: cacheRoot ? join(cacheRoot, "parse") : null, syntaxDir, hashes: new FileHashes() };
  const recipes = await parseAllRecipes(config, collection, { ...options, records, signatures, ...(onProgress ? { onProgress } : {}) });
  // As the cooker once the recipes are parsed (collection_priorities).
  warnings.push(...(await readingValues(config, () => unmatchedPatternWarnings(d, config.layers, collection, recipes.targetFiles))));
  const sign: SignRecipes = (parsed, files, progress) => signRecipes(config, collection, parsed, files, { ...options, ...(progress ? { onProgress: progress } : {}) });
  return { config, collection, recipes, prefs: providerPreferences(config), warnings, sign };
}

export async function prepare(common: CommonOptions, onProgress?: (p: ParseProgress) => void): Promise<Prepared> {
  const [parsed, { RecipeIndex }] = await Promise.all([parseRecipes(common, onProgress), import("../graph/index.js")]);
  return { ...parsed, index: new RecipeIndex(parsed.recipes.infos) };
}

/**
 * The recipe that provides `name`, chosen as a build would choose it, from the summaries of the
 * records alone: no task of any recipe is read. `python`: as for loadConfiguration (`-e` starts the
 * interpreter in the background: it parses the recipe next).
 */
export async function providerOf(
  common: CommonOptions,
  name: string,
  python: PythonStart | ((kept: BuildConfiguration) => PythonStart) = "lazy",
): Promise<{ prepared: Omit<Prepared, "index">; info: RecipeSummary }> {
  const [prepared, { RecipeIndex, buildProvider, NothingProvides }] = await Promise.all([parseRecipes(common, undefined, "summaries", python), import("../graph/index.js")]);
  const index = new RecipeIndex(prepared.recipes.summaries);
  // The preferences are the configuration's values (PREFERRED_PROVIDER_…), which may run Python.
  const info = await readingValues(prepared.config, () => buildProvider(index, name, prepared.prefs));
  if (info === null) throw new NothingProvides(name, false, [], index.skipReasons(name), index.closeMatches(name));
  return { prepared, info };
}
