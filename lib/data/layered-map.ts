// A copy-on-write map made of frozen layers. `fork()` freezes what the map owns so far
// and hands the frozen chain to the copy: a recipe datastore forked from the global
// configuration shares every configuration entry without copying it. Values found in
// frozen layers are shared between copies, so callers must replace them, never mutate
// them (see `getOwn`, which only returns values this map may mutate).

const TOMBSTONE: unique symbol = Symbol("deleted");
type Slot<V> = V | typeof TOMBSTONE;
/** What `below` remembers for a key no frozen layer has. */
const ABSENT: unique symbol = Symbol("absent");

// Past this depth the upper layers are merged into one; the bottom layer (usually the
// big global configuration shared by every recipe) is never copied.
const MAX_DEPTH = 8;

class FrozenLayer<V> {
  private containingCache: Map<string, string[]> | undefined;
  private whereCache: Map<(value: V) => boolean, string[]> | undefined;
  constructor(
    readonly map: ReadonlyMap<string, Slot<V>>,
    readonly parent: FrozenLayer<V> | null,
  ) {
    this.depth = parent ? parent.depth + 1 : 1;
  }
  readonly depth: number;

  /** Keys of this layer containing `needle`, computed once: frozen layers never change. */
  keysContaining(needle: string): readonly string[] {
    this.containingCache ??= new Map();
    let keys = this.containingCache.get(needle);
    if (!keys) {
      keys = [];
      for (const k of this.map.keys()) if (k.includes(needle)) keys.push(k);
      this.containingCache.set(needle, keys);
    }
    return keys;
  }

  /** Keys of this layer whose value passes `test`, computed once per test: frozen layers never change. */
  keysWhere(test: (value: V) => boolean): readonly string[] {
    this.whereCache ??= new Map();
    let keys = this.whereCache.get(test);
    if (!keys) {
      keys = [];
      for (const [k, v] of this.map) if (v !== TOMBSTONE && test(v)) keys.push(k);
      this.whereCache.set(test, keys);
    }
    return keys;
  }
}

export class LayeredMap<V> {
  private own: Map<string, Slot<V>> = new Map();
  private base: FrozenLayer<V> | null;
  /**
   * What the frozen chain answered for each key asked of it. A recipe's chain is six or seven
   * layers deep (the configuration, the recipe, a layer per copy its anonymous functions made),
   * most keys asked are in none of them (flags looked for, override links) or only in the
   * bottom one, and the same keys are asked again and again: a walk per get was most of the
   * datastore's reading. The frozen layers never change, so an answer holds until fork() moves
   * this map's own entries into the chain.
   */
  private below = new Map<string, V | typeof ABSENT>();

  constructor(base: FrozenLayer<V> | null = null) {
    this.base = base;
  }

  get(key: string): V | undefined {
    const v = this.own.get(key);
    if (v !== undefined) return v === TOMBSTONE ? undefined : v;
    return this.baseGet(key);
  }

  /** The value only if this map owns it (so it may be mutated in place). */
  getOwn(key: string): V | undefined {
    const v = this.own.get(key);
    return v === undefined || v === TOMBSTONE ? undefined : v;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, value: V): void {
    this.own.set(key, value);
  }

  delete(key: string): void {
    if (this.base && this.baseGet(key) !== undefined) this.own.set(key, TOMBSTONE);
    else this.own.delete(key);
  }

  private baseGet(key: string): V | undefined {
    if (this.base === null) return undefined;
    const known = this.below.get(key);
    if (known !== undefined) return known === ABSENT ? undefined : known;
    let found: V | undefined = undefined;
    for (let l: FrozenLayer<V> | null = this.base; l; l = l.parent) {
      const b = l.map.get(key);
      if (b !== undefined) {
        if (b !== TOMBSTONE) found = b;
        break;
      }
    }
    this.below.set(key, found === undefined ? ABSENT : found);
    return found;
  }

  /** An independent copy; both this map and the copy go on from the same frozen state. */
  fork(): LayeredMap<V> {
    if (this.own.size > 0) {
      this.base = compact(new FrozenLayer<V>(this.own, this.base));
      this.own = new Map();
      this.below = new Map();
    }
    return new LayeredMap<V>(this.base);
  }

  /** Every visible entry, newest layer first, each key once. */
  *entries(): IterableIterator<[string, V]> {
    const seen = new Set<string>();
    const layers: ReadonlyMap<string, Slot<V>>[] = [this.own];
    for (let l = this.base; l; l = l.parent) layers.push(l.map);
    for (const m of layers) {
      for (const [k, v] of m) {
        if (seen.has(k)) continue;
        seen.add(k);
        if (v !== TOMBSTONE) yield [k, v];
      }
    }
  }

  /** Every visible entry in one plain map (for a snapshot). */
  flatten(): Map<string, V> {
    return new Map(this.entries());
  }

  /** A map whose entries are `entries`, frozen: copies and forks share them. */
  static frozen<V>(entries: ReadonlyMap<string, V>): LayeredMap<V> {
    return new LayeredMap<V>(new FrozenLayer<V>(entries, null));
  }

  /**
   * Visible keys whose value passes `test` (one function for the life of the process: frozen layers
   * cache their answer by it); cheap on frozen layers, which a recipe shares with the configuration.
   */
  keysWhere(test: (value: V) => boolean): string[] {
    const out = new Set<string>();
    for (const [k, v] of this.own) if (v !== TOMBSTONE && test(v)) out.add(k);
    for (let l = this.base; l; l = l.parent) for (const k of l.keysWhere(test)) out.add(k);
    return [...out].filter((k) => {
      const v = this.get(k);
      return v !== undefined && test(v);
    });
  }

  /** Visible keys containing `needle`; cheap on frozen layers (cached per layer). */
  keysContaining(needle: string): string[] {
    const out = new Set<string>();
    for (const k of this.own.keys()) if (k.includes(needle)) out.add(k);
    for (let l = this.base; l; l = l.parent) for (const k of l.keysContaining(needle)) out.add(k);
    return [...out].filter((k) => this.get(k) !== undefined);
  }
}

function compact<V>(top: FrozenLayer<V>): FrozenLayer<V> {
  if (top.depth <= MAX_DEPTH) return top;
  const layers: FrozenLayer<V>[] = [];
  let bottom: FrozenLayer<V> = top;
  while (bottom.parent) {
    layers.push(bottom);
    bottom = bottom.parent;
  }
  const merged = new Map<string, Slot<V>>();
  for (let i = layers.length - 1; i >= 0; i--) for (const [k, v] of layers[i]!.map) merged.set(k, v);
  return new FrozenLayer<V>(merged, bottom);
}
