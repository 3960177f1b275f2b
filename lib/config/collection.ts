// Which recipe files and bbappends a build sees: BBFILES globs, BBMASK, and bbappend matching.
import { basename, sep } from "node:path";
import { Globber } from "./glob.js";
import type { DataStore } from "../data/index.js";
import { ConfigurationError } from "./errors.js";
import { layerMatcher, type Layer } from "./layers.js";

export interface RecipeFile {
  readonly path: string;
  /** PN and PV as the file name gives them (`PN_PV.bb`), before any parsing. */
  readonly pn: string;
  readonly pv: string | null;
  readonly layer: Layer | null;
  readonly priority: number;
}

export interface RecipeCollection {
  readonly recipes: readonly RecipeFile[];
  /** bbappends for each recipe path, in the order they apply. */
  readonly appends: ReadonlyMap<string, readonly string[]>;
  /** bbappends that apply to no recipe. */
  readonly dangling: readonly string[];
  readonly masked: readonly string[];
}

/**
 * The last component of a file's path: node's basename walks the path a character at a time,
 * and for the first few thousand calls of a run (every recipe and bbappend, once or twice) it
 * runs unoptimised, which made it a third of collecting 2,000 recipes.
 */
function fileName(path: string): string {
  return path.endsWith(sep) ? basename(path) : path.slice(path.lastIndexOf(sep) + 1);
}

/** A file name without its `.bb`/`.bbappend` extension. */
function stemOf(name: string): string {
  return name.endsWith(".bb") ? name.slice(0, -3) : name.endsWith(".bbappend") ? name.slice(0, -9) : name;
}

/** PN and PV from a recipe file name, as bb.parse.vars_from_file. */
export function namesFromFile(path: string): { pn: string; pv: string | null } {
  const stem = stemOf(fileName(path));
  const parts = stem.split("_");
  if (parts.length > 3) {
    throw new ConfigurationError(`recipe file name ${fileName(path)} has more than two underscores (PN_PV_PR.bb at most)`);
  }
  return { pn: parts[0]!, pv: parts[1] ?? null };
}

/** The recipe file name a bbappend names (`x_1.0.bbappend` names `x_1.0.bb`). */
function appendTarget(append: string): string {
  const name = fileName(append);
  return name.endsWith(".bbappend") ? name.slice(0, -".bbappend".length) + ".bb" : name;
}

/** A bbappend applies to a recipe of the same name, or, with `%`, to any whose name starts with the text before it. */
export function appendApplies(append: string, recipe: string): boolean {
  const name = appendTarget(append);
  const percent = name.indexOf("%");
  const recipeName = fileName(recipe);
  return percent < 0 ? name === recipeName : recipeName.startsWith(name.slice(0, percent));
}

function masks(d: DataStore): RegExp[] {
  return (d.getVar("BBMASK") ?? "")
    .split(/\s+/)
    .filter(Boolean)
    .map((m) => {
      try {
        return new RegExp(m);
      } catch (err) {
        throw new ConfigurationError(`BBMASK entry "${m}" is not a valid regular expression: ${(err as Error).message}`);
      }
    });
}

export function collectRecipes(d: DataStore, layers: readonly Layer[]): RecipeCollection {
  const patterns = (d.getVar("BBFILES") ?? "").split(/\s+/).filter(Boolean);
  if (patterns.length === 0) throw new ConfigurationError("BBFILES is empty: no layer adds recipes");
  const maskList = masks(d);
  const seen = new Set<string>();
  const recipes: RecipeFile[] = [];
  const appendFiles: string[] = [];
  const masked: string[] = [];
  const globber = new Globber(d.getVar("TOPDIR") ?? process.cwd());
  const layerOf = layerMatcher(layers);
  for (const pattern of patterns) {
    for (const path of globber.files(pattern).sort()) {
      if (seen.has(path)) continue;
      seen.add(path);
      if (maskList.length > 0 && maskList.some((re) => re.test(path))) {
        masked.push(path);
        continue;
      }
      if (path.endsWith(".bbappend")) {
        appendFiles.push(path);
      } else if (path.endsWith(".bb")) {
        const layer = layerOf(path);
        const { pn, pv } = namesFromFile(path);
        recipes.push({ path, pn, pv, layer, priority: layer?.priority ?? 0 });
      }
    }
  }
  const appends = new Map<string, string[]>();
  const used = new Set<string>();
  // bbappends indexed by the name they match (`x_1.0.bb`) or, with `%`, by the prefix before it,
  // so that each recipe looks up its own name and its name's prefixes (appendApplies' rule).
  const exact = new Map<string, number[]>();
  const byPrefix = new Map<string, number[]>();
  appendFiles.forEach((a, i) => {
    const name = appendTarget(a);
    const percent = name.indexOf("%");
    const [index, key] = percent < 0 ? [exact, name] : [byPrefix, name.slice(0, percent)];
    const list = index.get(key);
    if (list === undefined) index.set(key, [i]);
    else list.push(i);
  });
  // Only the lengths some `%` prefix has are worth slicing every recipe's name at.
  const prefixLengths = [...new Set([...byPrefix.keys()].map((k) => k.length))];
  for (const recipe of recipes) {
    const name = fileName(recipe.path);
    // Most recipes have no bbappend: nothing is allocated for those.
    let candidates: number[] | null = null;
    const own = exact.get(name);
    if (own !== undefined) candidates = [...own];
    for (const n of prefixLengths) {
      const matching = n <= name.length ? byPrefix.get(name.slice(0, n)) : undefined;
      if (matching !== undefined) (candidates ??= []).push(...matching);
    }
    if (candidates === null) continue;
    // In the order of appendFiles, as the plain filter over them gives.
    const list = candidates.sort((x, y) => x - y).map((i) => appendFiles[i]!);
    for (const a of list) used.add(a);
    appends.set(recipe.path, list);
  }
  return { recipes, appends, dangling: appendFiles.filter((a) => !used.has(a)), masked };
}

/** BitBake refuses a bbappend without a recipe, unless BB_DANGLINGAPPENDS_WARNONLY says to warn. */
export function checkDanglingAppends(d: DataStore, collection: RecipeCollection): string[] {
  if (collection.dangling.length === 0) return [];
  const list = collection.dangling.map((a) => `  ${a}`).join("\n");
  const warnOnly = ["1", "yes", "true"].includes((d.getVar("BB_DANGLINGAPPENDS_WARNONLY") ?? "").toLowerCase());
  const message = `no recipe matches these bbappend files:\n${list}`;
  if (!warnOnly) throw new ConfigurationError(`${message}\n(set BB_DANGLINGAPPENDS_WARNONLY = "1" to only warn)`);
  return [message];
}
