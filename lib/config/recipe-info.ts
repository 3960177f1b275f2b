// What the rest of the build needs to know about a parsed recipe, without its datastore: names and
// versions, what it provides and depends on, its packages, its tasks with their flags and basehashes.
// This is what the parse cache stores (BitBake's RecipeInfo in bb/cache.py).
import type { DataStore } from "../data/index.js";
import type { ParsedRecipe } from "../evaluate/index.js";
// Not signature/index.js: that also loads the signature-data reader and zod (about 150 ms), which
// no parse needs, in every parse thread.
import { computeBaseHash } from "../signature/basehash.js";
import { taskDependencies } from "../signature/taskdeps.js";

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

function words(d: DataStore, name: string): string[] {
  return (d.getVar(name) ?? "").split(/\s+/).filter(Boolean);
}

export function recipeInfo(parsed: ParsedRecipe, file: string, layerPriority: number): RecipeInfo {
  const d = parsed.metadata.d;
  const pn = d.getVar("PN") ?? "";
  const base = {
    file,
    variant: parsed.variant,
    pn,
    pe: d.getVar("PE") ?? "",
    pv: d.getVar("PV") ?? "",
    pr: d.getVar("PR") ?? "",
    layerPriority,
    defaultPreference: Number(d.getVar("DEFAULT_PREFERENCE") ?? 0) || 0,
    stamp: d.getVar("STAMP"),
    hostTools: words(d, "HOSTTOOLS"),
    inherits: [...parsed.metadata.inherited],
  };
  if (parsed.skipped !== null) {
    return {
      ...base, provides: [pn], depends: [], packages: [], rdepends: {}, rrecommends: {}, rprovides: {},
      skipped: parsed.skipped, tasks: [],
    };
  }
  // As BitBake's cache (RecipeInfoCommon): a recipe without PACKAGES has its PN as its one
  // package, and the recipe-wide RDEPENDS, RRECOMMENDS and RPROVIDES apply to every package.
  const declared = words(d, "PACKAGES");
  const packages = declared.length > 0 ? declared : [pn];
  const perPackage = (name: string) => {
    const wide = explodeDeps(d.getVar(name));
    return Object.fromEntries(packages.map((p) => [p, [...wide, ...explodeDeps(d.getVar(`${name}:${p}`))]] as const));
  };
  const names = parsed.tasks.map((t) => t.name);
  const deps = taskDependencies(d, names);
  const tasks: TaskInfo[] = parsed.tasks.map((t) => {
    const flags: Partial<Record<(typeof TASK_FLAGS)[number], string>> = {};
    // Only the flags the task has are expanded (a task sets a few of the two dozen), found from
    // one look at its flags rather than two dozen lookups through the datastore's layers.
    const flagOf = (name: string, flag: string, expand = true) => (d.hasFlag(name, flag) ? d.getVarFlag(name, flag, expand) : null);
    const present = d.getVarFlags(t.name) ?? {};
    for (const flag of TASK_FLAGS) {
      if (Object.hasOwn(present, flag)) {
        const value = d.getVarFlag(t.name, flag, true);
        if (value !== null) flags[flag] = value;
      }
    }
    const funcs = [...(flagOf(t.name, "prefuncs") ?? "").split(/\s+/), t.name, ...(flagOf(t.name, "postfuncs") ?? "").split(/\s+/)];
    const pythonFuncs = funcs.filter((f) => f !== "" && Boolean(flagOf(f, "python", false)));
    return { name: t.name, after: t.after, flags, basehash: computeBaseHash(deps.get(t.name)!), ...(pythonFuncs.length > 0 ? { pythonFuncs } : {}) };
  });
  const provides = [pn, ...words(d, "PROVIDES").filter((p) => p !== pn)];
  return {
    ...base,
    provides,
    depends: explodeDeps(d.getVar("DEPENDS")),
    packages,
    rdepends: perPackage("RDEPENDS"),
    rrecommends: perPackage("RRECOMMENDS"),
    rprovides: perPackage("RPROVIDES"),
    packagesDynamic: words(d, "PACKAGES_DYNAMIC"),
    skipped: null,
    tasks,
  };
}
