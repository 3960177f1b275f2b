// `bake layers show-overlayed` and `show-cross-depends`: bitbake-layers' queries over the parsed
// recipes and the layers' files, in its output formats and with its rules (a layer is named by its
// directory's basename; classes and required files are looked up along BBPATH). Where BitBake's
// order depends on the order its parser threads finished, bake's is sorted, and lines BitBake
// repeats (once per BBCLASSEXTEND variant of a recipe) are written once.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { recipeId, type RecipeInfo } from "../config/index.js";
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

export interface OverlayedOptions {
  /** -s: only recipes whose versions are all the same. */
  readonly sameVersion: boolean;
  /** -f: file names, the preferred one first and the others indented under it. */
  readonly filenames: boolean;
}

/** show-overlayed: recipes (skipped ones too) and classes found in more than one layer, the preferred first. */
export function showOverlayed(q: LayerQuery, o: OverlayedOptions): string[] {
  const out = [...overlayedRecipes(q, o), ...overlayedClasses(q, o.filenames)];
  return out.length > 0 ? out : ["No overlayed files found."];
}

function overlayedRecipes(q: LayerQuery, o: OverlayedOptions): string[] {
  const parsedByPn = new Map<string, RecipeInfo[]>();
  const skippedByPn = new Map<string, Candidate[]>();
  const parsedDefault = new Set<string>();
  for (const r of q.infos) {
    if (r.skipped === null) {
      push(parsedByPn, r.pn, r);
      if (r.variant === "") parsedDefault.add(r.file);
      continue;
    }
    const { pn, candidate } = skippedCandidate(r);
    if (!(skippedByPn.get(pn) ?? []).some((c) => c.file === r.file)) push(skippedByPn, pn, candidate);
  }
  const out: string[] = [];
  const listedFiles = new Set<string>();
  for (const pn of [...new Set([...parsedByPn.keys(), ...skippedByPn.keys()])].sort(byCodePoint)) {
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
    if (all.length < 2 || listedFiles.has(preferred.file)) continue;
    const prefLayer = layerName(preferred.file, q.layerDirs);
    const multilayer = all.some((c) => layerName(c.file, q.layerDirs) !== prefLayer);
    const sameVersion = all.every((c) => c.pe === preferred.pe && c.pv === preferred.pv && c.pr === preferred.pr);
    if (!multilayer || (o.sameVersion && !sameVersion)) continue;
    if (out.length === 0) out.push("=== Overlayed recipes ===");
    const skipped = (c: Candidate) => (c.skipped !== null ? ` (skipped: ${c.skipped})` : "");
    if (o.filenames) out.push(`${preferred.file}${skipped(preferred)}`);
    else out.push(`${pn}:`, `  ${prefLayer.padEnd(20)} ${versionText(preferred)}${skipped(preferred)}`);
    for (const c of all.slice(1)) {
      out.push(o.filenames ? `  ${c.file}${skipped(c)}` : `  ${layerName(c.file, q.layerDirs).padEnd(20)} ${versionText(c)}${skipped(c)}`);
    }
    listedFiles.add(preferred.file);
  }
  return out;
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
