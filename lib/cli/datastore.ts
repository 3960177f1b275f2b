// The datastore that `-e` and `getvar` show: the configuration's, a recipe file's (-b), or the
// recipe that provides a name, chosen as a build would choose it (all recipes parsed, from the cache).
import { resolve } from "node:path";
import { expandConfiguration, parseRecipe, parseRecipeVariants, type Metadata } from "../evaluate/index.js";
import { journalAnswers, pythonLoaded, takeAnswers, useKeptAnswers, withPython } from "../python/index.js";
import { loadConfiguration, type CommonOptions } from "./context.js";
import { providerOf, syntaxDirOf } from "./prepare.js";
import { codeGeneration, type BuildConfiguration } from "../config/index.js";
import { InlineAnswerNotes, keptInlineAnswers, type InlineAnswers } from "../config/inline-answers.js";
import { parseCacheOf } from "../config/recipes.js";
import { SyntaxTreeStore } from "../parse/index.js";
import { keepInlineAnalysesIn } from "../data/js-sandbox.js";
import { takeJsMessages } from "../data/index.js";
import { keepBaselineJavaScript, optimiseJavaScript } from "../common/js-tiers.js";

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

/**
 * `${@...}` results an earlier run kept beside the parse cache (config/inline-answers.ts) for a
 * configuration kept between runs, or null: looked up once per process.
 */
let answers: { readonly config: BuildConfiguration; readonly kept: InlineAnswers | null; readonly cache: { dir: string; generation: string } | null } | null = null;

function answersFor(config: BuildConfiguration, vars: Readonly<Record<string, string>>): InlineAnswers | null {
  if (answers?.config !== config) answers = { config, ...lookUpAnswers(config, vars) };
  return answers.kept;
}

function lookUpAnswers(config: BuildConfiguration, vars: Readonly<Record<string, string>>): { kept: InlineAnswers | null; cache: { dir: string; generation: string } | null } {
  // A configuration evaluated in this run has started the interpreter already.
  if (config.kept !== true || config.keptPython !== true) return { kept: null, cache: null };
  let cacheRoot: string | null;
  try {
    cacheRoot = config.metadata.d.getVar("CACHE");
  } catch {
    // Its value needs the interpreter: so be it.
    return { kept: null, cache: null };
  }
  if (!cacheRoot) return { kept: null, cache: null };
  const cache = parseCacheOf(config, cacheRoot, vars);
  return { kept: keptInlineAnswers(cache.dir, cache.generation), cache };
}

/**
 * What `show` makes of the datastore `-e` and `getvar` show: the configuration's, a recipe file's
 * (`buildfile`), or that of the recipe providing `recipe`. `show` may run again (with the
 * interpreter, when it needed one that was not started): it must only read the datastore.
 */
export async function datastoreFor<T>(common: CommonOptions, recipe: string | null, buildfile: string | null, quiet: boolean, show: (m: Metadata) => T): Promise<Shown<T>> {
  // A query of a second or two: V8's optimising compiler would cost more than it gives back
  // (common/js-tiers.ts); a parse of recipes on the way asks for it again.
  keepBaselineJavaScript();
  try {
    return await datastoreOf(common, recipe, buildfile, quiet, show);
  } finally {
    optimiseJavaScript();
  }
}

/** What `show` made, and how many warnings were said on the way: BitBake's `-e` ends with their count. */
export interface Shown<T> {
  readonly value: T;
  readonly warnings: number;
}

async function datastoreOf<T>(common: CommonOptions, recipe: string | null, buildfile: string | null, quiet: boolean, show: (m: Metadata) => T): Promise<Shown<T>> {
  let warnings = 0;
  const warn = (text: string) => {
    if (quiet) return;
    if (text.startsWith("WARNING: ")) warnings++;
    console.error(text);
  };
  if (recipe === null && buildfile === null) {
    const config = await loadConfiguration(common);
    for (const w of config.warnings) warn(`WARNING: ${w}`);
    // Inside withPython: a value shown may need the interpreter where reading the configuration
    // did not (a `${@...}` only a variable's expansion runs), which otherwise failed on a first run.
    const value = await withPython(() => {
      // On a copy: the configuration may be kept for other runs.
      const m = config.metadata.copy();
      expandConfiguration(m);
      return show(m);
    });
    return { value, warnings };
  }
  if (buildfile !== null) {
    const config = await loadConfiguration(common);
    keepTrees(config);
    const parsed = await withPython(() => parseRecipe(config.metadata, resolve(common.cwd, buildfile), [], config.files));
    if (parsed.skipped !== null) warn(`NOTE: ${buildfile} is skipped: ${parsed.skipped}`);
    return { value: show(parsed.metadata), warnings };
  }
  // The recipe's parse and the values shown need the interpreter of a configuration that runs Python,
  // unless results kept by an earlier run answer every `${@...}` of them: it is started in the
  // background (while the parse cache is read) only when there are none.
  const { prepared, info } = await providerOf(common, recipe!, (kept) => (answersFor(kept, common.vars) !== null ? "lazy" : "background"));
  for (const w of prepared.warnings) warn(`WARNING: ${w}`);
  // As BitBake's: the warnings of the recipes parsed now (not from the cache), then those of the
  // recipe shown, parsed again (said without its file: BitBake's server parses it itself).
  for (const w of prepared.recipes.parseWarnings) warn(`WARNING: ${w}`);
  const appends = prepared.collection.appends.get(info.file) ?? [];
  keepTrees(prepared.config);
  const kept = answersFor(prepared.config, common.vars);
  if (kept !== null) useKeptAnswers(kept.answers, kept.analyses);
  journalAnswers(true);
  try {
    // Shown inside withPython: a value may need the interpreter where the parse did not (a recipe
    // parsed with kept results, or on a kept configuration whose interpreter is started lazily).
    const shown = await withPython(() => {
      takeJsMessages();
      const [parsed] = parseRecipeVariants(prepared.config.metadata, info.file, appends, prepared.config.files, [info.variant]);
      const said = takeJsMessages();
      for (const level of ["warn", "error"] as const) {
        for (const text of new Set(said.filter((m) => m.level === level).map((m) => m.text))) warn(`${level === "warn" ? "WARNING" : "ERROR"}: ${text}`);
      }
      if (parsed === undefined) throw new Error(`${info.file} has no variant "${info.variant}" (its finalised BBCLASSEXTEND does not name it)`);
      return show(parsed.metadata);
    });
    // What the interpreter answered now, kept for the next run.
    if (pythonLoaded() && answers?.config === prepared.config && answers.cache !== null) {
      const notes = new InlineAnswerNotes();
      notes.add(takeAnswers());
      notes.write(answers.cache.dir, answers.cache.generation);
    }
    return { value: shown, warnings };
  } finally {
    journalAnswers(false);
  }
}
