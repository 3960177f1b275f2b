// A build where nothing changed: every unihash comes from the answers the build directory kept
// (PERSISTENT_DIR/unihashes.json), so the hash-equivalence server is not asked, and a build with
// the server gone is still a no-op. A change still reaches the server, and reruns what it did.
import test from "ava";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startHashserv } from "../../lib/sstate/hashserv/index.js";
import { fixture, runBake, trace } from "./fixture.js";

const ALL_CURRENT = /Tasks Summary: Attempted (\d+) tasks of which \1 didn't need to be rerun/;
const SERVER_TROUBLE = /hash equivalence server .* (unavailable|failed)/;

test("a no-op build asks the hash-equivalence server nothing; a changed recipe asks it and reruns only its tasks", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const socket = join(f.root, "hashserv.sock");
  const serve = () => startHashserv({ bind: `unix://${socket}`, db: join(f.root, "hashserv-db"), anonPermissions: ["@read", "@report"] });
  let server = await serve();
  t.teardown(() => server.close());
  const build = f.buildDir("build", [`SSTATE_DIR = "\${TOPDIR}/sstate-cache"`, `BB_HASHSERVE = "unix://${socket}"`]);

  const first = await runBake(f, build, ["c"]);
  t.is(first.code, 0, first.out);
  t.notRegex(first.out, SERVER_TROUBLE);
  const kept = JSON.parse(readFileSync(join(build, "cache/unihashes.json"), "utf8")) as { tasks: Record<string, unknown> };
  t.true(Object.keys(kept.tasks).some((k) => k.endsWith("/c:do_populate_sysroot")), Object.keys(kept.tasks).join(" "));

  // With the server gone, a build that asked it anything would say so.
  await server.close();
  const noop = await runBake(f, build, ["c"]);
  t.is(noop.code, 0, noop.out);
  t.regex(noop.out, ALL_CURRENT);
  t.notRegex(noop.out, SERVER_TROUBLE);

  // c changes: its signatures are new, so the server is asked (and, gone, said to be), and only c reruns.
  const recipe = join(f.layer, "recipes-st/c/c_1.0.bb");
  writeFileSync(recipe, readFileSync(recipe, "utf8").replace("# a comment", "# a comment, reworded"));
  writeFileSync(join(build, "trace"), "");
  const changed = await runBake(f, build, ["c"]);
  t.is(changed.code, 0, changed.out);
  t.regex(changed.out, SERVER_TROUBLE);
  t.deepEqual(trace(build), ["c:do_compile", "c:do_install"]);

  // The server back: the answers given while it was gone were not kept, so it is asked again,
  // and with its unihashes (those of the reports it took) nothing more runs.
  server = await serve();
  writeFileSync(join(build, "trace"), "");
  const back = await runBake(f, build, ["c"]);
  t.is(back.code, 0, back.out);
  t.notRegex(back.out, SERVER_TROUBLE);
  t.deepEqual(trace(build), []);
});
