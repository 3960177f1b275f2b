// Finalising a recipe, as BitBake's ast.finalize: deferred inherits, key expansion, anonymous
// functions, then the task list.
import { FatalError } from "../parse/index.js";
import { runJs } from "../data/index.js";
import { firePythonEvent, runPythonFunction } from "../python/index.js";
import type { Evaluator } from "./statements.js";
import { inherit } from "./statements.js";
import type { Metadata } from "./state.js";

/** A `python` block that would have to run: bake runs JavaScript, so this is an error naming it. */
export class PythonNotSupported extends FatalError {}

export function finalize(m: Metadata, ev: Evaluator, included: (() => string) | null = null): void {
  const fn = m.d.getVar("FILE", false) ?? "";
  // BitBake fires these at the recipe's python handlers while it finalises (bb.parse.ast.finalize).
  const fire = (event: string, args: unknown[]) => {
    if (m.handlers.length > 0) firePythonEvent(event, args, m.d, m.handlers);
  };
  fire("RecipePreDeferredInherits", [fn, m.deferred.map((x) => x.classes)]);
  for (let next = m.deferred.shift(); next; next = m.deferred.shift()) {
    inherit(next.classes, next.loc, m, ev, true);
  }
  for (const handler of m.handlers) {
    if (m.d.getVar(handler, false) === null) {
      throw new FatalError(`undefined event handler function '${handler}'`, null);
    }
  }
  fire("RecipePreFinalise", [fn]);
  m.d.expandKeys();
  fire("RecipePostKeyExpansion", [fn]);
  runAnonymousFunctions(m);
  fire("RecipeTaskPreProcess", [fn, [...m.tasks]]);
  remapVirtualProviders(m);
  for (const task of m.tasks) m.d.setVarFlag(m.d.expand(task), "task", "1");
  // BitBake's BBINCLUDED: what the configuration and this parse included, set last, as ast.finalize does.
  if (included !== null) m.d.setVar("BBINCLUDED", included());
  fire("RecipeParsed", [fn]);
}

/**
 * BitBake's handleVirtRecipeProviders: names listed in BB_RECIPE_VIRTUAL_PROVIDERS are replaced, in
 * DEPENDS and in every task's [depends], by their PREFERRED_PROVIDER. The lists are written back
 * expanded and re-joined, which (as in BitBake) also normalises their spacing.
 */
function remapVirtualProviders(m: Metadata): void {
  const d = m.d;
  const virtuals = new Set((d.getVar("BB_RECIPE_VIRTUAL_PROVIDERS") ?? "").split(/\s+/).filter(Boolean));
  const provider = (name: string): string => {
    if (!virtuals.has(name)) return name;
    const chosen = d.getVar(`PREFERRED_PROVIDER_${name}`);
    if (!chosen) throw new FatalError(`recipe virtual provider PREFERRED_PROVIDER_${name} is not set`, null);
    return chosen;
  };
  const depends = (d.getVar("DEPENDS") ?? "").split(/\s+/).filter(Boolean);
  // Written as metadata code writes it (Python d.setVar): a pending DEPENDS:prepend/:append is
  // folded into the value once, not applied again on top of it.
  d.setVar("DEPENDS", depends.map(provider).join(" "), { parsing: false });
  for (const task of m.tasks) {
    const entries = (d.getVarFlag(task, "depends") ?? "").split(/\s+/).filter(Boolean);
    const remapped = entries.map((entry) => {
      const colon = entry.indexOf(":");
      if (colon < 0) throw new FatalError(`${task}[depends] entry "${entry}" is not of the form recipe:task`, null);
      return `${provider(entry.slice(0, colon))}${entry.slice(colon)}`;
    });
    d.setVarFlag(task, "depends", remapped.join(" "));
  }
}

/**
 * What bitbake -e does to the configuration before it shows it (bb.cooker showEnvironment): key
 * expansion, then the anonymous functions the configuration's classes define.
 */
export function expandConfiguration(m: Metadata): void {
  m.d.expandKeys();
  runAnonymousFunctions(m);
}

function runAnonymousFunctions(m: Metadata): void {
  for (const fn of m.anonymous) {
    if (fn.language === "python") {
      runPythonFunction(fn.name, m.d.getVar(fn.name, false) ?? "", fn.loc.file, fn.loc.line + 1, m.d);
      continue;
    }
    const body = m.d.getVar(fn.name, false) ?? "";
    runJs(body, m.d, { filename: fn.loc.file, line: fn.loc.line + 1 });
  }
}
