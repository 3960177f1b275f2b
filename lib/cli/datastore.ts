// The datastore that `-e` and `getvar` show: the configuration's, a recipe file's (-b), or the
// recipe that provides a name, chosen as a build would choose it (all recipes parsed, from the cache).
import { resolve } from "node:path";
import { parseRecipe, parseRecipeVariants, type Metadata } from "../evaluate/index.js";
import { loadPython, withPython } from "../python/index.js";
import { loadConfiguration, type CommonOptions } from "./context.js";
import { providerOf, syntaxDirOf } from "./prepare.js";
import { codeGeneration, type BuildConfiguration } from "../config/index.js";
import { SyntaxTreeStore } from "../parse/index.js";
import { keepInlineAnalysesIn } from "../data/js-sandbox.js";

/**
 * The recipe shown is parsed with the trees a parse kept: no ANTLR parse when its files are
 * unchanged; and its inline expressions are analysed as they were before: no acorn parse.
 */
function keepTrees(config: BuildConfiguration): void {
  const dir = syntaxDirOf(config);
  if (dir === null) return;
  const store = new SyntaxTreeStore(dir, codeGeneration());
  config.files.keepTreesIn(store, true);
  keepInlineAnalysesIn(store.beside("inline-analyses.v8"));
}

export async function datastoreFor(common: CommonOptions, recipe: string | null, buildfile: string | null, quiet = false): Promise<Metadata> {
  const warn = (text: string) => quiet || console.error(text);
  if (recipe === null && buildfile === null) {
    const config = await loadConfiguration(common);
    for (const w of config.warnings) warn(`WARNING: ${w}`);
    return config.metadata;
  }
  if (buildfile !== null) {
    const config = await loadConfiguration(common);
    keepTrees(config);
    const parsed = await withPython(() => parseRecipe(config.metadata, resolve(common.cwd, buildfile), [], config.files));
    if (parsed.skipped !== null) warn(`NOTE: ${buildfile} is skipped: ${parsed.skipped}`);
    return parsed.metadata;
  }
  // The recipe's parse and the values shown need the interpreter of a configuration that runs Python.
  const { prepared, info } = await providerOf(common, recipe!, "background");
  for (const w of prepared.warnings) warn(`WARNING: ${w}`);
  const appends = prepared.collection.appends.get(info.file) ?? [];
  keepTrees(prepared.config);
  const [parsed] = await withPython(() =>
    parseRecipeVariants(prepared.config.metadata, info.file, appends, prepared.config.files, [info.variant]),
  );
  // Its values are shown expanded, outside withPython: an interpreter is there when they may need one
  // (a recipe parsed without Python on a kept BitBake-style configuration, whose interpreter is started lazily).
  if (prepared.config.keptPython === true) await loadPython();
  return parsed!.metadata;
}
