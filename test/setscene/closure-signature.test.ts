// `[hashclosure]` signatures: a task's taskhash covers the set of named tasks it reaches, through
// any path, and nothing else about how they are reached. The set is hashed as one closureDigest
// computed from bitsets; these tests hold it to the set semantics.
import test from "ava";
import { createHash } from "node:crypto";
import type { RecipeInfo, TaskInfo } from "../../lib/config/index.js";
import { taskId, type TaskGraph, type TaskId, type TaskNode } from "../../lib/graph/types.js";
import { Signatures } from "../../lib/setscene/index.js";
import { closureDigest, computeTaskHash } from "../../lib/signature/index.js";
import { asUniHash, type TaskHash, type UniHash } from "../../lib/common/hashes.js";

/** A unihash standing for `label` (what a hash-equivalence server would hand out). */
const unihash = (label: string): UniHash => asUniHash(createHash("sha256").update(label).digest("hex"));

/**
 * Recipes (pn -> DEPENDS) as fetch -> prepare_recipe_sysroot -> compile -> populate_sysroot, the
 * sysroot task after the DEPENDS' populate_sysroot and covering its whole closure, as staging does.
 * `reversed` builds the same graph with every list and the node order reversed.
 */
function graph(recipes: Record<string, string[]>, reversed = false): TaskGraph {
  const order = <T>(xs: T[]): T[] => (reversed ? [...xs].reverse() : xs);
  const nodes: TaskNode[] = [];
  for (const [pn, depends] of order(Object.entries(recipes))) {
    const recipe = { pn, file: `/l/${pn}.bb`, variant: "" } as RecipeInfo;
    const add = (name: string, deps: TaskId[], flags: TaskInfo["flags"] = {}) => {
      const id = taskId(recipe.file, name);
      nodes.push({ id, recipeId: recipe.file, recipe, task: { name, after: [], flags, basehash: `${pn}-${name}` }, deps: order(deps) });
      return id;
    };
    const fetch = add("do_fetch", []);
    const prepare = add(
      "do_prepare_recipe_sysroot",
      depends.map((d) => taskId(`/l/${d}.bb`, "do_populate_sysroot")),
      { hashclosure: "do_populate_sysroot" },
    );
    const compile = add("do_compile", [fetch, prepare]);
    add("do_populate_sysroot", [compile], { sstate: "x86_64" });
  }
  return { nodes: new Map(order(nodes).map((n) => [n.id, n])), targets: [] };
}

const id = (pn: string, task: string) => taskId(`/l/${pn}.bb`, task);
const PREPARE = "do_prepare_recipe_sysroot";

/**
 * Every taskhash, with hash equivalence pinning `pinned` recipes' populate_sysroot unihash (their
 * output did not change), so that a closure's effect is seen apart from its direct dependencies'.
 */
async function hashes(g: TaskGraph, pinned: readonly string[] = []): Promise<{ sig: Signatures; of: (pn: string, task?: string) => TaskHash }> {
  const sig = new Signatures(g, {
    taint: () => null,
    asksServer: (n) => pinned.includes(n.recipe.pn) && n.task.name === "do_populate_sysroot",
    lookup: async (qs) => qs.map((q) => unihash(`pinned-${q.node.recipe.pn}`)),
  });
  await sig.compute(g.nodes.keys());
  return { sig, of: (pn, task = PREPARE) => sig.taskhashOf(id(pn, task)) };
}

const pnsOf = (g: TaskGraph, ids: readonly TaskId[]) => ids.map((i) => g.nodes.get(i)!.recipe.pn).sort();

