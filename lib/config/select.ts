// Choosing the file of a recipe named on the command line, before any recipe is parsed: by the name
// in its file name, PREFERRED_VERSION_<pn> (with `%` as a wildcard), layer priority, then version.
import type { DataStore } from "../data/index.js";
import type { RecipeCollection, RecipeFile } from "./collection.js";
import { ConfigurationError } from "./errors.js";
import { compareVersionStrings } from "./version.js";

function matchesPreferred(pv: string | null, preferred: string): boolean {
  if (pv === null) return false;
  const percent = preferred.indexOf("%");
  return percent < 0 ? pv === preferred : pv.startsWith(preferred.slice(0, percent));
}

export function recipeFilesNamed(collection: RecipeCollection, pn: string): RecipeFile[] {
  return collection.recipes.filter((r) => r.pn === pn);
}

export function selectRecipeFile(collection: RecipeCollection, d: DataStore, pn: string): RecipeFile {
  const candidates = recipeFilesNamed(collection, pn);
  if (candidates.length === 0) {
    throw new ConfigurationError(`no recipe named ${pn} (no ${pn}_*.bb or ${pn}.bb file in BBFILES)`);
  }
  const preferred = d.getVar(`PREFERRED_VERSION_${pn}`);
  const pool = preferred ? candidates.filter((r) => matchesPreferred(r.pv, preferred)) : candidates;
  if (pool.length === 0) {
    throw new ConfigurationError(
      `PREFERRED_VERSION_${pn} is "${preferred}", but the versions available are ${candidates.map((r) => r.pv ?? "(none)").join(", ")}`,
    );
  }
  return [...pool].sort((a, b) => b.priority - a.priority || compareVersionStrings(b.pv ?? "", a.pv ?? ""))[0]!;
}
