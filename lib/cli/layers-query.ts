// bitbake-layers' queries (show-layers, show-recipes, show-appends, show-overlayed,
// show-cross-depends) over the parsed recipes and the layers' files, in its output formats and with
// its rules (a layer is named by its directory's basename; skipped recipes are guessed from their
// file names; classes and required files are looked up along BBPATH). Where BitBake's order depends
// on the order its parser threads finished, bake's is sorted, and show-cross-depends' lines BitBake
// repeats (once per BBCLASSEXTEND variant of a recipe) are written once.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { ConfigurationError, recipeId, type RecipeInfo } from "../config/index.js";
import { which } from "../evaluate/index.js";
import { bestOfPn, buildProvider, runtimeProvider, type ProviderPreferences, type RecipeIndex } from "../graph/index.js";

export interface LayerQuery {
  readonly infos: readonly RecipeInfo[];
  readonly index: RecipeIndex;
  readonly prefs: ProviderPreferences;
  /** BBLAYERS, in order. */
  readonly layerDirs: readonly string[];
  /** BBPATH: where classes and required files are found. */
  readonly bbpath: string;
  /** The classes of INHERIT: every recipe has them, so they are no dependency of one recipe. */
  readonly globalInherits: readonly string[];
}

/** The layer directory holding `file` (the longest BBLAYERS entry it is under: nested layers), or null. */
function layerDirOf(file: string, dirs: readonly string[]): string | null {
  let best: string | null = null;
  for (const d of dirs) if (file.startsWith(`${d}/`) && (best === null || d.length > best.length)) best = d;
  return best;
}

function layerName(file: string, dirs: readonly string[]): string {
  const dir = layerDirOf(file, dirs);
  return dir === null ? "?" : basename(dir);
}

