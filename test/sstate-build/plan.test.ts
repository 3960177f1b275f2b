// The pure parts: the setscene plan over a hand-made graph, taskhash inputs, and diffsigs.
import test from "ava";
import type { RecipeInfo, TaskInfo } from "../../lib/config/index.js";
import { DependencyLoop, taskId, type TaskGraph, type TaskId, type TaskNode } from "../../lib/graph/index.js";
import { isSstateTask, planSetscene, Signatures } from "../../lib/setscene/index.js";
import { compareSigData, computeTaskHash, type SigData } from "../../lib/signature/index.js";
import { asUniHash } from "../../lib/common/hashes.js";

/** Recipes whose tasks form fetch -> compile -> populate_sysroot, with populate_sysroot of DEPENDS before compile. */
function graph(recipes: Record<string, string[]>, target: string): TaskGraph {
  const nodes = new Map<TaskId, TaskNode>();
  for (const [pn, depends] of Object.entries(recipes)) {
    const recipe = { pn, file: `/l/${pn}.bb`, variant: "" } as RecipeInfo;
    const add = (name: string, deps: TaskId[], flags: TaskInfo["flags"] = {}) => {
      const id = taskId(recipe.file, name);
      nodes.set(id, { id, recipeId: recipe.file, recipe, task: { name, after: [], flags, basehash: `${pn}-${name}` }, deps });
      return id;
    };
    const fetch = add("do_fetch", []);
    const compile = add("do_compile", [fetch, ...depends.map((d) => taskId(`/l/${d}.bb`, "do_populate_sysroot"))]);
    const pop = add("do_populate_sysroot", [compile], { sstate: "x86_64", "sstate-inputdirs": "/w/in", "sstate-outputdirs": "/w/out" });
    add("do_build", [pop], { noexec: "1" });
  }
  return { nodes, targets: [taskId(`/l/${target}.bb`, "do_build")] };
}

const names = (g: TaskGraph, ids: Iterable<TaskId>) => [...ids].map((id) => `${g.nodes.get(id)!.recipe.pn}:${g.nodes.get(id)!.task.name}`).sort();
const closure = (g: TaskGraph, root: TaskId) => {
  const out = new Set<TaskId>();
  const work = [root];
  while (work.length > 0) {
    const id = work.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    work.push(...g.nodes.get(id)!.deps);
  }
  return out;
};

test("a restored task makes everything only it needed unnecessary, and pulls in its same-name dependencies", (t) => {
  const g = graph({ gmp: [], gcc: ["gmp"], app: ["gcc"] }, "app");
  const set = closure(g, g.targets[0]!);
  const sstate = (id: TaskId) => (g.nodes.get(id)!.recipe.pn === "app" ? "missing" : "available");
  const plan = planSetscene(g, set, { isSstate: (n) => n.task.flags.sstate !== undefined, sstate });
  t.deepEqual(names(g, plan.run), ["app:do_build", "app:do_compile", "app:do_fetch", "app:do_populate_sysroot"]);
  t.deepEqual(names(g, plan.restore), ["gcc:do_populate_sysroot", "gmp:do_populate_sysroot"]);
  t.deepEqual(names(g, plan.covered), ["gcc:do_compile", "gcc:do_fetch", "gmp:do_compile", "gmp:do_fetch"]);
});

test("a missing object below a restored one is built, with what it needs", (t) => {
  const g = graph({ gmp: [], gcc: ["gmp"], app: ["gcc"] }, "app");
  const set = closure(g, g.targets[0]!);
  const plan = planSetscene(g, set, {
    isSstate: (n) => n.task.flags.sstate !== undefined,
    sstate: (id) => (g.nodes.get(id)!.recipe.pn === "gcc" ? "available" : "missing"),
  });
  t.deepEqual(names(g, plan.restore), ["gcc:do_populate_sysroot"]);
  t.true(names(g, plan.run).includes("gmp:do_compile"));
  t.deepEqual(names(g, plan.covered), ["gcc:do_compile", "gcc:do_fetch"]);
});

