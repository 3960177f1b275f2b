// OE's SIGGEN_EXCLUDE_SAFE_RECIPE_DEPS: `recipe->dependency` pairs (`*->dependency` for every
// recipe) whose task dependency edges stay in the build but not in the recipe's signatures. For
// dependencies that cannot change the recipe's output, only how it is produced: a build tool that
// is bit-for-bit equivalent whatever its version, or the distributed compiler's environment
// (icecc.bbclass), which must not make a build with a cluster sign its tasks differently.
// A recipe's dependencies on its own tasks always count, as in OE's sstate_rundepfilter.

import { BakeError } from "../common/errors.js";

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    "safe-recipe-deps": SafeRecipeDepsError;
  }
}

export class SafeRecipeDepsError extends BakeError {
  readonly kind = "safe-recipe-deps" as const;
}

export interface SafeRecipeDeps {
  /** Whether `recipe`'s dependencies on `dependency`'s tasks are left out of its signatures. */
  excludes(recipe: string, dependency: string): boolean;
  /** No pair at all: every edge counts (the common case, checked once instead of per edge). */
  readonly none: boolean;
}

/** The pairs of a SIGGEN_EXCLUDE_SAFE_RECIPE_DEPS value; a word that is not `a->b` is an error naming it. */
export function parseSafeRecipeDeps(value: string | null, variable = "SIGGEN_EXCLUDE_SAFE_RECIPE_DEPS"): SafeRecipeDeps {
  const pairs = new Set<string>();
  const everyRecipe = new Set<string>();
  for (const word of (value ?? "").split(/\s+/).filter(Boolean)) {
    const m = /^([^>]+)->([^>]+)$/.exec(word);
    if (m === null || (m[1] !== "*" && m[1]!.includes("*")) || m[2]!.includes("*")) {
      throw new SafeRecipeDepsError(`${variable}: "${word}" is not a recipe->dependency pair (recipe may be *, dependency is a recipe name)`);
    }
    if (m[1] === "*") everyRecipe.add(m[2]!);
    else pairs.add(`${m[1]}->${m[2]}`);
  }
  return {
    none: pairs.size === 0 && everyRecipe.size === 0,
    excludes: (recipe, dependency) => recipe !== dependency && (everyRecipe.has(dependency) || pairs.has(`${recipe}->${dependency}`)),
  };
}
