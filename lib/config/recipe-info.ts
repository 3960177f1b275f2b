// What the rest of the build needs to know about a parsed recipe, without its datastore: names and
// versions, what it provides and depends on, its packages, its tasks with their flags and basehashes.
// This is what the parse cache stores (BitBake's RecipeInfo in bb/cache.py).
//
// Only the shapes and what reads them are here; computing a record (signature analysis) is
// recipe-record.ts, which a run that parses nothing (a warm `-p`, `-e`) does not load.

/** Task flags that shape the task graph or how a task runs (expanded values). */
export const TASK_FLAGS = [
  "depends", "rdepends", "deptask", "rdeptask", "recrdeptask", "recideptask", "mcdepends",
  "noexec", "nostamp", "fakeroot", "umask", "dirs", "cleandirs", "network", "lockfiles",
  "sstate", "sstate-inputdirs", "sstate-outputdirs", "sstate-plaindirs", "stamp-extra-info", "file-checksums", "doc",
  "hashclosure", "interactive",
] as const;

export interface TaskInfo {
  /** `do_compile`. */
  readonly name: string;
  /** Tasks of the same recipe this one runs after (`addtask … after …`). */
  readonly after: readonly string[];
  readonly flags: Readonly<Partial<Record<(typeof TASK_FLAGS)[number], string>>>;
  /** Hash of the task's code and the values it uses (see lib/signature). */
  readonly basehash: string;
  /** The task's functions (prefuncs, itself, postfuncs) written in Python, which bake cannot run: known at -n already. */
  readonly pythonFuncs?: readonly string[];
}

export interface RecipeInfo {
  /** The recipe file; with the variant, what identifies a recipe (BitBake's `virtual:native:/path`). */
  readonly file: string;
  readonly variant: string;
  readonly pn: string;
  readonly pe: string;
  readonly pv: string;
  readonly pr: string;
  /** PN and PROVIDES. */
  readonly provides: readonly string[];
  /** DEPENDS, version constraints dropped. */
  readonly depends: readonly string[];
  readonly packages: readonly string[];
  /** RDEPENDS and RRECOMMENDS of each package, constraints dropped. */
  readonly rdepends: Readonly<Record<string, readonly string[]>>;
  readonly rrecommends: Readonly<Record<string, readonly string[]>>;
  /** RPROVIDES of each package (the package name itself is implied), the recipe's own RPROVIDES included. */
  readonly rprovides: Readonly<Record<string, readonly string[]>>;
  /** PACKAGES_DYNAMIC: regular expressions of package names the recipe may make (BitBake asks them when nothing else provides a name). */
  readonly packagesDynamic?: readonly string[];
  readonly defaultPreference: number;
  readonly layerPriority: number;
  readonly skipped: string | null;
  /** ${STAMP}: where the recipe's stamps live, known without parsing it again. */
  readonly stamp: string | null;
  /** What the recipe's parse-time code warned about (bb.warn, bb.error): shown when a build uses the recipe, cached or not. */
  readonly warnings?: readonly string[];
  /** HOSTTOOLS: the build host's programs the recipe's tasks run, checked before a build starts. */
  readonly hostTools: readonly string[];
  /** The class files the recipe inherits, the configuration's included, in inheritance order (BitBake's __inherit_cache). */
  readonly inherits: readonly string[];
  readonly tasks: readonly TaskInfo[];
}

/** What choosing a provider (and naming the chosen recipe's stamps) reads of a record. */
const SUMMARY_FIELDS = [
  "file", "variant", "pn", "pe", "pv", "pr", "provides", "packages", "rprovides", "packagesDynamic",
  "defaultPreference", "layerPriority", "skipped", "stamp",
] as const;

/**
 * A record cut to what choosing a provider needs: a twentieth of the record's size (no tasks, no
 * dependencies, no inherits), so that `-e RECIPE` and `getvar` read little of the parse cache.
 */
export type RecipeSummary = Pick<RecipeInfo, (typeof SUMMARY_FIELDS)[number]>;

export function summaryOf(info: RecipeInfo): RecipeSummary {
  const summary: Partial<Record<keyof RecipeSummary, unknown>> = {};
  for (const field of SUMMARY_FIELDS) if (info[field] !== undefined) summary[field] = info[field];
  return summary as RecipeSummary;
}

/** `virtual:native:/path/x.bb` for a variant, the path itself otherwise (BitBake's naming). */
export function recipeId(file: string, variant: string): string {
  return variant === "" ? file : `virtual:${variant}:${file}`;
}

/** Names from a DEPENDS/RDEPENDS list, dropping `(>= 1.0)` constraints (bb.utils.explode_deps). */
export function explodeDeps(text: string | null): string[] {
  const out: string[] = [];
  let inConstraint = false;
  for (const word of (text ?? "").split(/\s+/).filter(Boolean)) {
    if (word.startsWith("(")) inConstraint = true;
    if (!inConstraint) {
      if (!out.includes(word)) out.push(word);
    }
    if (inConstraint && word.endsWith(")")) inConstraint = false;
  }
  return out;
}