test("the closure is every populate_sysroot reached, and the taskhash is computeTaskHash of its closureDigest", async (t) => {
  const g = graph({ gmp: [], mpfr: ["gmp"], gcc: ["mpfr", "gmp"], zlib: [], app: ["gcc", "zlib"], other: [] });
  const { sig, of } = await hashes(g);
  t.deepEqual(pnsOf(g, sig.closureMembers(id("app", PREPARE))), ["gcc", "gmp", "mpfr", "zlib"]);
  t.deepEqual(pnsOf(g, sig.closureMembers(id("mpfr", PREPARE))), ["gmp"]);
  t.deepEqual(sig.closureMembers(id("gmp", PREPARE)), []);
  t.deepEqual(sig.closureMembers(id("app", "do_compile")), [], "only flagged tasks have a closure");
  const closure = sig.closureDeps(id("app", PREPARE));
  t.deepEqual(closure.map((d) => d.task), ["gcc:do_populate_sysroot", "gmp:do_populate_sysroot", "mpfr:do_populate_sysroot", "zlib:do_populate_sysroot"]);
  const expected = computeTaskHash({ basehash: `app-${PREPARE}`, taint: null, deps: sig.runTaskDeps(id("app", PREPARE)), files: [], closure: closureDigest(closure) });
  t.is(of("app"), expected);
  // A task without a closure hashes as before closures had a digest (format 1: no closure field).
  t.is(of("gmp"), computeTaskHash({ basehash: `gmp-${PREPARE}`, taint: null, deps: [], files: [] }));
});

test("gaining or losing a reachable member changes the signature, even when every direct dependency keeps its unihash", async (t) => {
  const before = await hashes(graph({ zlib: [], lib: [], app: ["lib"] }), ["lib"]);
  const gained = await hashes(graph({ zlib: [], lib: ["zlib"], app: ["lib"] }), ["lib"]);
  t.is(gained.sig.unihashOf(id("lib", "do_populate_sysroot")), before.sig.unihashOf(id("lib", "do_populate_sysroot")));
  t.not(gained.of("app"), before.of("app"), "zlib joined app's closure");
  const lost = await hashes(graph({ zlib: [], lib: [], app: ["lib"] }), ["lib"]);
  t.is(lost.of("app"), before.of("app"), "the same closure again, the same signature");
});

test("a closure that is unchanged keeps its signature, however its members are reached", async (t) => {
  const base = { gmp: [], mpfr: ["gmp"], lib: [] as string[], app: ["mpfr", "lib"] };
  const before = await hashes(graph(base), ["lib"]);
  // lib now also reaches gmp, which app's closure held already through mpfr.
  const rewired = await hashes(graph({ ...base, lib: ["gmp"] }), ["lib"]);
  t.is(rewired.of("app"), before.of("app"));
  t.not(rewired.of("lib"), before.of("lib"), "lib's own closure did change");
  // Recipes outside the closure (which renumber the bitsets) change nothing either.
  const more = await hashes(graph({ aaa: [], ...base, zzz: ["app"], mmm: ["gmp"] }), ["lib"]);
  t.is(more.of("app"), before.of("app"));
  t.is(more.of("app", "do_populate_sysroot"), before.of("app", "do_populate_sysroot"));
});

test("the order in which tasks and dependencies are discovered is irrelevant", async (t) => {
  const recipes = { gmp: [], mpfr: ["gmp"], gcc: ["mpfr", "gmp"], zlib: [], app: ["gcc", "zlib"] };
  const forward = await hashes(graph(recipes));
  const backward = await hashes(graph(recipes, true));
  for (const pn of Object.keys(recipes)) {
    for (const task of ["do_fetch", PREPARE, "do_compile", "do_populate_sysroot"]) t.is(backward.of(pn, task), forward.of(pn, task), `${pn}:${task}`);
  }
});

test("a member whose unihash changes after it ran changes the closure task, though the dependency between keeps its own", async (t) => {
  const g = graph({ gmp: [], gcc: ["gmp"], app: ["gcc"] });
  const { sig, of } = await hashes(g, ["gcc"]);
  const before = of("app");
  // gmp reports an output-equivalent unihash; gcc (pinned) keeps its unihash; app's sysroot holds gmp.
  const changed = await sig.setUnihash(id("gmp", "do_populate_sysroot"), unihash("gmp-equivalent"), () => true);
  t.true(changed.includes(id("app", PREPARE)));
  t.not(of("app"), before);
  t.is(sig.unihashOf(id("gcc", "do_populate_sysroot")), unihash("pinned-gcc"));
  // The same closure computed from scratch with that unihash gives the same signature.
  t.is(of("app"), computeTaskHash({ basehash: `app-${PREPARE}`, taint: null, deps: sig.runTaskDeps(id("app", PREPARE)), files: [], closure: closureDigest(sig.closureDeps(id("app", PREPARE))) }));
  t.true(sig.closureDeps(id("app", PREPARE)).some((d) => d.unihash === unihash("gmp-equivalent")));
});

