// [lockfiles] keep tasks that share a lock from running at the same time; bake -v traces shell tasks.
import test from "ava";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runBuild, succeeded } from "../../lib/run/index.js";
import { buildGraph, makeFixture } from "./fixture.js";

function compileRecipe(pn: string): string {
  return [
    "do_compile() {",
    "\ttrace compile-start",
    "\tsleep 0.5",
    "\ttrace compile-end",
    "}",
    'do_compile[lockfiles] = "${TOPDIR}/locks/shared.lock"',
    "",
  ].join("\n").replace(/PN/g, pn);
}

test("tasks sharing a [lockfiles] entry never overlap, even with threads free", async (t) => {
  const f = makeFixture();
  t.teardown(f.cleanup);
  for (const pn of ["lockone", "locktwo"]) writeFileSync(join(f.root, `meta-test/recipes/${pn}_1.0.bb`), compileRecipe(pn));
  const summary = await runBuild(buildGraph(f.topdir, ["lockone", "locktwo"]), { topdir: f.topdir, threads: 2 });
  t.true(succeeded(summary));
  const compile = f.trace().filter((l) => l.includes(":compile-"));
  t.is(compile.length, 4);
  // Whoever took the lock first finished before the other started.
  const first = compile[0]!.split(":")[0]!;
  t.deepEqual(compile.map((l) => l.replace(first, "A").replace(/lock(one|two)/, "B")), [
    "A:compile-start", "A:compile-end", "B:compile-start", "B:compile-end",
  ]);
});

test("BB_VERBOSE_LOGS (bake -v) traces every command of a shell task into its log", async (t) => {
  const f = makeFixture();
  t.teardown(f.cleanup);
  writeFileSync(join(f.root, "meta-test/recipes/traced_1.0.bb"), "do_compile() {\n\techo traced-output\n}\n");
  const summary = await runBuild(buildGraph(f.topdir, ["traced"]), { topdir: f.topdir, threads: 1, vars: { BB_VERBOSE_LOGS: "1" } });
  t.true(succeeded(summary));
  const temp = join(f.topdir, "tmp/work/traced/temp");
  t.regex(readFileSync(join(temp, "run.do_compile"), "utf8"), /^set -x$/m);
  t.regex(readFileSync(join(temp, "log.do_compile"), "utf8"), /^\+ echo traced-output$/m);
});
