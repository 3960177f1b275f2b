// Choosing the recipe that provides a build-time name (DEPENDS, a target) or a runtime name
// (RDEPENDS, IMAGE_INSTALL): BitBake's bb/providers.py, on the recipe index.
import { compareVersions, type RecipeInfo, type RecipeSummary } from "../config/index.js";
import { recipeId } from "../config/index.js";
import { BakeError } from "../common/errors.js";
import { closeMatches } from "./close-matches.js";
import { byCodePoint } from "./types.js";

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    "nothing-provides": NothingProvides;
  }
}

/** The variables that steer provider choice, read once from the configuration. */
export interface ProviderPreferences {
  /** PREFERRED_PROVIDER_<name>. */
  readonly provider: (name: string) => string | null;
  /** PREFERRED_VERSION_<pn> (may contain `%`). */
  readonly version: (pn: string) => string | null;
  /** PREFERRED_RPROVIDER_<name>. */
  readonly rprovider: (name: string) => string | null;
}

/**
 * BitBake's NoProvider message: `Nothing PROVIDES 'x' (but a DEPENDS on or otherwise requires it).
 * Close matches:` with up to three similar names (build-time only, and only when no skipped recipe
 * explains it, as BitBake), then the reasons and the chain of recipes that led there.
 */
export class NothingProvides extends BakeError {
  readonly kind = "nothing-provides" as const;
  override readonly name = "NothingProvides";
  constructor(
    readonly item: string,
    readonly runtime: boolean,
    readonly requiredBy: readonly string[],
    readonly skippedReasons: readonly string[],
    readonly closeMatches: readonly string[] = [],
  ) {
    const r = runtime ? "R" : "";
    const extra = skippedReasons.length === 0 && closeMatches.length > 0 ? `. Close matches:\n  ${[...new Set(closeMatches)].sort().join("\n  ")}` : "";
    const dependee = requiredBy.at(-1);
    const but = dependee !== undefined ? ` (but ${dependee} ${r}DEPENDS on or otherwise requires it)` : "";
    const reasons = skippedReasons.map((reason) => `\n${reason}`).join("");
    const chain = requiredBy.length > 1 ? `\nMissing or unbuildable dependency chain was: [${[...requiredBy, item].map((x) => `'${x}'`).join(", ")}]` : "";
    super(`Nothing ${r}PROVIDES '${item}'${but}${extra}${reasons}${chain}`);
  }
}

function versionOf(r: RecipeSummary): { epoch: number; version: string; revision: string } {
  return { epoch: Number(r.pe || 0) || 0, version: r.pv, revision: r.pr };
}

function matchesPreferred(r: RecipeSummary, preferred: string): boolean {
  // PREFERRED_VERSION may name PV, PV-PR or PE:PV(-PR); `%` is a trailing wildcard.
  const full = `${r.pe ? `${r.pe}:` : ""}${r.pv}`;
  const candidates = [r.pv, `${r.pv}-${r.pr}`, full, `${full}-${r.pr}`];
  const percent = preferred.indexOf("%");
  return percent < 0
    ? candidates.includes(preferred)
    : candidates.some((c) => c.startsWith(preferred.slice(0, percent)));
}

/**
 * An index of the parsed recipes by what they provide: of their whole records, or of their summaries
 * when only a provider is to be chosen (`-e RECIPE` reads no task of any recipe).
 */
export class RecipeIndex<R extends RecipeSummary = RecipeInfo> {
  private readonly byProvide = new Map<string, R[]>();
  private readonly byRprovide = new Map<string, R[]>();
  private readonly skippedByPn = new Map<string, R[]>();
  /** PACKAGES_DYNAMIC patterns, each with the recipes that declare it. */
  private readonly dynamic = new Map<string, R[]>();
  /** The same patterns by the first character of their literal prefix ("" for none), in declaration order. */
  private dynamicByStart: Map<string, DynamicPattern<R>[]> | null = null;
  /** What a name no package provides matched among PACKAGES_DYNAMIC (the index does not change). */
  private readonly dynamicFound = new Map<string, readonly R[]>();
  readonly byId = new Map<string, R>();

