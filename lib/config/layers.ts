// Layers as BitBake's cooker sees them after bblayers.conf and every layer.conf are read.
import type { DataStore } from "../data/index.js";
import { ConfigurationError } from "./errors.js";
// The module alone, not evaluate/index.js, which loads the evaluator.
import { firstMatching, orderedPatterns } from "../evaluate/layer-patterns.js";
import { parseVersionedList, versionSatisfies, type VersionedName } from "./version.js";

export interface Layer {
  /** The collection name (BBFILE_COLLECTIONS). */
  readonly name: string;
  readonly pattern: string;
  readonly priority: number;
  readonly version: string | null;
  readonly depends: readonly VersionedName[];
  readonly recommends: readonly VersionedName[];
  readonly seriesCompat: readonly string[];
}

function words(value: string | null): string[] {
  return (value ?? "").split(/\s+/).filter(Boolean);
}

export function readLayers(d: DataStore): Layer[] {
  const layers = words(d.getVar("BBFILE_COLLECTIONS")).map((name) => {
    const priority = d.getVar(`BBFILE_PRIORITY_${name}`);
    // As BitBake, an empty value is no value.
    if (priority !== null && priority !== "" && !/^-?\d+$/.test(priority.trim())) {
      throw new ConfigurationError(`BBFILE_PRIORITY_${name} must be a number, not "${priority}"`, name);
    }
    const pattern = d.getVar(`BBFILE_PATTERN_${name}`) ?? "";
    try {
      new RegExp(pattern);
    } catch {
      throw new ConfigurationError(`BBFILE_PATTERN_${name} "${pattern}" is not a valid regular expression`, name);
    }
    return {
      name,
      pattern,
      priority: priority === null || priority === "" ? null : Number(priority),
      version: d.getVar(`LAYERVERSION_${name}`),
      depends: parseVersionedList(d.getVar(`LAYERDEPENDS_${name}`) ?? ""),
      recommends: parseVersionedList(d.getVar(`LAYERRECOMMENDS_${name}`) ?? ""),
      seriesCompat: words(d.getVar(`LAYERSERIES_COMPAT_${name}`)),
    };
  });
  const priorities = layerPriorities(layers);
  return layers.map((l) => ({ ...l, priority: priorities.get(l.name)! }));
}

type ReadLayer = Omit<Layer, "priority"> & { readonly priority: number | null };

/**
 * Every layer's priority as BitBake 2.19's cooker (handleCollections) works it out: a layer whose
 * BBFILE_PRIORITY is unset, empty or 0 gets one more than the highest priority among the layers it
 * depends on (LAYERDEPENDS, and the LAYERRECOMMENDS that are enabled at a version they accept),
 * those worked out first the same way, and never less than one more than the base: the lowest
 * priority set, where a 0 set makes the next value set the base again (BitBake's `min_prio == 0`
 * test). A layer that depends on itself through layers without priorities has none (BitBake
 * recurses without end).
 */
function layerPriorities(layers: readonly ReadLayer[]): Map<string, number> {
  let base = 0;
  for (const l of layers) {
    if (l.priority !== null && (base === 0 || l.priority < base)) base = l.priority;
  }
  const byName = new Map(layers.map((l) => [l.name, l]));
  const deps = new Map<string, string[]>();
  for (const l of layers) {
    const list = l.depends.map((v) => v.name);
    for (const rec of l.recommends) {
      const other = byName.get(rec.name);
      if (!other) continue;
      if (rec.constraint && (other.version === null || !versionSatisfies(other.version, rec.constraint.op, rec.constraint.version))) continue;
      list.push(rec.name);
    }
    deps.set(l.name, list);
  }
  const out = new Map<string, number>();
  const working = new Set<string>();
  const priorityOf = (name: string): number => {
    const known = out.get(name);
    if (known !== undefined) return known;
    const layer = byName.get(name)!;
    if (layer.priority) {
      out.set(name, layer.priority);
      return layer.priority;
    }
    if (working.has(name)) {
      throw new ConfigurationError(`layer ${name} has no BBFILE_PRIORITY_${name} and depends on itself through LAYERDEPENDS or LAYERRECOMMENDS`, name);
    }
    working.add(name);
    let highest = base;
    // A dependency that is not in BBLAYERS is checkLayers' error.
    for (const dep of deps.get(name)!) if (byName.has(dep)) highest = Math.max(highest, priorityOf(dep));
    working.delete(name);
    out.set(name, highest + 1);
    return highest + 1;
  };
  for (const l of layers) priorityOf(l.name);
  return out;
}

