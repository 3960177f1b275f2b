// `bake -C TASK TARGET`, as BitBake's: TASK of the target is invalidated (and tainted), then the
// default task is built, so everything after TASK in the target runs again.
import test from "ava";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fixture, runBake, trace } from "../sstate-build/fixture.js";

test("-C compile invalidates do_compile of the target, then builds its default task", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const build = f.buildDir("build", [`SSTATE_DIR = "\${TOPDIR}/sstate-cache"`, 'BB_HASHSERVE = ""']);
  const first = await runBake(f, build, ["c"]);
  t.is(first.code, 0, first.out);
  rmSync(join(build, "trace"));
  const again = await runBake(f, build, ["-C", "compile", "c"]);
  t.is(again.code, 0, again.out);
  t.deepEqual(trace(build), ["c:do_compile", "c:do_install"], "compile and what follows it, of c only");
  t.regex(again.out, /c:do_populate_sysroot/);
  t.regex(again.out, /c:do_build/);
});