  constructor(recipes: readonly R[]) {
    for (const r of recipes) {
      if (r.skipped !== null) {
        push(this.skippedByPn, r.pn, r);
        continue;
      }
      this.byId.set(recipeId(r.file, r.variant), r);
      for (const p of r.provides) push(this.byProvide, p, r);
      for (const pkg of r.packages) {
        push(this.byRprovide, pkg, r);
        for (const rp of r.rprovides[pkg] ?? []) if (!this.byRprovide.get(rp)?.includes(r)) push(this.byRprovide, rp, r);
      }
      for (const pattern of r.packagesDynamic ?? []) push(this.dynamic, pattern, r);
    }
  }

  providersOf(name: string): readonly R[] {
    return this.byProvide.get(name) ?? [];
  }

  /**
   * The recipes whose packages are or RPROVIDE `name`; when there are none, those whose
   * PACKAGES_DYNAMIC matches it (BitBake's getRuntimeProviders: dynamic packages are asked last).
   */
  rprovidersOf(name: string): readonly R[] {
    const known = this.byRprovide.get(name);
    if (known !== undefined) return known;
    let found = this.dynamicFound.get(name);
    if (found === undefined) {
      found = this.matchDynamic(name);
      this.dynamicFound.set(name, found);
    }
    return found;
  }

  /**
   * The recipes of every PACKAGES_DYNAMIC pattern that matches `name`, in the order the patterns
   * were declared. oe-core declares about 2,000 (`^${PN}-locale-.*` in every recipe): only those
   * whose literal prefix `name` starts with can match, so only those are tried.
   */
  private matchDynamic(name: string): R[] {
    if (this.dynamicByStart === null) {
      this.dynamicByStart = new Map();
      let order = 0;
      for (const [pattern, recipes] of this.dynamic) {
        const entry: DynamicPattern<R> = { order: order++, prefix: literalPrefix(pattern), re: dynamicPattern(pattern), recipes };
        push(this.dynamicByStart, entry.prefix.slice(0, 1), entry);
      }
    }
    const candidates = [...(this.dynamicByStart.get("") ?? []), ...(this.dynamicByStart.get(name.slice(0, 1)) ?? [])];
    const matching = candidates.filter((p) => name.startsWith(p.prefix) && p.re !== null && p.re.test(name)).sort((a, b) => a.order - b.order);
    const found: R[] = [];
    for (const p of matching) for (const r of p.recipes) if (!found.includes(r)) found.push(r);
    return found;
  }

  /** Names like `item` among what is provided and the skipped recipes (BitBake's close matches). */
  closeMatches(item: string): string[] {
    const skipped = [...this.skippedByPn.values()].flat().map((r) => r.pn);
    return closeMatches(item, [...this.byProvide.keys(), ...skipped]);
  }