/**
 * The checks BitBake makes before parsing any recipe: every LAYERDEPENDS is present (at the version
 * asked for), and every layer declares compatibility with a release the core layer supports.
 */
export function checkLayers(layers: readonly Layer[], coreSeries: readonly string[]): string[] {
  const warnings: string[] = [];
  const byName = new Map(layers.map((l) => [l.name, l]));
  for (const layer of layers) {
    for (const dep of layer.depends) {
      const other = byName.get(dep.name);
      if (!other) {
        throw new ConfigurationError(
          `layer ${layer.name} depends on layer ${dep.name} (LAYERDEPENDS_${layer.name} = "${formatList(layer.depends)}"), ` +
            `which is not in BBLAYERS; add it with \`bake layers add-layer\``,
          layer.name,
        );
      }
      if (dep.constraint) {
        if (other.version === null) {
          throw new ConfigurationError(
            `layer ${layer.name} depends on ${dep.name} ${dep.constraint.op} ${dep.constraint.version}, ` +
              `but ${dep.name} sets no LAYERVERSION_${dep.name}`,
            layer.name,
          );
        }
        if (!versionSatisfies(other.version, dep.constraint.op, dep.constraint.version)) {
          throw new ConfigurationError(
            `layer ${layer.name} depends on ${dep.name} (${dep.constraint.op} ${dep.constraint.version}), ` +
              `but LAYERVERSION_${dep.name} is "${other.version}"`,
            layer.name,
          );
        }
      }
    }
    if (layer.seriesCompat.length > 0 && coreSeries.length === 0) {
      throw new ConfigurationError(
        `no core layer found to work with layer ${layer.name} (no layer sets LAYERSERIES_CORENAMES): is meta-core in BBLAYERS?`,
        layer.name,
      );
    }
    if (layer.seriesCompat.length === 0) {
      warnings.push(`layer ${layer.name} should set LAYERSERIES_COMPAT_${layer.name} in its conf/layer.conf`);
    } else if (!layer.seriesCompat.some((s) => coreSeries.includes(s))) {
      throw new ConfigurationError(
        `layer ${layer.name} is not compatible with the core layer, which supports the series ` +
          `"${coreSeries.join(" ")}" (LAYERSERIES_COMPAT_${layer.name} = "${layer.seriesCompat.join(" ")}")`,
        layer.name,
      );
    }
  }
  return warnings;
}

function formatList(list: readonly VersionedName[]): string {
  return list.map((v) => (v.constraint ? `${v.name} (${v.constraint.op} ${v.constraint.version})` : v.name)).join(" ");
}

/**
 * The layer whose BBFILE_PATTERN matches `path`, the patterns tried in BitBake's cooker's order
 * (orderedPatterns: greatest text first, not the longest), as for FILE_LAYERNAME.
 */
export function layerOf(path: string, layers: readonly Layer[]): Layer | null {
  return layerMatcher(layers)(path);
}

/** layerOf for many paths: the patterns are ordered and compiled once. */
export function layerMatcher(layers: readonly Layer[]): (path: string) => Layer | null {
  const ordered = orderedPatterns(layers);
  return (path) => firstMatching(ordered, path)?.layer ?? null;
}
