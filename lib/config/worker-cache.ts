// What a worker thread keeps between requests: the build configuration of one build directory and
// set of passed-through environment variables (loading it is what costs), and the recipe variants
// it parsed last. Parse workers, task workers and shared-state workers each hold one; a request
// for another configuration (another build directory, other variables) drops everything.
import { parseRecipeVariants, type ParsedRecipe } from "../evaluate/index.js";
import { loadBuildConfiguration, type BuildConfiguration } from "./configuration.js";

/** The configuration a worker loads: a build directory and the environment variables passed through. */
export interface ConfigurationRequest {
  readonly topdir: string;
  readonly vars: Readonly<Record<string, string>>;
}

/** One recipe variant on such a configuration. */
export interface RecipeRequest extends ConfigurationRequest {
  readonly recipeFile: string;
  /** "" or the BBCLASSEXTEND entry (`native`…). */
  readonly variant: string;
  readonly appends: readonly string[];
}

export class WorkerCache {
  private config: { readonly key: string; readonly value: BuildConfiguration } | null = null;
  /** Most recently used last: the first key is the one to drop. */
  private readonly recipes = new Map<string, ParsedRecipe>();

  constructor(private readonly recipesKept: number) {}

  configuration(req: ConfigurationRequest): BuildConfiguration {
    const key = JSON.stringify([req.topdir, Object.entries(req.vars).sort()]);
    if (this.config?.key !== key) {
      this.config = { key, value: loadBuildConfiguration({ topdir: req.topdir, vars: req.vars }) };
      this.recipes.clear();
    }
    return this.config.value;
  }

  recipe(req: RecipeRequest): ParsedRecipe {
    const conf = this.configuration(req);
    const key = JSON.stringify([req.recipeFile, req.variant, req.appends]);
    let parsed = this.recipes.get(key);
    if (parsed) this.recipes.delete(key);
    else {
      parsed = parseRecipeVariants(conf.metadata, req.recipeFile, req.appends, conf.files, [req.variant])[0];
      if (parsed === undefined) throw new Error(`${req.recipeFile} has no variant "${req.variant}"`);
      if (parsed.skipped !== null) throw new Error(`${req.recipeFile} is skipped: ${parsed.skipped}`);
    }
    this.recipes.set(key, parsed);
    if (this.recipes.size > this.recipesKept) this.recipes.delete(this.recipes.keys().next().value!);
    return parsed;
  }
}
