// -c clean, cleansstate, cleanall as in OE: clean removes the work directory, the stamps and the
// installed shared-state output (the next build restores it); cleansstate also the recipe's
// objects (the next build compiles again).
import test from "ava";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fixture, runBake, trace } from "../sstate-build/fixture.js";

test("clean: the next build restores; cleansstate: the next build compiles; other recipes untouched", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const build = f.buildDir("build", [`SSTATE_DIR = "\${TOPDIR}/sstate-cache"`, 'BB_HASHSERVE = ""']);
  t.is((await runBake(f, build, ["c"])).code, 0);
  const component = join(build, "tmp/sysroots-components/x86_64/c");
  const objects = () => readdirSync(join(build, "sstate-cache"), { recursive: true }).map(String).filter((p) => p.includes("sstate:c:"));
  t.true(existsSync(component));
  t.true(objects().length > 0);

  const clean = await runBake(f, build, ["-c", "clean", "c"]);
  t.is(clean.code, 0, clean.out);
  t.false(existsSync(component), "the installed sysroot output is gone");
  const workdirs = readdirSync(join(build, "tmp/work"), { recursive: true }).map(String);
  t.false(workdirs.some((p) => /\/c\/1\.0-r0\/(image|c\.out|sysroot-destdir)/.test(p)), workdirs.join("\n"));
  t.true(existsSync(join(build, "tmp/sysroots-components/x86_64/b")), "b is left alone");
  rmSync(join(build, "trace"), { force: true });
  const restored = await runBake(f, build, ["c"]);
  t.is(restored.code, 0, restored.out);
  t.deepEqual(trace(build), [], "restored from shared state, nothing compiled");
  t.regex(restored.out, /c:do_populate_sysroot: restored from shared state/);

  const cleansstate = await runBake(f, build, ["-c", "cleansstate", "c"]);
  t.is(cleansstate.code, 0, cleansstate.out);
  t.deepEqual(objects(), []);
  t.regex(cleansstate.out, /c:do_clean/, "do_clean ran first");
  const rebuilt = await runBake(f, build, ["c"]);
  t.is(rebuilt.code, 0, rebuilt.out);
  t.deepEqual(trace(build), ["c:do_compile", "c:do_install"]);
  t.true(existsSync(component));
});
