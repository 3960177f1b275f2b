// The pure part of scripts/oe-conformance: pairing what BitBake and bake make of each recipe file
// and its BBCLASSEXTEND variants by BitBake's name for them (the file itself, `virtual:native:FILE`,
// `virtual:multilib:lib32:FILE`, `virtual:devupstream:target:FILE`…), and counting the matches per
// variant kind and per compared value.

/** What one tool makes of one recipe file or one of its variants. */
export interface Dump {
  file: string;
  /** BitBake's name: the file for the recipe itself, else `virtual:VARIANT:FILE`; the file when absent. */
  id?: string;
  /** "" for the recipe itself, else the BBCLASSEXTEND entry (`native`, `multilib:lib32`…). */
  variant?: string;
  vars?: Record<string, string | null>;
  tasks?: string[];
  depends?: Record<string, string | null>;
  skipped?: string;
  error?: string;
}

/** The kind of a variant, for grouping: "default" for the recipe itself, else the class (`native`, `multilib`, `devupstream`). */
export function variantKind(variant: string): string {
  return variant === "" ? "default" : variant.split(":")[0]!;
}

/** The BBCLASSEXTEND entry a BitBake name stands for: "" for a plain file, `native` for `virtual:native:FILE`, `multilib:lib32` for `virtual:multilib:lib32:FILE`. */
export function variantOf(id: string, file: string): string {
  if (!id.startsWith("virtual:") || !id.endsWith(":" + file)) return "";
  return id.slice("virtual:".length, id.length - file.length - 1);
}

export interface Pair {
  file: string;
  id: string;
  variant: string;
  kind: string;
  bitbake: Dump | undefined;
  bake: Dump | undefined;
}

/**
 * Every recipe file's dumps from both tools, paired by their BitBake name: per file (in `files`'
 * order) the recipe itself first, then its variants by name, each with whichever sides have it.
 */
export function pairDumps(files: readonly string[], theirs: Iterable<Dump>, ours: Iterable<Dump>): Pair[] {
  const byFile = new Map<string, Map<string, { bitbake?: Dump; bake?: Dump }>>();
  const add = (d: Dump, side: "bitbake" | "bake") => {
    const id = d.id ?? d.file;
    let ids = byFile.get(d.file);
    if (ids === undefined) byFile.set(d.file, (ids = new Map()));
    const entry = ids.get(id) ?? {};
    entry[side] = d;
    ids.set(id, entry);
  };
  for (const d of theirs) add(d, "bitbake");
  for (const d of ours) add(d, "bake");
  const pairs: Pair[] = [];
  for (const file of files) {
    const ids = byFile.get(file) ?? new Map<string, { bitbake?: Dump; bake?: Dump }>();
    if (!ids.has(file)) ids.set(file, {});
    const order = [...ids.keys()].map((id) => ({ id, variant: variantOf(id, file) }));
    order.sort((a, b) => (a.variant === "" ? -1 : b.variant === "" ? 1 : a.variant < b.variant ? -1 : a.variant > b.variant ? 1 : 0));
    for (const { id, variant } of order) {
      const e = ids.get(id)!;
      pairs.push({ file, id, variant, kind: variantKind(variant), bitbake: e.bitbake, bake: e.bake });
    }
  }
  return pairs;
}

// The two build directories differ; paths under them are compared as ${TOPDIR}.
function untop(topdirs: readonly string[], v: string): string {
  return topdirs.reduce((s, t) => s.split(t).join("${TOPDIR}"), v);
}
export function normalised(topdirs: readonly string[], v: string | null | undefined): string {
  return untop(topdirs, (v ?? "").split(/\s+/).filter(Boolean).join(" "));
}
export function wordSet(topdirs: readonly string[], v: string | null | undefined): string {
  return untop(topdirs, [...new Set((v ?? "").split(/\s+/).filter(Boolean))].sort().join(" "));
}

