// Reusing `${@...}` results from one recipe to the next.
//
// oe-core's values hold ~2,000 Python expressions, and computing a recipe's signatures expands
// most of them; evaluated again for every recipe, they were a third of parse time, yet nearly
// all give the same answer from the same inputs (`bb.utils.contains('DISTRO_FEATURES', …, d)`).
// So an evaluation records what it read from `d` (each getVar, getVarFlag, expand, `in`… with
// its answer). The next time the same code is expanded, in any recipe of this thread, those reads
// are replayed on the new datastore; if every answer is the same, so is the result, and Python
// is not entered at all.
//
// This holds only for code whose result depends on `d` alone, or on `d` and the metadata of
// host files (existence, modes, links, directory listings: host.ts records each question with
// its answer, and a replay asks it again). An evaluation is not kept when it did anything else:
// wrote to `d` (setVar, createCopy, keys…), touched the host otherwise (file contents, the
// clock, programs: bake_host.py reports those), logged a message, or raised. The functions
// `def` blocks put in the metadata namespace are part of the code: a block that rebinds a name to
// different code moves the namespace generation on, and results of older generations are dropped.
import type { DataStore } from "../data/index.js";

/** What an evaluation read, flattened: kind, three arguments, the answer. */
const enum Read {
  Var = 0,
  Flag = 1,
  Expand = 2,
  Has = 3,
  HasOverrides = 4,
  Inherited = 5,
  Tasks = 6,
  Inherits = 7,
  Host = 8,
}

/** An answer about the host's files (host.ts): a stat line, a mode, a path, an errno, a yes or no. */
export type HostAnswer = string | number | boolean;

interface Frame {
  readonly reads: unknown[];
  pure: boolean;
}

interface Variant {
  readonly reads: readonly unknown[];
  readonly value: string;
}

interface Entry {
  readonly generation: number;
  readonly variants: Variant[];
}

/** Evaluations under way in this thread, innermost last: a read is recorded in the innermost. */
const frames: Frame[] = [];
const memo = new Map<string, Entry>();
/** Results kept per code (values that differ between recipes, `${@d.getVar('PN')…}`): the most recent. */
const VARIANTS = 8;
const CODES = 20000;
const STRIDE = 5;

let generation = 0;

/** The metadata namespace changed what a name means (a `def` rebinding it to other code, a library added). */
export function namespaceChanged(to: number): void {
  generation = to;
}

export function recordVar(name: string, expand: boolean, answer: string | null): void {
  if (frames.length !== 0) frames[frames.length - 1]!.reads.push(Read.Var, name, expand, null, answer);
}

export function recordFlag(name: string, flag: string, expand: boolean, answer: string | null): void {
  if (frames.length !== 0) frames[frames.length - 1]!.reads.push(Read.Flag, name, flag, expand, answer);
}

export function recordExpand(text: string, varname: string | null, answer: string): void {
  if (frames.length !== 0) frames[frames.length - 1]!.reads.push(Read.Expand, text, varname, null, answer);
}

export function recordHas(kind: "has" | "hasOverrides", name: string, answer: boolean): void {
  if (frames.length !== 0) frames[frames.length - 1]!.reads.push(kind === "has" ? Read.Has : Read.HasOverrides, name, null, null, answer);
}

/** The inherited classes or the tasks, as lines. */
export function recordList(kind: "inherited" | "tasks", answer: string): void {
  if (frames.length !== 0) frames[frames.length - 1]!.reads.push(kind === "inherited" ? Read.Inherited : Read.Tasks, null, null, null, answer);
}

/** Whether the recipe inherits the class `klass`. */
export function recordInherits(klass: string, answer: boolean): void {
  if (frames.length !== 0) frames[frames.length - 1]!.reads.push(Read.Inherits, klass, null, null, answer);
}

/** `question(path, arg)` asked of the host's files; replaying asks it again. */
export function recordHost(question: (path: string, arg: never) => HostAnswer, path: string, arg: unknown, answer: HostAnswer): void {
  if (frames.length !== 0) frames[frames.length - 1]!.reads.push(Read.Host, question, path, arg, answer);
}

/**
 * `fn()`, what it reads and does recorded in none of the evaluations under way: the configuration's
 * namespace steps, taken at the first crossing into the interpreter (python/index.ts), are the
 * configuration's work, not the `${@...}` that happened to cross first (their files are inputs of
 * the configuration).
 */
export function outsideEvaluations<T>(fn: () => T): T {
  const under = frames.splice(0);
  try {
    return fn();
  } finally {
    frames.push(...under);
  }
}

/** The evaluation under way did something other than read `d`: its result is not kept. */
export function recordOutsideWorld(): void {
  if (frames.length !== 0) frames[frames.length - 1]!.pure = false;
}

/** Reading `d` the way the metadata code did; the owner's lists come from `owner`. */
export interface ReplayTarget {
  readonly store: DataStore;
  /** The inherited classes, as lines. */
  inherited(): string;
  /** The tasks, as lines. */
  tasks(): string;
  has(name: string): boolean;
  inherits(klass: string): boolean;
}

