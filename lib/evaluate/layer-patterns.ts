// Which layer a file belongs to, as BitBake's cooker decides it: one rule for a recipe's
// FILE_LAYERNAME, its layer priority (BBFILE_PRIORITY) and the "No bb files matched" warning.

/** A collection as BBFILE_COLLECTIONS names it, with its BBFILE_PATTERN. */
export interface LayerPattern {
  readonly name: string;
  readonly pattern: string;
}

export interface OrderedPattern<L extends LayerPattern> {
  readonly layer: L;
  /**
   * What identifies the compiled expression: BitBake keeps the layers' expressions in sets, and
   * re.compile hands one object to equal patterns (an empty pattern is compiled as `^NULL$`).
   */
  readonly key: string;
  /** Null for an empty pattern, which matches no path. */
  readonly re: RegExp | null;
}

/**
 * The layers in the order CookerCollectFiles tries their patterns: sorted by the pattern's text,
 * greatest first (Python's stable sort, reverse=True), so that of nested layers whose patterns are
 * `^${LAYERDIR}/` the inner one is tried first. It is not the longest pattern that wins: a pattern
 * without `^` sorts before every `^` one. A pattern that is no valid expression is left out (the
 * layers' reader refuses it, as BitBake does).
 */
export function orderedPatterns<L extends LayerPattern>(layers: readonly L[]): OrderedPattern<L>[] {
  const ordered: OrderedPattern<L>[] = [];
  for (const layer of layers) {
    if (layer.pattern === "") {
      ordered.push({ layer, key: "^NULL$", re: null });
      continue;
    }
    try {
      ordered.push({ layer, key: layer.pattern, re: new RegExp(layer.pattern) });
    } catch {
      // Reported where the layers are read.
    }
  }
  return ordered.sort((a, b) => (a.layer.pattern < b.layer.pattern ? 1 : a.layer.pattern > b.layer.pattern ? -1 : 0));
}

/** Whether `re` matches at the start of `path` (Python's re.match). */
export function matchesStart(re: RegExp, path: string): boolean {
  return re.exec(path)?.index === 0;
}

/** BitBake's calc_bbfile_priority: the first of `ordered` whose pattern matches the start of `path`. */
export function firstMatching<L extends LayerPattern>(ordered: readonly OrderedPattern<L>[], path: string): OrderedPattern<L> | null {
  for (const p of ordered) if (p.re !== null && matchesStart(p.re, path)) return p;
  return null;
}