/** A seeded generator (mulberry32), so a failing graph can be rebuilt. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/** The populate_sysroot tasks reachable from a task's dependencies, by a plain walk of the graph. */
function walkedClosure(g: TaskGraph, from: TaskId): Set<TaskId> {
  const seen = new Set<TaskId>();
  const work = [...g.nodes.get(from)!.deps];
  while (work.length > 0) {
    const t = work.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    work.push(...g.nodes.get(t)!.deps);
  }
  return new Set([...seen].filter((t) => g.nodes.get(t)!.task.name === "do_populate_sysroot"));
}

test("on random graphs, each closure digest covers exactly the tasks a plain walk reaches, summed incrementally as from scratch", async (t) => {
  for (const seed of [1, 2, 3]) {
    const rand = seeded(seed);
    const recipes: Record<string, string[]> = {};
    const pns = Array.from({ length: 80 }, (_, i) => `r${String(i).padStart(2, "0")}`);
    pns.forEach((pn, i) => {
      const deps = new Set<string>();
      for (let k = Math.floor(rand() * 5); k > 0 && i > 0; k--) deps.add(pns[Math.floor(rand() * i)]!);
      recipes[pn] = [...deps];
    });
    const g = graph(recipes);
    // Every populate_sysroot pinned: a change reaches a sysroot task only through its closure.
    const { sig, of } = await hashes(g, pns);
    const closures = new Map(pns.map((pn) => [pn, walkedClosure(g, id(pn, PREPARE))]));
    for (const pn of pns) {
      t.deepEqual([...sig.closureMembers(id(pn, PREPARE))].sort(), [...closures.get(pn)!].sort(), `seed ${seed}: ${pn}'s members`);
      const fromScratch = computeTaskHash({ basehash: `${pn}-${PREPARE}`, taint: null, deps: sig.runTaskDeps(id(pn, PREPARE)), files: [], closure: closureDigest(sig.closureDeps(id(pn, PREPARE))) });
      t.is(of(pn), fromScratch, `seed ${seed}: ${pn}'s digest`);
    }
    // One member's unihash changes: exactly the sysroot tasks whose walked closure holds it change.
    const changedMember = pns[Math.floor(rand() * 20)]!;
    const member = id(changedMember, "do_populate_sysroot");
    const before = new Map(pns.map((pn) => [pn, of(pn)]));
    await sig.setUnihash(member, unihash(`changed-${seed}`), () => true);
    const changed = pns.filter((pn) => of(pn) !== before.get(pn));
    t.deepEqual(changed, pns.filter((pn) => closures.get(pn)!.has(member)), `seed ${seed}: ${changedMember} changed`);
    for (const pn of changed) {
      t.is(of(pn), computeTaskHash({ basehash: `${pn}-${PREPARE}`, taint: null, deps: sig.runTaskDeps(id(pn, PREPARE)), files: [], closure: closureDigest(sig.closureDeps(id(pn, PREPARE))) }));
    }
  }
});

test("closureDigest is a fixed function of the set (a change here changes every [hashclosure] signature)", (t) => {
  const members = [
    { task: "gmp:do_populate_sysroot", unihash: unihash("gmp") },
    { task: "zlib:do_populate_sysroot", unihash: unihash("zlib") },
  ];
  t.is(closureDigest(members), closureDigest([...members].reverse()));
  t.is(closureDigest(members), "a5306976b28074a80c598cb39d4e069e7e661f29c00fb718f95c4ff6d2451925");
  t.is(closureDigest([]), null);
});
