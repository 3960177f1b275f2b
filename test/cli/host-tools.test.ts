// HOSTTOOLS is checked before a build starts: a missing program is one message naming it and the
// recipes that need it, and nothing runs. Fetching needs none of them.
import test from "ava";
import { appendFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fixture, runBake, trace } from "../sstate-build/fixture.js";

test("a missing host tool stops the build before any task, naming the tool and its recipe", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  appendFileSync(join(f.layer, "recipes-st/c/c_1.0.bb"), 'HOSTTOOLS += "bake-test-no-such-tool"\n');
  const build = f.buildDir("build", ['BB_HASHSERVE = ""']);
  const r = await runBake(f, build, ["c"]);
  t.is(r.code, 1, r.out);
  t.regex(r.out, /ERROR: these host tools \(HOSTTOOLS\) are not found in HOSTTOOLS_PATH/);
  t.regex(r.out, /bake-test-no-such-tool \(needed by c\)/);
  t.deepEqual(trace(build), [], "no task ran, not even a's");
  t.false(existsSync(join(build, "tmp/work")));
  // Fetching runs none of them.
  const fetch = await runBake(f, build, ["-c", "fetch", "c"]);
  t.is(fetch.code, 0, fetch.out);
});