/** bitbake-layers' remove_layer_prefix: the path from the layer directory's parent (`meta-x/recipes-…`). */
function shortPath(file: string, dirs: readonly string[]): string {
  const dir = layerDirOf(file, dirs);
  return dir === null ? file : file.slice(dirname(dir).length + 1);
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Candidate {
  readonly file: string;
  readonly pe: string | null;
  readonly pv: string;
  readonly pr: string | null;
  readonly skipped: string | null;
}

/** bitbake-layers' version_str: `[PE:]PV`. */
function versionText(c: Candidate): string {
  return c.pe ? `${c.pe}:${c.pv}` : c.pv;
}

/**
 * A skipped recipe as bitbake-layers guesses it, since a skipped recipe is not fully parsed: PN and
 * PV from the file name (`x_1.0.bb`), no PE or PR.
 */
function skippedCandidate(r: RecipeInfo): { pn: string; candidate: Candidate } {
  const parts = basename(r.file, extname(r.file)).split("_");
  return { pn: parts[0]!, candidate: { file: r.file, pe: null, pv: parts[1] ?? "unknown", pr: null, skipped: r.skipped } };
}

/** What bitbake-layers' list_recipes is asked for (show-recipes and show-overlayed are two uses of it). */
interface RecipeListing {
  /** Printed as `=== TITLE ===` before the first recipe listed. */
  readonly title: string;
  /** Recipe names (shell wildcards); empty: all. */
  readonly pnspec: readonly string[];
  /** Only recipes with versions in more than one layer. */
  readonly overlayedOnly: boolean;
  /** Only recipes whose versions are all the same. */
  readonly sameVersionOnly: boolean;
  /** File names, the preferred one first and the others indented under it. */
  readonly filenames: boolean;
  /** Recipe names only. */
  readonly recipesOnly: boolean;
  /** Only recipes with more than one file (in one layer or several). */
  readonly multipleOnly: boolean;
  /** Only lines of this layer (directory name). */
  readonly layer: string | null;
  /** No "(skipped: …)" after skipped recipes. */
  readonly bare: boolean;
  /** Only recipes that inherit all of these classes (INHERIT's do not count). */
  readonly inherits: readonly string[];
}

function listRecipes(q: LayerQuery, o: RecipeListing): string[] {
  const parsedByPn = new Map<string, RecipeInfo[]>();
  const skippedByPn = new Map<string, Candidate[]>();
  const parsedDefault = new Map<string, RecipeInfo>();
  for (const r of q.infos) {
    if (r.skipped === null) {
      push(parsedByPn, r.pn, r);
      if (r.variant === "") parsedDefault.set(r.file, r);
      continue;
    }
    const { pn, candidate } = skippedCandidate(r);
    if (!(skippedByPn.get(pn) ?? []).some((c) => c.file === r.file)) push(skippedByPn, pn, candidate);
  }
  const patterns = o.pnspec.map(globPattern);
  const out: string[] = [];
  const listedFiles = new Set<string>();
  const namesShown = new Set<string>();
  for (const pn of [...new Set([...parsedByPn.keys(), ...skippedByPn.keys()])].sort(byCodePoint)) {
    if (patterns.length > 0 && !patterns.some((p) => p.test(pn))) continue;
    const parsed = parsedByPn.get(pn) ?? [];
    const preferredInfo = bestOfPn(parsed, q.prefs);
    // A BBCLASSEXTEND variant is listed under its recipe's own name, unless only the variant parsed.
    if (preferredInfo !== null && preferredInfo.variant !== "" && parsedDefault.has(preferredInfo.file)) continue;
    const ordered = [...parsed].sort((a, b) => (a === preferredInfo ? -1 : b === preferredInfo ? 1 : b.layerPriority - a.layerPriority));
    const all: Candidate[] = [];
    for (const r of ordered) {
      if (!all.some((c) => c.file === r.file)) all.push({ file: r.file, pe: r.pe, pv: r.pv, pr: r.pr, skipped: null });
    }
    for (const c of skippedByPn.get(pn) ?? []) if (!all.some((x) => x.file === c.file)) all.push(c);
    const preferred = all[0]!;
    if ((o.multipleOnly && all.length < 2) || listedFiles.has(preferred.file)) continue;
    if (o.inherits.length > 0) {
      const own = (parsedDefault.get(preferred.file)?.inherits ?? []).map((c) => basename(c, ".bbclass")).filter((c) => !q.globalInherits.includes(c));
      if (!o.inherits.every((c) => own.includes(c))) continue;
    }
    const prefLayer = layerName(preferred.file, q.layerDirs);
    const multilayer = all.some((c) => layerName(c.file, q.layerDirs) !== prefLayer);
    const sameVersion = all.every((c) => c.pe === preferred.pe && c.pv === preferred.pv && c.pr === preferred.pr);
    if ((o.overlayedOnly && !multilayer) || (o.sameVersionOnly && !sameVersion)) continue;
    if (out.length === 0) out.push(`=== ${o.title} ===`);
    const item = (c: Candidate, isPreferred: boolean) => {
      const layer = layerName(c.file, q.layerDirs);
      if (o.layer !== null && layer !== o.layer) return;
      const skipped = !o.bare && c.skipped !== null ? ` (skipped: ${c.skipped})` : "";
      if (o.filenames) out.push(`${isPreferred ? "" : "  "}${c.file}${skipped}`);
      else if (o.recipesOnly) {
        if (!namesShown.has(pn)) out.push(`${pn}${skipped}`);
        namesShown.add(pn);
      } else {
        if (isPreferred) out.push(`${pn}:`);
        out.push(`  ${layer.padEnd(20)} ${versionText(c)}${skipped}`);
      }
    };
    all.forEach((c, i) => item(c, i === 0));
    listedFiles.add(preferred.file);
  }
  return out;
}

/** fnmatch's shell wildcards (`*`, `?`, `[…]`) as a regular expression for the whole name. */
function globPattern(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[" && glob.indexOf("]", i + 2) > 0) {
      const end = glob.indexOf("]", i + 2);
      const body = glob.slice(i + 1, end);
      re += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`;
      i = end;
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "s");
}

export interface OverlayedOptions {
  /** -s: only recipes whose versions are all the same. */
  readonly sameVersion: boolean;
  /** -f: file names, the preferred one first and the others indented under it. */
  readonly filenames: boolean;
}

/** show-overlayed: recipes (skipped ones too) and classes found in more than one layer, the preferred first. */
export function showOverlayed(q: LayerQuery, o: OverlayedOptions): string[] {
  const recipes = listRecipes(q, {
    title: "Overlayed recipes", pnspec: [], overlayedOnly: true, sameVersionOnly: o.sameVersion, filenames: o.filenames,
    recipesOnly: false, multipleOnly: true, layer: null, bare: false, inherits: [],
  });
  const out = [...recipes, ...overlayedClasses(q, o.filenames)];
  return out.length > 0 ? out : ["No overlayed files found."];
}

export interface ShowRecipesOptions {
  readonly pnspec: readonly string[];
  /** -f */
  readonly filenames: boolean;
  /** -r */
  readonly recipesOnly: boolean;
  /** -m */
  readonly multiple: boolean;
  /** -i: class names. */
  readonly inherits: readonly string[];
  /** -l: a layer's directory name. */
  readonly layer: string | null;
  /** -b */
  readonly bare: boolean;
}

/** show-recipes: every recipe (skipped ones too) with its versions in each layer, the preferred first. */
export function showRecipes(q: LayerQuery, o: ShowRecipesOptions): string[] {
  for (const c of o.inherits) {
    if (!CLASS_DIRS.some((kind) => which(q.bbpath, join(kind, `${c}.bbclass`)).found !== null)) throw new ConfigurationError(`No class named ${c} found in BBPATH`);
  }
  const matching = o.inherits.length > 0 || o.pnspec.length > 0 || o.multiple;
  return listRecipes(q, {
    title: matching ? "Matching recipes:" : "Available recipes:", pnspec: o.pnspec, overlayedOnly: false, sameVersionOnly: false,
    filenames: o.filenames, recipesOnly: o.recipesOnly, multipleOnly: o.multiple, layer: o.layer, bare: o.bare, inherits: o.inherits,
  });
}

/**
 * show-appends: for each recipe file (by name) the bbappends applied to it, then the skipped ones';
 * `warnings`: a preferred version that misses an append its other versions have.
 */
export function showAppends(q: LayerQuery, appends: ReadonlyMap<string, readonly string[]>, pnspec: readonly string[]): { lines: string[]; warnings: string[] } {
  const lines = [pnspec.length > 0 ? "=== Matched appended recipes ===" : "=== Appended recipes ==="];
  const warnings: string[] = [];
  const patterns = pnspec.map(globPattern);
  const parsed = q.infos.filter((r) => r.skipped === null);
  const listed = (files: readonly string[], suffix: string) => {
    const missing: string[] = [];
    let any = false;
    for (const file of files) {
      const list = appends.get(file) ?? [];
      if (list.length === 0) {
        missing.push(basename(file));
        continue;
      }
      any = true;
      lines.push(`${basename(file)}${suffix}:`, ...list.map((a) => `  ${a}`));
    }
    return { any, missing };
  };
  let appended = false;
  for (const pn of [...new Set(parsed.map((r) => r.pn))].sort(byCodePoint)) {
    if (patterns.length > 0 && !patterns.some((p) => p.test(pn))) continue;
    const files = [...new Set(parsed.filter((r) => r.pn === pn && r.variant === "").map((r) => r.file))];
    const { any, missing } = listed(files, "");
    if (!any) continue;
    appended = true;
    const best = buildProvider(q.index, pn, q.prefs);
    if (best !== null && missing.includes(basename(best.file))) warnings.push(`${basename(best.file)}: missing append for preferred version`);
  }
  if (patterns.length === 0) {
    const skipped = [...new Set(q.infos.filter((r) => r.skipped !== null).map((r) => r.file))];
    if (listed(skipped, " (skipped)").any) appended = true;
  }
  if (!appended) lines.push("No append files found");
  return { lines, warnings };
}

/** show-layers: each collection with its directory and priority, in bitbake-layers' columns. */
export function showLayers(layers: readonly { name: string; dir: string; priority: number }[]): string[] {
  return [
    `${"layer".padEnd(20)}  ${"path".padEnd(70)}  priority`,
    "=".repeat(104),
    ...layers.map((l) => `${l.name.padEnd(20)}  ${l.dir.padEnd(70)}  ${l.priority}`),
  ];
}

const CLASS_DIRS = ["classes-global", "classes-recipe", "classes"] as const;

/**
 * The classes part of show-overlayed: a class file name in more than one class directory of the
 * layers. The one in use is the first along BBPATH (looked up in each kind of class directory in
 * turn, as an inherit does), whatever the layers' priorities.
 */
function overlayedClasses(q: LayerQuery, filenames: boolean): string[] {
  const dirsOf = new Map<string, string[]>();
  for (const layer of q.layerDirs) {
    for (const kind of CLASS_DIRS) {
      const dir = join(layer, kind);
      if (!existsSync(dir)) continue;
      for (const file of readdirSync(dir).sort(byCodePoint)) if (extname(file) === ".bbclass") push(dirsOf, file, dir);
    }
  }
  const out: string[] = [];
  for (const [file, dirs] of dirsOf) {
    if (dirs.length < 2) continue;
    if (out.length === 0) out.push("=== Overlayed classes ===");
    const main = CLASS_DIRS.map((kind) => which(q.bbpath, join(kind, file)).found).find((f) => f !== null) ?? null;
    if (filenames) out.push(`${main ?? "?"}`);
    else out.push(`${file}:`, `  ${main === null ? "?" : layerName(main, q.layerDirs)}`);
    for (const dir of dirs) {
      const path = join(dir, file);
      if (path !== main) out.push(filenames ? `  ${path}` : `  ${basename(dirname(dir))}`);
    }
  }
  return out;
}

export interface CrossDependsOptions {
  /** -f: full paths instead of paths from the layers' parent directory. */
  readonly filenames: boolean;
  /** -i: layers (directory names) whose files are left out as what is depended on. */
  readonly ignore: readonly string[];
}

/**
 * show-cross-depends: each dependency of a recipe, class, include or machine configuration of one
 * layer on a file of another, as `FILE DEPENDS|RDEPENDS|RRECOMMENDS|inherits|requires|includes FILE`:
 * first for each recipe (its DEPENDS that name a recipe, the providers of its runtime dependencies,
 * the classes it inherits beyond INHERIT, the files its own lines require or include), then for the
 * .inc, .bbclass and conf/machine/*.conf files of each layer (their require, include and, in a
 * class, inherit lines).
 */
export function showCrossDepends(q: LayerQuery, o: CrossDependsOptions): string[] {
  const out: string[] = [];
  const name = (f: string) => (o.filenames ? f : shortPath(f, q.layerDirs));
  const cross = (file: string, layer: string, keyword: string, needed: string) => {
    const neededLayer = layerName(needed, q.layerDirs);
    if (neededLayer !== layer && !o.ignore.includes(neededLayer)) out.push(`${name(file)} ${keyword} ${name(needed)}`);
  };
  const pns = new Set(q.infos.filter((r) => r.skipped === null).map((r) => r.pn));
  // One entry per recipe file: BitBake reads every variant's dependencies from the file's own (default) variant.
  const byFile = new Map<string, RecipeInfo>();
  for (const r of q.infos) {
    if (r.skipped !== null) continue;
    const seen = byFile.get(r.file);
    if (seen === undefined || (seen.variant !== "" && r.variant === "")) byFile.set(r.file, r);
  }
  for (const file of [...byFile.keys()].sort(byCodePoint)) {
    const r = byFile.get(file)!;
    const layer = layerName(file, q.layerDirs);
    for (const dep of r.depends) {
      if (!pns.has(dep)) continue;
      const best = buildProvider(q.index, dep, q.prefs);
      if (best !== null) cross(file, layer, "DEPENDS", best.file);
    }
    const runtime = (field: "rdepends" | "rrecommends", keyword: string) => {
      for (const n of new Set(r.packages.flatMap((p) => r[field][p] ?? []))) {
        const all = q.index.rprovidersOf(n);
        if (all.length === 0 || all.some((x) => recipeId(x.file, x.variant) === file)) continue;
        const best = runtimeProvider(q.index, n, q.prefs);
        if (best !== null) cross(file, layer, keyword, best.file);
      }
    };
    runtime("rdepends", "RDEPENDS");
    runtime("rrecommends", "RRECOMMENDS");
    for (const cls of r.inherits) {
      if (!q.globalInherits.includes(basename(cls, ".bbclass"))) cross(file, layer, "inherits", cls);
    }
    for (const { keyword, needed } of requiredFiles(file, false)) {
      const found = which(q.bbpath, needed.replaceAll("${PV}", r.pv)).found;
      if (found !== null) cross(file, layer, keyword, found);
    }
  }
  for (const layerDir of q.layerDirs) {
    const layer = basename(layerDir);
    for (const file of layerFiles(layerDir)) {
      if (!/\/conf\/machine\/[^/]*\.conf$/.test(file) && !file.endsWith(".inc") && !file.endsWith(".bbclass")) continue;
      for (const { keyword, needed } of requiredFiles(file, file.endsWith(".bbclass"))) {
        const found = which(q.bbpath, needed).found;
        if (found !== null) cross(file, layer, keyword, found);
      }
    }
  }
  return [...new Set(out)];
}

/**
 * The `require X`, `include X` (and, in a class, `inherit X`, as `X.bbclass`) lines of a file, read
 * as bitbake-layers reads them: at the start of a line, the rest of the line taken as the name.
 */
function requiredFiles(file: string, withInherits: boolean): { keyword: string; needed: string }[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const found: { keyword: string; needed: string }[] = [];
  for (const line of text.split("\n")) {
    const m = /^require\s+(.+)/.exec(line) ?? /^include\s+(.+)/.exec(line);
    if (m) found.push({ keyword: line.startsWith("require") ? "requires" : "includes", needed: m[1]! });
    else if (withInherits) {
      const i = /^inherit\s+(.+)/.exec(line);
      if (i) found.push({ keyword: "inherits", needed: `${i[1]!}.bbclass` });
    }
  }
  return found;
}

/** The files under a layer directory, each directory's own files before its subdirectories', symlinked directories not entered. */
function layerFiles(dir: string): string[] {
  const files: string[] = [];
  const subdirs: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => byCodePoint(a.name, b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) subdirs.push(path);
    else if (!(entry.isSymbolicLink() && statSync(path, { throwIfNoEntry: false })?.isDirectory())) files.push(path);
  }
  return [...files, ...subdirs.flatMap(layerFiles)];
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
