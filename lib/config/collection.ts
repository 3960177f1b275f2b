// Which recipe files and bbappends a build sees: BBFILES globs, BBMASK, and bbappend matching.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, sep } from "node:path";
import { Globber, pathKind, type Kind } from "./glob.js";
import { FileHashes } from "./parse-cache.js";
import type { DataStore } from "../data/index.js";
import { ConfigurationError } from "./errors.js";
import { layerMatcher, type Layer } from "./layers.js";
import { matchesStart, orderedPatterns } from "../evaluate/layer-patterns.js";

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

/** Bump when what keptIn holds changes shape, or the rule that gives a recipe its layer (2: BitBake's pattern order). */
const KEPT_FORMAT = 2;

/** A collection as collectRecipes keeps it between runs (see `keptIn`). */
interface KeptCollection {
  readonly format: number;
  /** BBFILES, BBMASK, the directory relative patterns start from, and the layers' names, patterns and priorities. */
  readonly key: string;
  /** What the expansion of BBFILES depended on (Globber.observed). */
  readonly dirs: readonly (readonly [dir: string, stamp: string | null])[];
  readonly kinds: readonly (readonly [path: string, kind: Kind])[];
  /** Each recipe, its layer by index in the layers of the key (-1: none). */
  readonly recipes: readonly (readonly [path: string, pn: string, pv: string | null, layer: number])[];
  readonly appends: readonly (readonly [recipe: string, appends: readonly string[]])[];
  readonly dangling: readonly string[];
  readonly masked: readonly string[];
}

/**
 * A directory whose stamp is this recent (ns) is not vouched for: on a file system whose
 * timestamps are coarser than its changes, an entry added in the same tick leaves the stamp as it
 * was (git's "racily clean" index entries).
 */
const RACY_NS = 2_000_000_000n;

/**
 * The recipe files and bbappends BBFILES names. With `keptIn`, a file the collection is kept in
 * between runs: while every directory the patterns listed has the stamp it had before it was
 * listed (an entry added, removed or renamed changes its directory's) and every path whose kind
 * was looked at is of the same kind, the patterns give the same files, and the kept collection is
 * taken without listing anything: a warm `bake -p` of 2,000 recipes spent 30-40 ms of processor
 * time listing and matching them, against a stat of each of the 70 directories.
 */