function answer(t: ReplayTarget, reads: readonly unknown[], i: number): unknown {
  const d = t.store;
  switch (reads[i] as Read) {
    case Read.Var:
      return d.getVar(reads[i + 1] as string, reads[i + 2] as boolean);
    case Read.Flag:
      return d.getVarFlag(reads[i + 1] as string, reads[i + 2] as string, reads[i + 3] as boolean);
    case Read.Expand:
      return d.expand(reads[i + 1] as string, reads[i + 2] as string | null);
    case Read.Has:
      return t.has(reads[i + 1] as string);
    case Read.HasOverrides:
      return d.hasOverrides(reads[i + 1] as string);
    case Read.Inherited:
      return t.inherited();
    case Read.Tasks:
      return t.tasks();
    case Read.Inherits:
      return t.inherits(reads[i + 1] as string);
    case Read.Host:
      return (reads[i + 1] as (path: string, arg: unknown) => HostAnswer)(reads[i + 2] as string, reads[i + 3]);
  }
}

function replays(t: ReplayTarget, reads: readonly unknown[]): boolean {
  try {
    for (let i = 0; i < reads.length; i += STRIDE) if (answer(t, reads, i) !== reads[i + 4]) return false;
    return true;
  } catch {
    // The datastore now fails where it answered before: evaluating for real reports it properly.
    return false;
  }
}

let dataOnly = false;
let pure = false;

/** Whether the result `memoized` gave last did nothing but read: `d`, or the host's files (a kept one, or one evaluated now). */
export function lastResultPure(): boolean {
  return pure;
}

/**
 * Whether the result `memoized` gave last read nothing but `d`: no host file, nothing else outside
 * (so the same datastore gives it again in any run whose interpreter sees the same world, world.ts).
 */
export function lastResultReadDataOnly(): boolean {
  return dataOnly;
}

function readsHost(reads: readonly unknown[]): boolean {
  for (let i = 0; i < reads.length; i += STRIDE) if (reads[i] === Read.Host) return true;
  return false;
}

/**
 * Results an earlier run kept (inline-answers.ts), by code: each read the datastore alone, in an
 * interpreter that had done nothing but what the configuration does (see `useEarlierAnswers`).
 * Not bounded as `memo` is: a code such as PN's has one per recipe.
 */
const earlier = new Map<string, Variant[]>();
let earlierHold: () => boolean = () => false;

/**
 * Results of earlier runs, consulted after this thread's own, while `hold()` says they hold (the
 * interpreter's namespace is still the configuration's): `-e RECIPE` shows a recipe whose every
 * `${@...}` an earlier run answered without starting the interpreter.
 */
export function useEarlierAnswers(answers: Iterable<readonly [code: string, reads: readonly unknown[], value: string]>, hold: () => boolean): void {
  for (const [code, reads, value] of answers) {
    let variants = earlier.get(code);
    if (variants === undefined) earlier.set(code, (variants = []));
    variants.push({ reads, value });
  }
  earlierHold = hold;
}

/** The variant `memoized` evaluated last (null when it gave a kept one): what it read, flattened, and its value. */
let evaluated: Variant | null = null;

/** What the last `memoized` that evaluated its code read and gave (null when it gave a kept result). */
export function lastEvaluation(): { readonly reads: readonly unknown[]; readonly value: string } | null {
  return evaluated;
}

/** `code`'s result on `target`: a kept one whose reads all answer the same, else `evaluate()`'s. */
export function memoized(code: string, target: ReplayTarget, evaluate: () => string): string {
  evaluated = null;
  const entry = memo.get(code);
  if (entry !== undefined && entry.generation === generation) {
    for (const v of entry.variants) {
      if (replays(target, v.reads)) {
        dataOnly = !readsHost(v.reads);
        pure = true;
        return v.value;
      }
    }
  }
  const before = earlier.get(code);
  if (before !== undefined && earlierHold()) {
    for (const v of before) {
      if (replays(target, v.reads)) {
        keep(code, v);
        dataOnly = true;
        pure = true;
        return v.value;
      }
    }
  }
  dataOnly = false;
  pure = false;
  const frame: Frame = { reads: [], pure: true };
  frames.push(frame);
  let value: string;
  try {
    value = evaluate();
  } finally {
    frames.pop();
  }
  dataOnly = frame.pure && !readsHost(frame.reads);
  pure = frame.pure;
  // Set last: evaluating may have run `memoized` for other code (a value it read).
  evaluated = null;
  if (frame.pure) {
    const variant = { reads: frame.reads, value };
    keep(code, variant);
    evaluated = variant;
  }
  return value;
}

function keep(code: string, variant: Variant): void {
  let entry = memo.get(code);
  if (entry === undefined || entry.generation !== generation) {
    if (memo.size >= CODES) memo.clear();
    entry = { generation, variants: [] };
    memo.set(code, entry);
  }
  entry.variants.unshift(variant);
  if (entry.variants.length > VARIANTS) entry.variants.pop();
}
