// Parsing one recipe file (all its BBCLASSEXTEND variants) into RecipeInfo records, on top of a
// configuration. This runs in parse workers; the configuration is loaded once per worker.
import type { MetadataFiles } from "../evaluate/index.js";
import { parseRecipeVariants, type Metadata } from "../evaluate/index.js";
import { takeJsMessages } from "../data/index.js";
import type { RecipeInfo } from "./recipe-info.js";
import { recipeInfo } from "./recipe-record.js";

export interface RecipeParseResult {
  readonly file: string;
  readonly infos: readonly RecipeInfo[];
  /**
   * Every file read or looked for while parsing, beyond those of the configuration (which the
   * cache checks once for all recipes): the cache's key inputs.
   */
  readonly inputs: readonly string[];
}

export function parseRecipeFile(
  config: Metadata,
  files: MetadataFiles,
  file: string,
  appends: readonly string[],
  layerPriority: number,
): RecipeParseResult {
  takeJsMessages();
  const variants = parseRecipeVariants(config, file, appends, files, null, { history: false });
  // Records first: computing basehashes expands values, and an inline function may read a file then.
  const records = variants.map((v) => recipeInfo(v, file, layerPriority));
  const said = [...new Set(takeJsMessages().filter((m) => m.level === "warn" || m.level === "error").map((m) => m.text))];
  const infos = said.length > 0 ? records.map((info) => ({ ...info, warnings: said })) : records;
  const inputs = new Set<string>(appends);
  for (const v of variants) {
    for (const f of v.metadata.files) if (!config.files.has(f)) inputs.add(f);
    // Files that inline functions read or looked for (bb.parse.mark_dependency).
    for (const f of (v.metadata.d.getVar("__depends", false) ?? "").split(" ")) if (f) inputs.add(f);
  }
  return { file, infos, inputs: [...inputs].sort() };
}
