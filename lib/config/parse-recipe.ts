// Parsing one recipe file (all its BBCLASSEXTEND variants) into RecipeInfo records, on top of a
// configuration. This runs in parse workers; the configuration is loaded once per worker.
import type { MetadataFiles } from "../evaluate/index.js";
import { parseRecipeVariants, type Metadata } from "../evaluate/index.js";
import { recipeInfo, type RecipeInfo } from "./recipe-info.js";

export interface RecipeParseResult {
  readonly file: string;
  readonly infos: readonly RecipeInfo[];
  /** Every file read or looked for while parsing, configuration included: the cache's key inputs. */
  readonly inputs: readonly string[];
}

export function parseRecipeFile(
  config: Metadata,
  files: MetadataFiles,
  file: string,
  appends: readonly string[],
  layerPriority: number,
): RecipeParseResult {
  const variants = parseRecipeVariants(config, file, appends, files);
  const inputs = new Set<string>(appends);
  for (const v of variants) for (const f of v.metadata.files) inputs.add(f);
  return {
    file,
    infos: variants.map((v) => recipeInfo(v, file, layerPriority)),
    inputs: [...inputs].sort(),
  };
}