test("signatures: a dependency's unihash, not its taskhash, reaches the tasks after it", async (t) => {
  const g = graph({ a: [], b: ["a"] }, "b");
  const ids = [...closure(g, g.targets[0]!)];
  const pop = taskId("/l/a.bb", "do_populate_sysroot");
  const plain = new Signatures(g, { taint: () => null });
  await plain.compute(ids);
  const mapped = new Signatures(g, {
    taint: () => null,
    asksServer: (n) => n.id === pop,
    lookup: async (qs) => qs.map(() => asUniHash("f".repeat(64))),
  });
  await mapped.compute(ids);
  t.is(mapped.unihashOf(pop), asUniHash("f".repeat(64)));
  t.is(mapped.taskhashOf(pop), plain.taskhashOf(pop));
  const bCompile = taskId("/l/b.bb", "do_compile");
  t.not(mapped.taskhashOf(bCompile), plain.taskhashOf(bCompile));
  // Learning a unihash later recomputes what comes after it.
  const changed = await plain.setUnihash(pop, asUniHash("f".repeat(64)), () => true);
  t.true(changed.includes(bCompile));
  t.is(plain.taskhashOf(bCompile), mapped.taskhashOf(bCompile));
});

test("signatures of a graph with a loop: the loop, each task depending on the next", async (t) => {
  const g = graph({ a: ["b"], b: ["a"] }, "a");
  const sigs = new Signatures(g, { taint: () => null });
  const err = await t.throwsAsync(sigs.compute(g.targets), { instanceOf: DependencyLoop });
  t.deepEqual(err!.loop, ["a:do_populate_sysroot", "a:do_compile", "b:do_populate_sysroot", "b:do_compile", "a:do_populate_sysroot"]);
});

test("taskhash: order of dependencies does not matter, file checksums do", (t) => {
  const deps = [{ task: "a:do_x", unihash: "1" }, { task: "b:do_y", unihash: "2" }];
  const base = { basehash: "b", taint: null, files: [{ name: "./f.c", sha256: "0" }] };
  t.is(computeTaskHash({ ...base, deps }), computeTaskHash({ ...base, deps: [...deps].reverse() }));
  t.not(computeTaskHash({ ...base, deps }), computeTaskHash({ ...base, deps, files: [{ name: "./f.c", sha256: "1" }] }));
});

test("diffsigs names the variable, the file and the dependency that changed, old and new", (t) => {
  const a: SigData = {
    format: 2, pn: "x", task: "do_compile", basehash: "b1", code: "make ${CFLAGS}",
    values: [["CFLAGS", "-O2"]], direct: { do_compile: ["CFLAGS"], CFLAGS: [] },
    runtaskdeps: [{ task: "x:do_configure", unihash: "u1", sigdata: null }], closure: [], files: [{ name: "./x.c", sha256: "s1" }],
    taint: null, taskhash: "t1", unihash: "t1",
  };
  const b: SigData = { ...a, basehash: "b2", values: [["CFLAGS", "-O3"]], runtaskdeps: [{ task: "x:do_configure", unihash: "u2", sigdata: null }], files: [{ name: "./x.c", sha256: "s2" }], taskhash: "t2", unihash: "t2" };
  const lines = compareSigData(a, b);
  t.true(lines.includes("Variable CFLAGS value changed from '-O2' to '-O3'"));
  t.true(lines.includes("Checksum for file ./x.c changed from s1 to s2"));
  t.true(lines.includes("Hash for task dependency x:do_configure changed from u1 to u2"));
});

test("a noexec task is not shared state: nothing to restore, not counted as wanted", (t) => {
  const g = graph({ a: [] }, "a");
  const pop = g.nodes.get(taskId("/l/a.bb", "do_populate_sysroot"))!;
  t.true(isSstateTask(pop));
  t.false(isSstateTask({ ...pop, task: { ...pop.task, flags: { ...pop.task.flags, noexec: "1" } } }));
});