  skipReasons(name: string): string[] {
    return (this.skippedByPn.get(name) ?? []).map((r) => `${r.pn} was skipped: ${r.skipped}`);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * The best recipe among those of one PN: PREFERRED_VERSION if set (an error if no version matches),
 * else the highest layer priority, then the highest DEFAULT_PREFERENCE, then the latest version.
 */
export function bestOfPn<R extends RecipeSummary>(candidates: readonly R[], prefs: ProviderPreferences): R | null {
  if (candidates.length === 0) return null;
  const pn = candidates[0]!.pn;
  const preferred = prefs.version(pn);
  let pool = candidates;
  if (preferred) {
    const matching = candidates.filter((r) => matchesPreferred(r, preferred));
    if (matching.length > 0) pool = matching;
  }
  return [...pool].sort(
    (a, b) =>
      b.layerPriority - a.layerPriority ||
      b.defaultPreference - a.defaultPreference ||
      compareVersions(versionOf(b), versionOf(a)),
  )[0]!;
}

function groupByPn<R extends RecipeSummary>(recipes: readonly R[]): Map<string, R[]> {
  const groups = new Map<string, R[]>();
  for (const r of recipes) push(groups, r.pn, r);
  return groups;
}

/** The recipe providing build-time `name`, or null when nothing does. */
export function buildProvider<R extends RecipeSummary>(index: RecipeIndex<R>, name: string, prefs: ProviderPreferences): R | null {
  const providers = index.providersOf(name);
  if (providers.length === 0) return null;
  const groups = groupByPn(providers);
  const preferredPn = prefs.provider(name);
  if (preferredPn && groups.has(preferredPn)) return bestOfPn(groups.get(preferredPn)!, prefs);
  // A recipe named like the item wins over others that merely PROVIDE it.
  if (groups.has(name)) return bestOfPn(groups.get(name)!, prefs);
  const best = [...groups.values()].map((g) => bestOfPn(g, prefs)!);
  return best.sort((a, b) => b.layerPriority - a.layerPriority || a.pn.localeCompare(b.pn))[0]!;
}

/**
 * As BitBake's filterProvidersRunTime: among the candidates (by PN), one named by the
 * PREFERRED_PROVIDER of something a candidate PROVIDES wins; BitBake moves each one found to the
 * front, so the last found. glibc (PREFERRED_PROVIDER_virtual/libc) answers `ldconfig` rather
 * than glibc-testsuite, which builds the same packages but PROVIDES nothing.
 */
function preferredThroughProvides<R extends RecipeSummary>(groups: ReadonlyMap<string, R[]>, prefs: ProviderPreferences): R | null {
  const best = new Map([...groups.keys()].sort(byCodePoint).map((pn) => [pn, bestOfPn(groups.get(pn)!, prefs)!]));
  const found = new Set<string>();
  let chosen: R | null = null;
  for (const r of best.values()) {
    for (const provide of r.provides) {
      const preferred = prefs.provider(provide);
      if (preferred === null || !best.has(preferred) || found.has(preferred)) continue;
      found.add(preferred);
      chosen = best.get(preferred)!;
      break;
    }
  }
  return chosen;
}

/** The recipe whose package is or RPROVIDES runtime `name`, or null. */
export function runtimeProvider<R extends RecipeSummary>(index: RecipeIndex<R>, name: string, prefs: ProviderPreferences): R | null {
  const providers = index.rprovidersOf(name);
  if (providers.length === 0) return null;
  const groups = groupByPn(providers);
  const preferredPn = prefs.rprovider(name) ?? prefs.provider(name);
  if (preferredPn && groups.has(preferredPn)) return bestOfPn(groups.get(preferredPn)!, prefs);
  const viaProvides = preferredThroughProvides(groups, prefs);
  if (viaProvides) return viaProvides;
  // A recipe that builds a package of exactly this name wins over RPROVIDES.
  const direct = providers.filter((r) => r.packages.includes(name));
  if (direct.length > 0) {
    const g = groupByPn(direct);
    return [...g.values()].map((x) => bestOfPn(x, prefs)!).sort((a, b) => b.layerPriority - a.layerPriority)[0]!;
  }
  const best = [...groups.values()].map((g) => bestOfPn(g, prefs)!);
  return best.sort((a, b) => b.layerPriority - a.layerPriority || a.pn.localeCompare(b.pn))[0]!;
}

interface DynamicPattern<R> {
  /** Its place among the patterns as declared. */
  readonly order: number;
  /** What every name it matches starts with. */
  readonly prefix: string;
  readonly re: RegExp | null;
  readonly recipes: readonly R[];
}

/**
 * A PACKAGES_DYNAMIC entry as BitBake matches it: a Python regular expression (with `+` taken
 * literally, as in package names like `libstdc++`) anchored at the start. One that is not valid
 * here matches nothing.
 */
function dynamicPattern(pattern: string): RegExp | null {
  try {
    return new RegExp(`^(?:${pattern.replaceAll("+", "\\+")})`);
  } catch {
    return null;
  }
}

/**
 * The text every match of a PACKAGES_DYNAMIC pattern starts with: its leading plain characters,
 * less the last one when a quantifier follows it (`ab?c` promises only `a`). A pattern with an
 * alternative anywhere promises nothing (`a.*|b.*`), nor does one led by an escape. A leading `^`
 * (oe-core writes `^${PN}-locale-.*`) anchors where the match starts anyway.
 */
export function literalPrefix(pattern: string): string {
  if (pattern.includes("|")) return "";
  let start = 0;
  while (pattern[start] === "^") start++;
  let end = start;
  while (end < pattern.length && !"\\^$.|?*()[]{}".includes(pattern[end]!)) end++;
  const next = pattern[end];
  if (next === "?" || next === "*" || next === "{") end = Math.max(start, end - 1);
  return pattern.slice(start, end);
}