export interface Difference {
  file: string;
  id: string;
  what: string;
  bitbake: unknown;
  bake: unknown;
}

/** Counts for one group of pairs (all, one variant kind, one layer). */
export interface Tally {
  entries: number;
  bitbakeParsed: number;
  bakeParsed: number;
  both: number;
  skippedBoth: number;
  skipDiffers: number;
  bitbakeErrors: number;
  bakeErrors: number;
  /** Present on one side only (the other tool did not make this variant). */
  onlyBitbake: number;
  onlyBake: number;
  /** Of `both`, how many match on every compared column. */
  allMatch: number;
  /** Per compared column (the variables, "tasks", "[depends]"): matches among `both`. */
  matched: Map<string, number>;
}

export function emptyTally(columns: readonly string[]): Tally {
  return {
    entries: 0,
    bitbakeParsed: 0,
    bakeParsed: 0,
    both: 0,
    skippedBoth: 0,
    skipDiffers: 0,
    bitbakeErrors: 0,
    bakeErrors: 0,
    onlyBitbake: 0,
    onlyBake: 0,
    allMatch: 0,
    matched: new Map(columns.map((c) => [c, 0])),
  };
}

/**
 * Compares one pair on `variables`, the task list and each task's [depends], adding to each of
 * `tallies` and returning the differences (a skip decision that differs is one).
 */
export function comparePair(
  p: Pair,
  variables: readonly string[],
  topdirs: readonly string[],
  tallies: readonly Tally[],
): Difference[] {
  const b = p.bitbake;
  const o = p.bake;
  const bump = (f: (t: Tally) => void) => tallies.forEach(f);
  bump((t) => t.entries++);
  if (b === undefined && o !== undefined) bump((t) => t.onlyBake++);
  if (o === undefined && b !== undefined) bump((t) => t.onlyBitbake++);
  if (b === undefined || o === undefined) {
    const present = b ?? o;
    return present === undefined ? [] : [{ file: p.file, id: p.id, what: "variant", bitbake: b === undefined ? null : "present", bake: o === undefined ? null : "present" }];
  }
  const differences: Difference[] = [];
  const diff = (what: string, bitbake: unknown, bake: unknown) => differences.push({ file: p.file, id: p.id, what, bitbake, bake });
  if (b.error) bump((t) => t.bitbakeErrors++);
  if (o.error) bump((t) => t.bakeErrors++);
  const bOk = b.vars !== undefined;
  const oOk = o.vars !== undefined;
  if (bOk) bump((t) => t.bitbakeParsed++);
  if (oOk) bump((t) => t.bakeParsed++);
  if (b.skipped !== undefined && o.skipped !== undefined) bump((t) => t.skippedBoth++);
  else if ((b.skipped !== undefined) !== (o.skipped !== undefined) && !o.error) {
    bump((t) => t.skipDiffers++);
    diff("skipped", b.skipped ?? null, o.skipped ?? null);
  }
  if (!bOk || !oOk) return differences;
  bump((t) => t.both++);
  const match = (column: string) => bump((t) => t.matched.set(column, (t.matched.get(column) ?? 0) + 1));
  for (const v of variables) {
    if (normalised(topdirs, b.vars![v]) === normalised(topdirs, o.vars![v])) match(v);
    else diff(v, b.vars![v], o.vars![v]);
  }
  if (wordSet(topdirs, b.tasks!.join(" ")) === wordSet(topdirs, o.tasks!.join(" "))) match("tasks");
  else diff("tasks", b.tasks, o.tasks);
  const taskDiffs = b.tasks!.filter((t) => wordSet(topdirs, b.depends![t]) !== wordSet(topdirs, o.depends?.[t]));
  if (taskDiffs.length === 0) match("[depends]");
  else for (const t of taskDiffs) diff(`${t}[depends]`, b.depends![t], o.depends?.[t] ?? null);
  if (differences.length === 0) bump((t) => t.allMatch++);
  return differences;
}
