// Running one conformance case (test/conformance/cases/README.md): write its files into an empty
// directory, load conf/base.conf as the whole configuration, parse the recipe with its bbappends,
// and compare what bake computes with what BitBake computed.
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { ExpansionError, FatalError as DataFatalError } from "../../lib/data/index.js";
import { loadConfiguration, parseRecipe, type Metadata, type ParsedRecipe } from "../../lib/evaluate/index.js";
import { MetadataError } from "../../lib/parse/index.js";
import { taskDependencies } from "../../lib/signature/index.js";

/** The cases BitBake produced, kept in the repository (compiled code runs from dist/). */
export const CASES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../test/conformance/cases");

export interface ConformanceCase {
  readonly name: string;
  readonly about: string;
  readonly tags: readonly string[];
  readonly files: Readonly<Record<string, string>>;
  readonly recipe: string;
  readonly expect: {
    readonly vars?: Readonly<Record<string, string | null>>;
    readonly flags?: Readonly<Record<string, string | null>>;
    readonly tasks?: Readonly<Record<string, { after: string[]; before: string[] }>>;
    readonly taskdeps?: Readonly<Record<string, string[] | null>>;
    readonly error: string | null;
    readonly error_stage?: "config" | "recipe" | "expand";
    readonly expanding?: readonly string[];
  };
}

export interface CaseResult {
  readonly name: string;
  /** One line per expectation that differs, with expected and actual values. */
  readonly failures: readonly string[];
}

export function loadCases(dir: string): ConformanceCase[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as ConformanceCase);
}

type Stage = "config" | "recipe" | "expand";

interface Outcome {
  error: string | null;
  stage?: Stage;
  expanding?: string[];
  message?: string;
  vars: Record<string, string | null>;
  flags: Record<string, string | null>;
  tasks: Record<string, { after: string[]; before: string[] }>;
  taskdeps: Record<string, string[] | null>;
}

function categoryOf(err: unknown): string {
  if (err instanceof ExpansionError) return "ExpansionError";
  if (err instanceof DataFatalError) return "FatalError";
  if (err instanceof MetadataError) return err.category;
  return `unexpected ${err instanceof Error ? err.name : typeof err}`;
}

function messageOf(err: unknown): string {
  if (err instanceof MetadataError) return err.format();
  return err instanceof Error ? err.message : String(err);
}

/** bbappends apply by exact name, or by the text before a `%` as a prefix; in code-point order. */
export function appendsFor(recipe: string, appends: readonly string[]): string[] {
  const recipeName = basename(recipe);
  return appends
    .filter((a) => {
      const name = basename(a).replace(/\.bbappend$/, ".bb");
      const percent = name.indexOf("%");
      return percent < 0 ? name === recipeName : recipeName.startsWith(name.slice(0, percent));
    })
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function evaluateCase(c: ConformanceCase, dir: string): Outcome {
  const outcome: Outcome = { error: null, vars: {}, flags: {}, tasks: {}, taskdeps: {} };
  let config: Metadata;
  try {
    config = loadConfiguration({ vars: { BBPATH: dir, TOPDIR: dir }, confFiles: ["conf/base.conf"] });
  } catch (err) {
    return { ...outcome, error: categoryOf(err), stage: "config", message: messageOf(err) };
  }
  const recipesDir = join(dir, "recipes");
  const appends = readdirSync(recipesDir)
    .filter((f) => f.endsWith(".bbappend"))
    .map((f) => join(recipesDir, f));
  const recipe = join(dir, c.recipe);
  let parsed: ParsedRecipe;
  try {
    parsed = parseRecipe(config, recipe, appendsFor(recipe, appends));
  } catch (err) {
    return { ...outcome, error: categoryOf(err), stage: "recipe", message: messageOf(err) };
  }
  const d = parsed.metadata.d;
  const reading = (what: string, read: () => void): Outcome | null => {
    try {
      read();
      return null;
    } catch (err) {
      return { ...outcome, error: categoryOf(err), stage: "expand", expanding: [what], message: messageOf(err) };
    }
  };
  // An error case names what BitBake was reading when expansion failed; read the same.
  for (const name of c.expect.expanding ?? []) {
    const failed = reading(name, () => d.getVar(name));
    if (failed) return failed;
  }
  for (const name of Object.keys(c.expect.vars ?? {})) {
    const failed = reading(name, () => (outcome.vars[name] = d.getVar(name)));
    if (failed) return failed;
  }
  for (const key of Object.keys(c.expect.flags ?? {})) {
    const m = /^(.*)\[([^\]]+)\]$/.exec(key)!;
    const failed = reading(m[1]!, () => (outcome.flags[key] = d.getVarFlag(m[1]!, m[2]!)));
    if (failed) return failed;
  }
  if (c.expect.tasks) {
    for (const task of parsed.tasks) outcome.tasks[task.name] = { after: [...task.after], before: [] };
    for (const task of parsed.tasks) {
      for (const dep of task.after) outcome.tasks[dep]?.before.push(task.name);
    }
    for (const entry of Object.values(outcome.tasks)) entry.before.sort();
  }
  for (const task of Object.keys(c.expect.taskdeps ?? {})) {
    const failed = reading(task, () => {
      const exists = parsed.tasks.some((t) => t.name === task);
      outcome.taskdeps[task] = exists ? [...taskDependencies(d, [task]).get(task)!.deps] : null;
    });
    if (failed) return failed;
  }
  return outcome;
}

function show(value: unknown): string {
  return JSON.stringify(value);
}

export function runCase(c: ConformanceCase): CaseResult {
  const dir = mkdtempSync(join(tmpdir(), `bake-conformance-${c.name}-`));
  try {
    for (const [path, text] of Object.entries(c.files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    mkdirSync(join(dir, "recipes"), { recursive: true });
    const got = evaluateCase(c, dir);
    const failures: string[] = [];
    const e = c.expect;
    if (e.error !== got.error) {
      failures.push(`error: expected ${show(e.error)}, got ${show(got.error)}${got.message ? `\n      ${got.message.replace(/\n/g, "\n      ")}` : ""}`);
      return { name: c.name, failures };
    }
    if (e.error !== null) {
      if (e.error_stage !== undefined && e.error_stage !== got.stage) {
        failures.push(`error_stage: expected ${show(e.error_stage)}, got ${show(got.stage)} (${got.message ?? ""})`);
      }
      if (e.expanding !== undefined && !isDeepStrictEqual([...e.expanding], got.expanding)) {
        failures.push(`expanding: expected ${show(e.expanding)}, got ${show(got.expanding)}`);
      }
      return { name: c.name, failures };
    }
    for (const [name, value] of Object.entries(e.vars ?? {})) {
      if (got.vars[name] !== value) failures.push(`${name}: expected ${show(value)}, got ${show(got.vars[name])}`);
    }
    for (const [key, value] of Object.entries(e.flags ?? {})) {
      if (got.flags[key] !== value) failures.push(`${key}: expected ${show(value)}, got ${show(got.flags[key])}`);
    }
    if (e.tasks && !isDeepStrictEqual(e.tasks, got.tasks)) {
      failures.push(`tasks: expected ${show(e.tasks)}\n       got ${show(got.tasks)}`);
    }
    for (const [task, deps] of Object.entries(e.taskdeps ?? {})) {
      if (!isDeepStrictEqual(deps, got.taskdeps[task])) {
        failures.push(`taskdeps ${task}: expected ${show(deps)}, got ${show(got.taskdeps[task])}`);
      }
    }
    return { name: c.name, failures };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
