// SIGGEN_EXCLUDE_SAFE_RECIPE_DEPS: a dependency edge that orders the build but is not part of the
// dependent's signature, nor of any closure reached through it (icecc.bbclass puts its compiler
// environment behind such an edge, so that building with a cluster signs tasks as building without).
import test from "ava";
import type { RecipeInfo, TaskInfo } from "../../lib/config/index.js";
import { taskId, type TaskGraph, type TaskId, type TaskNode } from "../../lib/graph/types.js";
import { Signatures } from "../../lib/setscene/index.js";
import { parseSafeRecipeDeps, SafeRecipeDepsError, type SafeRecipeDeps } from "../../lib/signature/index.js";

const PREPARE = "do_prepare_recipe_sysroot";
const id = (pn: string, task: string) => taskId(`/l/${pn}.bb`, task);

/**
 * Recipes (pn -> DEPENDS) as fetch -> prepare_recipe_sysroot -> compile -> populate_sysroot, with
 * staging's closure on prepare_recipe_sysroot; `compileDeps` adds `pn:do_compile[depends]` edges.
 */
function graph(recipes: Record<string, string[]>, compileDeps: Record<string, string[]> = {}, basehash: (pn: string, task: string) => string = (pn, task) => `${pn}-${task}`): TaskGraph {
  const nodes: TaskNode[] = [];
  for (const [pn, depends] of Object.entries(recipes)) {
    const recipe = { pn, file: `/l/${pn}.bb`, variant: "" } as RecipeInfo;
    const add = (name: string, deps: TaskId[], flags: TaskInfo["flags"] = {}) => {
      const tid = taskId(recipe.file, name);
      nodes.push({ id: tid, recipeId: recipe.file, recipe, task: { name, after: [], flags, basehash: basehash(pn, name) }, deps });
      return tid;
    };
    const fetch = add("do_fetch", []);
    const prepare = add(PREPARE, depends.map((d) => id(d, "do_populate_sysroot")), { hashclosure: "do_populate_sysroot" });
    const compile = add("do_compile", [fetch, prepare, ...(compileDeps[pn] ?? []).map((d) => id(d, "do_populate_sysroot"))]);
    add("do_populate_sysroot", [compile], { sstate: "x86_64" });
  }
  return { nodes: new Map(nodes.map((n) => [n.id, n])), targets: [] };
}

async function signatures(g: TaskGraph, safe?: SafeRecipeDeps): Promise<Signatures> {
  const sig = new Signatures(g, {
    taint: () => null,
    ...(safe ? { excludesDep: (from: TaskNode, to: TaskNode) => safe.excludes(from.recipe.pn, to.recipe.pn) } : {}),
  });
  await sig.compute(g.nodes.keys());
  return sig;
}

const TASKS = ["do_fetch", PREPARE, "do_compile", "do_populate_sysroot"];
const recipes = { gcc: [], env: ["gcc"], zlib: [], lib: ["zlib"], app: ["lib"] };
// lib and app compile with the environment (as icecc's do_compile[depends]); nothing DEPENDS on it.
const withEnv = { lib: ["env"], app: ["env"] };

test("*->env: the edges stay in the graph, and every signature is what it is without them", async (t) => {
  const plain = await signatures(graph(recipes));
  const g = graph(recipes, withEnv);
  const safe = await signatures(g, parseSafeRecipeDeps("*->env"));
  for (const pn of ["zlib", "lib", "app"]) for (const task of TASKS) t.is(safe.taskhashOf(id(pn, task)), plain.taskhashOf(id(pn, task)), `${pn}:${task}`);
  t.true(g.nodes.get(id("app", "do_compile"))!.deps.includes(id("env", "do_populate_sysroot")), "the build still waits for env");
  // The closure of app's sysroot walks through lib's compile, and does not pick env up there.
  t.deepEqual(safe.closureMembers(id("app", PREPARE)).map((m) => g.nodes.get(m)!.recipe.pn).sort(), ["lib", "zlib"]);
  t.deepEqual(safe.runTaskDeps(id("app", "do_compile")).map((d) => d.task).sort(), ["app:do_fetch", `app:${PREPARE}`]);

  const counted = await signatures(g);
  t.not(counted.taskhashOf(id("lib", "do_compile")), plain.taskhashOf(id("lib", "do_compile")), "without the exclusion the edge counts");
  t.not(counted.taskhashOf(id("app", PREPARE)), plain.taskhashOf(id("app", PREPARE)), "and env joins app's closure through lib's compile");
});

test("a changed environment changes no dependent's signature; the environment's own tasks still chain", async (t) => {
  const safe = parseSafeRecipeDeps("*->env");
  const before = await signatures(graph(recipes, withEnv), safe);
  const after = await signatures(graph(recipes, withEnv, (pn, task) => (pn === "gcc" ? `gcc-2-${task}` : `${pn}-${task}`)), safe);
  for (const pn of ["lib", "app"]) for (const task of TASKS) t.is(after.taskhashOf(id(pn, task)), before.taskhashOf(id(pn, task)), `${pn}:${task}`);
  t.not(after.taskhashOf(id("env", "do_compile")), before.taskhashOf(id("env", "do_compile")), "env depends on gcc as ever");
});

test("recipe->dep excludes for that recipe only", async (t) => {
  const plain = await signatures(graph(recipes));
  const g = graph(recipes, withEnv);
  const only = await signatures(g, parseSafeRecipeDeps("app->env"));
  t.not(only.taskhashOf(id("lib", "do_compile")), plain.taskhashOf(id("lib", "do_compile")));
  t.deepEqual(only.runTaskDeps(id("app", "do_compile")).map((d) => d.task).sort(), ["app:do_fetch", `app:${PREPARE}`]);
});

test("SIGGEN_EXCLUDE_SAFE_RECIPE_DEPS: a word that is not recipe->dependency is an error naming it", (t) => {
  t.true(parseSafeRecipeDeps("").none);
  t.true(parseSafeRecipeDeps("  a->b *->c ").excludes("x", "c"));
  t.false(parseSafeRecipeDeps("*->c").excludes("c", "c"), "a recipe's own tasks always count");
  for (const bad of ["gcc", "a->", "->b", "a->*", "a*->b", "a->b->c"]) {
    const err = t.throws(() => parseSafeRecipeDeps(`x->y ${bad}`), { instanceOf: SafeRecipeDepsError });
    t.true(err!.message.includes(`"${bad}"`), err!.message);
  }
});