export function collectRecipes(d: DataStore, layers: readonly Layer[], keptIn: string | null = null): RecipeCollection {
  const patterns = (d.getVar("BBFILES") ?? "").split(/\s+/).filter(Boolean);
  if (patterns.length === 0) throw new ConfigurationError("BBFILES is empty: no layer adds recipes");
  const maskList = masks(d);
  const cwd = d.getVar("TOPDIR") ?? process.cwd();
  const key = JSON.stringify([patterns, d.getVar("BBMASK") ?? "", cwd, layers.map((l) => [l.name, l.pattern, l.priority])]);
  if (keptIn !== null) {
    const kept = keptCollection(keptIn, key, layers);
    if (kept !== null) return kept;
  }
  const seen = new Set<string>();
  const recipes: RecipeFile[] = [];
  const appendFiles: string[] = [];
  const masked: string[] = [];
  const globber = new Globber(cwd, keptIn !== null);
  const layerOf = layerMatcher(layers);
  // As the cooker's collect_bbfiles: BBFILES sorted by the priority of the layer whose pattern
  // matches each entry's text, lowest first (a stable sort), which is the order bbappends apply in.
  const priorityOf = (pattern: string) => layerOf(pattern)?.priority ?? 0;
  const prioritized = patterns.map((p) => [p, priorityOf(p)] as const).sort((a, b) => a[1] - b[1]);
  for (const [pattern] of prioritized) {
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
  const collection = { recipes, appends, dangling: appendFiles.filter((a) => !used.has(a)), masked };
  if (keptIn !== null) keepCollection(keptIn, key, layers, globber, collection);
  return collection;
}

/** The collection kept in `file` when it was made with `key` and nothing it depended on changed; else null. */
function keptCollection(file: string, key: string, layers: readonly Layer[]): RecipeCollection | null {
  let kept: KeptCollection;
  try {
    // JSON: v8.deserialize took 13 ms for the 2,000 recipes' paths, JSON.parse 2-4 ms.
    kept = JSON.parse(readFileSync(file, "utf8")) as KeptCollection;
  } catch {
    return null;
  }
  if (typeof kept !== "object" || kept === null || kept.format !== KEPT_FORMAT || kept.key !== key) return null;
  const hashes = new FileHashes();
  for (const [dir, stamp] of kept.dirs) if (hashes.stamp(dir) !== stamp) return null;
  for (const [path, kind] of kept.kinds) if (pathKind(path) !== kind) return null;
  return {
    recipes: kept.recipes.map(([path, pn, pv, index]) => {
      const layer = layers[index] ?? null;
      return { path, pn, pv, layer, priority: layer?.priority ?? 0 };
    }),
    appends: new Map(kept.appends.map(([recipe, list]) => [recipe, [...list]])),
    dangling: [...kept.dangling],
    masked: [...kept.masked],
  };
}

/** Writes the collection for the next run, unless a directory it listed changed too recently to vouch for it. */
function keepCollection(file: string, key: string, layers: readonly Layer[], globber: Globber, collection: RecipeCollection): void {
  const { dirs, kinds } = globber.observed();
  const now = BigInt(Date.now()) * 1_000_000n;
  for (const [, stamp] of dirs) if (stamp !== null && now - BigInt(stamp.slice(0, stamp.indexOf(":"))) < RACY_NS) return;
  const kept: KeptCollection = {
    format: KEPT_FORMAT,
    key,
    dirs,
    kinds,
    recipes: collection.recipes.map((r) => [r.path, r.pn, r.pv, r.layer === null ? -1 : layers.indexOf(r.layer)]),
    appends: [...collection.appends],
    dangling: collection.dangling,
    masked: collection.masked,
  };
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(kept));
    renameSync(tmp, file);
  } catch {
    // A read-only build directory: listed again next time.
  }
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

/**
 * BitBake's collection_priorities check: a layer whose BBFILE_PATTERN gave its layer to no recipe
 * with a target (`targetFiles`: not every record skipped) is warned about, unless it matches a
 * bbappend, or a recipe file no other such pattern matches (a skipped recipe, one whose layer a
 * pattern tried earlier took), or BBFILE_PATTERN_IGNORE_EMPTY_<name> is "1". Of nested layers, the
 * inner one is warned about when the outer pattern takes all its files.
 */
export function unmatchedPatternWarnings(d: DataStore, layers: readonly Layer[], collection: RecipeCollection, targetFiles: ReadonlySet<string>): string[] {
  const ordered = orderedPatterns(layers);
  // A recipe's layer is the first of `ordered` to match it (layerMatcher): its pattern is that layer's.
  const patternOf = new Map(ordered.map((p) => [p.layer, p]));
  const unmatched = new Set(ordered.map((p) => p.key));
  const matchedPatterns: RegExp[] = [];
  const matched = new Set<string>();
  for (const recipe of collection.recipes) {
    const p = recipe.layer === null || !targetFiles.has(recipe.path) ? undefined : patternOf.get(recipe.layer);
    if (p === undefined) continue;
    if (unmatched.delete(p.key)) matchedPatterns.push(p.re!);
    matched.add(recipe.path);
  }
  if (unmatched.size > 0) {
    const seen = new Set<string>();
    for (const list of collection.appends.values()) for (const a of list) seen.add(a);
    for (const a of collection.dangling) seen.add(a);
    for (const recipe of collection.recipes) seen.add(recipe.path);
    for (const path of matched) seen.delete(path);
    for (const p of ordered) {
      if (p.re === null || !unmatched.has(p.key)) continue;
      for (const path of seen) {
        if (matchesStart(p.re, path) && !matchedPatterns.some((re) => matchesStart(re, path))) {
          unmatched.delete(p.key);
          break;
        }
      }
    }
  }
  return ordered
    .filter((p) => unmatched.has(p.key) && d.getVar(`BBFILE_PATTERN_IGNORE_EMPTY_${p.layer.name}`) !== "1")
    .map((p) => `No bb files in default matched BBFILE_PATTERN_${p.layer.name} '${p.layer.pattern}'`);
}
