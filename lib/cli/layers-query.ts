// `bake layers show-overlayed` and `show-cross-depends`: bitbake-layers' queries over the parsed
// recipes, in its output formats. A layer is named by its directory's basename, as bitbake-layers does.
import { basename, dirname } from "node:path";
import type { RecipeInfo } from "../config/index.js";
import { buildProvider, runtimeProvider, type ProviderPreferences, type RecipeIndex } from "../graph/index.js";

export interface LayerDirs {
  /** BBLAYERS, in order. */
  readonly dirs: readonly string[];
}

/** The layer directory holding `file` (the longest matching BBLAYERS entry), or null. */
function layerDirOf(file: string, dirs: readonly string[]): string | null {
  let best: string | null = null;
  for (const d of dirs) if (file.startsWith(`${d}/`) && (best === null || d.length > best.length)) best = d;
  return best;
}

function layerName(file: string, dirs: readonly string[]): string {
  const dir = layerDirOf(file, dirs);
  return dir === null ? "?" : basename(dir);
}

/** bitbake-layers' version_str: `[PE:]PV`. */
function versionText(r: RecipeInfo): string {
  return r.pe ? `${r.pe}:${r.pv}` : r.pv;
}

/** show-overlayed: recipes with versions in more than one layer, the preferred first. */
export function showOverlayed(infos: readonly RecipeInfo[], index: RecipeIndex, prefs: ProviderPreferences, dirs: readonly string[], sameVersionOnly = false): string[] {
  const byPn = new Map<string, RecipeInfo[]>();
  for (const r of infos) {
    if (r.variant !== "") continue;
    const list = byPn.get(r.pn);
    if (list) list.push(r);
    else byPn.set(r.pn, [r]);
  }
  const out: string[] = [];
  for (const pn of [...byPn.keys()].sort()) {
    const all = byPn.get(pn)!;
    if (all.length < 2) continue;
    const preferred = buildProvider(index, pn, prefs) ?? all[0]!;
    const prefLayer = layerName(preferred.file, dirs);
    const multilayer = all.some((r) => layerName(r.file, dirs) !== prefLayer);
    const sameVersion = all.every((r) => versionText(r) === versionText(preferred));
    if (!multilayer || (sameVersionOnly && !sameVersion)) continue;
    if (out.length === 0) out.push("=== Overlayed recipes ===");
    const skipped = (r: RecipeInfo) => (r.skipped !== null ? ` (skipped: ${r.skipped})` : "");
    out.push(`${pn}:`, `  ${prefLayer.padEnd(20)} ${versionText(preferred)}${skipped(preferred)}`);
    for (const r of all) if (r.file !== preferred.file) out.push(`  ${layerName(r.file, dirs).padEnd(20)} ${versionText(r)}${skipped(r)}`);
  }
  return out.length > 0 ? out : ["No overlayed files found."];
}

/** bitbake-layers' remove_layer_prefix: the path from the layer directory's parent (`meta-x/recipes-…`). */
function shortPath(file: string, dirs: readonly string[]): string {
  const dir = layerDirOf(file, dirs);
  return dir === null ? file : file.slice(dirname(dir).length + 1);
}

/**
 * show-cross-depends: `RECIPE DEPENDS|RDEPENDS|RRECOMMENDS PROVIDER` for each dependency that a
 * recipe of one layer has on a recipe of another (layers in `ignore` left out), in recipe order.
 */
export function showCrossDepends(infos: readonly RecipeInfo[], index: RecipeIndex, prefs: ProviderPreferences, dirs: readonly string[], ignore: readonly string[] = [], filenames = false): string[] {
  const out: string[] = [];
  const name = (f: string) => (filenames ? f : shortPath(f, dirs));
  for (const r of [...infos].filter((x) => x.skipped === null && x.variant === "").sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) {
    const layer = layerName(r.file, dirs);
    const cross = (keyword: string, dep: RecipeInfo | null) => {
      if (dep === null || dep.file === r.file) return;
      const other = layerName(dep.file, dirs);
      if (other !== layer && !ignore.includes(other)) out.push(`${name(r.file)} ${keyword} ${name(dep.file)}`);
    };
    for (const d of r.depends) cross("DEPENDS", buildProvider(index, d, prefs));
    const runtime = (field: "rdepends" | "rrecommends", keyword: string) => {
      for (const pkg of r.packages) for (const n of r[field][pkg] ?? []) if (!r.packages.includes(n)) cross(keyword, runtimeProvider(index, n, prefs));
    };
    runtime("rdepends", "RDEPENDS");
    runtime("rrecommends", "RRECOMMENDS");
  }
  return [...new Set(out)];
}
