// Conditional overrides, as data_smart keeps them: `NAME:ovr` is a variable of its own, linked to
// NAME (and, for `NAME:a:b`, to `NAME:a`) so that reading NAME can pick the value of the override
// latest in OVERRIDES. The active overrides are computed from OVERRIDES on demand and dropped when a
// variable OVERRIDES depends on changes.

import { FatalError } from "./errors.js";
import { LayeredMap } from "./layered-map.js";

export type OverrideLink = readonly [variable: string, override: string];

/** The links and the names that affect OVERRIDES, as a configuration snapshot keeps them. */
export interface OverridesSnapshot {
  readonly links: ReadonlyMap<string, readonly OverrideLink[]>;
  readonly affecting: readonly string[];
}

const OVERRIDE_START = /^[a-z0-9]/;
const MAX_OVERRIDE_PASSES = 5;

export class Overrides {
  /** NAME -> the `NAME:ovr` variables linked to it, with their override. */
  readonly links: LayeredMap<readonly OverrideLink[]>;
  /** Bumped on every change of `links` (see DataStore.overrideDataVersion). */
  version = 0;
  // Variables whose change can change OVERRIDES (OVERRIDES, FILE and what they reference).
  private readonly affecting: Set<string>;
  private active: string[] | null = null;
  private activeSet: Set<string> = new Set();
  private computing = false;

  constructor(parent?: Overrides | OverridesSnapshot) {
    if (parent instanceof Overrides) {
      this.links = parent.links.fork();
      this.version = parent.version;
      this.affecting = new Set(parent.affecting);
    } else {
      this.links = parent ? LayeredMap.frozen(parent.links) : new LayeredMap();
      this.affecting = new Set(parent ? parent.affecting : ["OVERRIDES", "FILE"]);
    }
  }

  fork(): Overrides {
    return new Overrides(this);
  }

  snapshot(): OverridesSnapshot {
    return { links: this.links.flatten(), affecting: [...this.affecting] };
  }

  /** Whether a change of NAME may change the active overrides. */
  affects(name: string): boolean {
    return this.affecting.has(name);
  }

  /** Adds names to those that affect OVERRIDES; returns those that were new. */
  addAffecting(names: Iterable<string>): string[] {
    const fresh: string[] = [];
    for (const n of names) {
      if (this.affecting.has(n)) continue;
      this.affecting.add(n);
      fresh.push(n);
    }
    return fresh;
  }

  /** Forget the active overrides: they are computed again when next needed. */
  invalidate(): void {
    this.active = null;
  }

  /** The active overrides in OVERRIDES order, or null when they must be computed. */
  get current(): readonly string[] | null {
    return this.active;
  }

  /** Whether override `o` (possibly `a:b`, all parts needed) is active. */
  isActive(o: string): boolean {
    if (this.activeSet.has(o)) return true;
    if (!o.includes(":")) return false;
    return o.split(":").every((x) => this.activeSet.has(x));
  }

  /** An :append/:prepend/:remove with override `a:b` applies when every part is active (none: always). */
  applies(ov: string | null): boolean {
    if (!ov) return true;
    for (const part of ov.split(":")) if (!this.activeSet.has(part)) return false;
    return true;
  }

  /**
   * Compute the active overrides until OVERRIDES stops changing (data_smart.need_overrides).
   * `read` expands OVERRIDES with the overrides found so far; `changed` is told each time they change.
   */
  settle(read: () => string | null, changed: () => void): void {
    if (this.active !== null || this.computing) return;
    const stack: string[][] = [];
    let settled = false;
    try {
      for (let count = 0; count < MAX_OVERRIDE_PASSES; count++) {
        this.computing = true;
        // Can end up here recursively: dummy values meanwhile.
        this.set([]);
        this.set((read() ?? "").split(":"));
        stack.push(this.active!);
        this.computing = false;
        changed();
        const again = (read() ?? "").split(":");
        if (sameList(again, this.active!)) {
          settled = true;
          break;
        }
        this.set(again);
      }
    } catch (e) {
      this.set(null);
      throw e;
    } finally {
      this.computing = false;
    }
    if (!settled) {
      this.set(null);
      throw new FatalError(
        "Overrides could not be expanded into a stable state after 5 iterations, overrides must be being referenced by other overridden variables in some recursive fashion. The list of failing override expansions: " +
          stack.map((s) => s.join(":")).join("\n"),
      );
    }
  }

  private set(list: string[] | null): void {
    this.active = list;
    this.activeSet = new Set(list ?? []);
  }

  /**
   * Of NAME's linked variables, the one to read: the override latest in OVERRIDES wins, and a
   * combined NAME:a:b is peeled one override at a time so that it beats NAME:a and NAME:b.
   */
  select(links: readonly OverrideLink[]): string | null {
    const active = new Map<string, string>();
    for (const [r, ov] of links) if (this.isActive(ov)) active.set(ov, r);
    let match: string | null = null;
    let mod = true;
    while (mod) {
      mod = false;
      for (const ov of this.active!) {
        for (const a of [...active.keys()]) {
          if (a.endsWith(":" + ov)) {
            const t = active.get(a)!;
            active.delete(a);
            active.set(a.replaceAll(":" + ov, ""), t);
            mod = true;
          } else if (a === ov) {
            match = active.get(a)!;
            active.delete(a);
          }
        }
      }
    }
    return match;
  }

  /**
   * Link NAME:a:b to NAME:a (override "b") and to NAME (override "a:b"), as
   * data_smart._setvar_update_overrides. Overrides must start with [a-z0-9].
   */
  link(name: string): void {
    // (BitBake also runs this on names without ":", linking "foo" to "fo"; that quirk is not kept.)
    const colon = name.lastIndexOf(":");
    if (colon < 0) return;
    let override: string | null = name.slice(colon + 1);
    let shortvar = name.slice(0, colon);
    while (override && OVERRIDE_START.test(override)) {
      const links = this.links.get(shortvar) ?? [];
      const o = override;
      if (!links.some(([v, lo]) => v === name && lo === o)) {
        this.links.set(shortvar, [...links, [name, o]]);
        this.version++;
      }
      override = null;
      if (shortvar.includes(":")) {
        override = name.slice(shortvar.lastIndexOf(":") + 1);
        shortvar = name.slice(0, shortvar.lastIndexOf(":"));
        if (shortvar.length === 0) override = null;
      }
    }
  }

  /** NAME was deleted: drop its own links and its place in the links of the names it overrides. */
  unlink(name: string): void {
    this.links.delete(name);
    this.version++;
    if (!name.includes(":")) return;
    let override: string | null = name.slice(name.lastIndexOf(":") + 1);
    let shortvar = name.slice(0, name.lastIndexOf(":"));
    while (override && OVERRIDE_START.test(override)) {
      const links = this.links.get(shortvar);
      if (links) {
        const o = override;
        const kept = links.filter(([v, lo]) => !(v === name && lo === o));
        if (kept.length !== links.length) this.links.set(shortvar, kept);
      }
      override = null;
      if (shortvar.includes(":")) {
        override = name.slice(shortvar.lastIndexOf(":") + 1);
        shortvar = name.slice(0, shortvar.lastIndexOf(":"));
        if (shortvar.length === 0) override = null;
      }
    }
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
