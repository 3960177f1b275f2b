// `bake -s`: every recipe's latest and preferred version, in BitBake's columns (cooker.showVersions).
import { compareVersions, type RecipeInfo } from "../config/index.js";
import { bestOfPn, pepvpr, type ProviderPreferences } from "../graph/index.js";

function pad(text: string, width: number, left: boolean): string {
  return left ? text.padEnd(width) : text.padStart(width);
}

/** BitBake's "%-35s %25s %25s %25s". */
function row(a: string, b: string, c: string, d: string): string {
  return `${pad(a, 35, true)} ${pad(b, 25, false)} ${pad(c, 25, false)} ${pad(d, 25, false)}`;
}

/**
 * BitBake's findLatestProvider over the recipes of the highest layer priority (findBestProvider
 * hands it the first of sortPriorities' groups): the highest DEFAULT_PREFERENCE, then the highest
 * version (first wins a tie).
 */
function latestOf(recipes: readonly RecipeInfo[]): RecipeInfo {
  const version = (r: RecipeInfo) => ({ epoch: Number(r.pe || 0) || 0, version: r.pv, revision: r.pr });
  const top = Math.max(...recipes.map((r) => r.layerPriority));
  // sortPriorities lists a group's recipes by DEFAULT_PREFERENCE, lowest first (a stable sort).
  const group = recipes.filter((r) => r.layerPriority === top).sort((a, b) => a.defaultPreference - b.defaultPreference);
  let latest = group[0]!;
  for (const r of group.slice(1)) {
    if (r.defaultPreference > latest.defaultPreference) latest = r;
    else if (r.defaultPreference === latest.defaultPreference && compareVersions(version(latest), version(r)) < 0) latest = r;
  }
  return latest;
}

/** The lines bake -s prints (without the final newline of each). */
export function showVersions(recipes: readonly RecipeInfo[], prefs: ProviderPreferences): string[] {
  const byPn = new Map<string, RecipeInfo[]>();
  for (const r of recipes) {
    if (r.skipped !== null) continue;
    const list = byPn.get(r.pn);
    if (list) list.push(r);
    else byPn.set(r.pn, [r]);
  }
  const lines = [
    row("Recipe Name", "Latest Version", "Preferred Version", "Required Version"),
    row("===========", "==============", "=================", "================") + "\n",
  ];
  for (const pn of [...byPn.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const candidates = byPn.get(pn)!;
    const latest = latestOf(candidates);
    const preferred = bestOfPn(candidates, prefs)!;
    lines.push(row(pn, pepvpr(latest), preferred === latest ? "" : pepvpr(preferred), ""));
  }
  return lines;
}
