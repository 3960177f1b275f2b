// Shared state across build directories and hash equivalence, end to end through `bake`.
import test from "ava";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixture, runBake, trace, write } from "./fixture.js";

test("a second build directory at another path restores every sstate task and runs none", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const sstate = join(f.root, "sstate");
  const one = f.buildDir("one", [`SSTATE_DIR = "${sstate}"`]);
  const first = await runBake(f, one, ["c"]);
  t.is(first.code, 0, first.out);
  t.regex(first.out, /Sstate summary: Wanted 3 Local 0 Mirrors 0 Missed 3 Current 0 \(0% match/);
  t.deepEqual(trace(one), ["a:do_compile", "a:do_install", "b:do_compile", "b:do_install", "c:do_compile", "c:do_install"]);

  // Another path, deeper, so that no build path can hide in a signature by having the same length.
  const two = f.buildDir("elsewhere/two", [`SSTATE_DIR = "${sstate}"`]);
  const second = await runBake(f, two, ["c"]);
  t.is(second.code, 0, second.out);
  t.regex(second.out, /Sstate summary: Wanted 3 Local 3 Mirrors 0 Missed 0 Current 0 \(100% match/);
  t.deepEqual(trace(two), [], "no task with work in it ran");
  for (const pn of ["a", "b", "c"]) t.regex(second.out, new RegExp(`${pn}:do_populate_sysroot: restored from shared state \\(local\\)`));
  // The restored output is where staging reads it, as after a run.
  const component = (build: string) => readFileSync(join(build, "tmp/sysroots-components/x86_64/c/usr/share/c/c.out"), "utf8");
  t.is(component(two), component(one));
  t.is(component(two), "data of c\na\nb\n");
});

test("a dry run (-n) looks shared state up: what would be restored is not listed to run, and nothing is restored or stamped", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const sstate = join(f.root, "sstate");
  const one = f.buildDir("one", [`SSTATE_DIR = "${sstate}"`]);
  t.is((await runBake(f, one, ["c"])).code, 0);

  const two = f.buildDir("two", [`SSTATE_DIR = "${sstate}"`]);
  const dry = await runBake(f, two, ["-n", "c"]);
  t.is(dry.code, 0, dry.out);
  t.regex(dry.out, /Sstate summary: Wanted 3 Local 3 Mirrors 0 Missed 0 Current 0 \(100% match/);
  for (const pn of ["a", "b", "c"]) t.regex(dry.out, new RegExp(`${pn}:do_populate_sysroot: would be restored from shared state \\(local\\)`));
  const listed = [...dry.out.matchAll(/^NOTE: Running task \d+ of \d+ \(([^)]+)\)/gm)].map((m) => m[1]!);
  t.false(listed.some((task) => /do_(compile|install|populate_sysroot)$/.test(task)), listed.join(" "));
  t.deepEqual(trace(two), []);
  t.false(existsSync(join(two, "tmp/sysroots-components/x86_64/c")), "a dry run restores nothing");

  // No setscene stamp was written: the real build still restores all three.
  const real = await runBake(f, two, ["c"]);
  t.is(real.code, 0, real.out);
  t.regex(real.out, /Sstate summary: Wanted 3 Local 3 Mirrors 0 Missed 0 Current 0/);
  t.deepEqual(trace(two), []);
});

test("a comment changed upstream: the task reruns, its outhash matches, its dependents are restored", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const build = f.buildDir("build", [`SSTATE_DIR = "\${TOPDIR}/sstate-cache"`, 'BB_HASHSERVE = "auto"']);
  const first = await runBake(f, build, ["c"]);
  t.is(first.code, 0, first.out);

  const recipe = join(f.layer, "recipes-st/a/a_1.0.bb");
  writeFileSync(recipe, readFileSync(recipe, "utf8").replace("# a comment", "# a comment, reworded"));
  // Keep the shared state and the hash-equivalence database (${PERSISTENT_DIR}), lose the rest.
  rmSync(join(build, "tmp"), { recursive: true, force: true });
  rmSync(join(build, "trace"), { force: true });
  const second = await runBake(f, build, ["c"]);
  t.is(second.code, 0, second.out);
  t.regex(second.out, /Missed 3/, "every signature after the change is new");
  t.regex(second.out, /a:do_populate_sysroot: output equivalent to an earlier build/);
  t.deepEqual(trace(build), ["a:do_compile", "a:do_install"], "only the changed recipe's work ran");
  t.regex(second.out, /b:do_populate_sysroot: restored from shared state/);
  t.regex(second.out, /c:do_populate_sysroot: restored from shared state/);
  t.is(readFileSync(join(build, "tmp/sysroots-components/x86_64/c/usr/share/c/c.out"), "utf8"), "data of c\na\nb\n");
  // Stamps follow the unihash: a third build has nothing to do.
  const third = await runBake(f, build, ["c"]);
  t.is(third.code, 0, third.out);
  t.regex(third.out, /Tasks Summary: Attempted (\d+) tasks of which \1 didn't need to be rerun/);
  t.true(readdirSync(join(build, "cache/hashserv")).length > 0);
});

test("a dependency gains a dependency of its own with the same output: the sysroots above it still get the new one", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const b = join(f.layer, "recipes-st/b/b_1.0.bb");
  // b's output no longer lists its sysroot, so it stays the same when b gains a dependency.
  writeFileSync(b, readFileSync(b, "utf8").replace(/\tif \[ -d .*\n/, ""));
  const build = f.buildDir("build", [`SSTATE_DIR = "\${TOPDIR}/sstate-cache"`, 'BB_HASHSERVE = "auto"']);
  const first = await runBake(f, build, ["c"]);
  t.is(first.code, 0, first.out);
  const cOut = () => readFileSync(join(build, "tmp/sysroots-components/x86_64/c/usr/share/c/c.out"), "utf8");
  t.is(cOut(), "data of c\na\nb\n");

  // A new recipe x, made like a; b now depends on it.
  const a = readFileSync(join(f.layer, "recipes-st/a/a_1.0.bb"), "utf8");
  write(join(f.layer, "recipes-st/x/x_1.0.bb"), a.replaceAll("a.txt", "x.txt").replaceAll("a.out", "x.out").replaceAll("datadir}/a", "datadir}/x").replace('SUMMARY = "a"', 'SUMMARY = "x"'));
  write(join(f.layer, "recipes-st/x/files/x.txt"), "data of x\n");
  writeFileSync(b, readFileSync(b, "utf8").replace('DEPENDS = "a"', 'DEPENDS = "a x"'));
  rmSync(join(build, "trace"), { force: true });
  const second = await runBake(f, build, ["c"]);
  t.is(second.code, 0, second.out);
  t.regex(second.out, /b:do_populate_sysroot: output equivalent to an earlier build/);
  // b's unihash did not move, but c's sysroot is made of b's closure, which did.
  t.deepEqual(trace(build), ["b:do_compile", "b:do_install", "c:do_compile", "c:do_install", "x:do_compile", "x:do_install"]);
  t.is(cOut(), "data of c\na\nb\nx\n");
});
