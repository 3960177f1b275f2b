// A build directory keeps "the server did not know this taskhash" (its own taskhash standing in as
// the unihash) so a no-op build asks nothing; but before running such a task, it asks again: another
// build directory may have taught the shared server an equivalent output meanwhile, and then the
// task and everything after it are restored instead of rebuilt (BitBake keeps the stand-in for good).
import test from "ava";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startHashserv } from "../../lib/sstate/hashserv/index.js";
import { fixture, runBake, trace } from "./fixture.js";

test("a task unknown to the server when its signature was kept is asked again before it runs, and restored", async (t) => {
  const f = fixture({ ccChain: ["w", "x"] });
  t.teardown(f.cleanup);
  const socket = join(f.root, "hashserv.sock");
  const server = await startHashserv({ bind: `unix://${socket}`, db: join(f.root, "hashserv-db"), anonPermissions: ["@read", "@report"] });
  t.teardown(() => server.close());
  const conf = [`SSTATE_DIR = "${join(f.root, "sstate")}"`, `BB_HASHSERVE = "unix://${socket}"`];
  const builder = f.buildDir("builder", conf);
  t.is((await runBake(f, builder, ["x"])).code, 0);

  // w's code changes but not its output. A second directory computes its signatures first (a dry
  // run): the server does not know w's new taskhash yet, and the directory keeps that.
  const recipe = join(f.layer, "recipes-st/w/w_1.0.bb");
  writeFileSync(recipe, readFileSync(recipe, "utf8").replace("-O2 -o", "-O2  -o"));
  const late = f.buildDir("late", conf);
  const dry = await runBake(f, late, ["-n", "x"]);
  t.is(dry.code, 0, dry.out);
  const kept = JSON.parse(readFileSync(join(late, "cache/unihashes.json"), "utf8")) as { tasks: Record<string, string[]> };
  const wKey = Object.keys(kept.tasks).find((k) => k.endsWith("/w:do_populate_sysroot"))!;
  t.is(kept.tasks[wKey]!.length, 1, "kept as unknown to the server");

  // The builder builds the new w: the server learns that its taskhash is equivalent to the old one.
  const rebuilt = await runBake(f, builder, ["x"]);
  t.regex(rebuilt.out, /w:do_populate_sysroot: output equivalent to an earlier build/);

  // The second directory asks again before running w, and restores w and x instead of compiling.
  const build = await runBake(f, late, ["x"]);
  t.is(build.code, 0, build.out);
  t.regex(build.out, /w:do_populate_sysroot: the hash-equivalence server now knows an equivalent output/);
  t.regex(build.out, /Sstate summary: Wanted \d+ Local \d+ Mirrors 0 Missed 0 /);
  t.deepEqual(trace(late), [], "nothing compiled");
  const after = JSON.parse(readFileSync(join(late, "cache/unihashes.json"), "utf8")) as { tasks: Record<string, string[]> };
  t.is(after.tasks[wKey]!.length, 2, "the answer is kept");
});
