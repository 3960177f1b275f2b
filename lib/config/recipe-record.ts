// A parsed recipe's RecipeInfo record: names and versions, what it provides and depends on, its
// packages, and each task's flags and basehash (signature analysis). Loaded only where recipes are
// parsed (parse-recipe.ts, in parse threads), not by a run whose recipes all come from the cache.
//
// The signature analysis (taskDependencies, computeBaseHash) is about a third of a recipe's parse
// and only builds read it: a record made without it (`signed` false) has an empty basehash.
import type { DataStore } from "../data/index.js";
import type { ParsedRecipe } from "../evaluate/index.js";
// Not signature/index.js: that also loads the signature-data reader and zod (about 150 ms), which
// no parse needs, in every parse thread.
import { computeBaseHash } from "../signature/basehash.js";
import { taskDependencies } from "../signature/taskdeps.js";
import { explodeDeps, TASK_FLAGS, type RecipeInfo, type TaskInfo } from "./recipe-info.js";

function words(d: DataStore, name: string): string[] {
  return (d.getVar(name) ?? "").split(/\s+/).filter(Boolean);
}

export function recipeInfo(parsed: ParsedRecipe, file: string, layerPriority: number, signed: boolean): RecipeInfo {
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
  // Before the flags, as always: the analysis expands values, which may run inline code.
  const deps = signed ? taskDependencies(d, parsed.tasks.map((t) => t.name)) : null;
  const tasks: TaskInfo[] = parsed.tasks.map((t) => {
    const flags: Partial<Record<(typeof TASK_FLAGS)[number], string>> = {};
    // Only the flags the task has are expanded (a task sets a few of the two dozen), found from
    // one look at its flags rather than two dozen lookups through the datastore's layers.
    const flagOf = (name: string, flag: string, expand = true) => (d.hasFlag(name, flag) ? d.getVarFlag(name, flag, expand) : null);
    // Their names only (getVarFlags made an object of every flag's value, function bodies and all).
    const present = new Set(d.flagNames(t.name));
    for (const flag of TASK_FLAGS) {
      if (present.has(flag)) {
        const value = d.getVarFlag(t.name, flag, true);
        if (value !== null) flags[flag] = value;
      }
    }
    const funcs = [...(flagOf(t.name, "prefuncs") ?? "").split(/\s+/), t.name, ...(flagOf(t.name, "postfuncs") ?? "").split(/\s+/)];
    const pythonFuncs = funcs.filter((f) => f !== "" && Boolean(flagOf(f, "python", false)));
    return { name: t.name, after: t.after, flags, basehash: deps === null ? "" : computeBaseHash(deps.get(t.name)!), ...(pythonFuncs.length > 0 ? { pythonFuncs } : {}) };
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
