// Hash equivalence across build directories that share only shared state (issue 13): recipes
// whose outputs are equal must not be merged into one equivalence class, and a build directory
// with its own, empty hash-equivalence server finds every object another directory wrote.
import test from "ava";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixture, runBake, trace } from "./fixture.js";

const chain = ["w", "x", "y", "z"];

test("four host-cc recipes with the same empty sysroot output: a second build directory restores all four", async (t) => {
  const f = fixture({ ccChain: chain });
  t.teardown(f.cleanup);
  const sstate = join(f.root, "sstate");
  const one = f.buildDir("one", [`SSTATE_DIR = "${sstate}"`, 'BB_HASHSERVE = "auto"']);
  const first = await runBake(f, one, ["z"]);
  t.is(first.code, 0, first.out);
  t.regex(first.out, /Sstate summary: Wanted 4 Local 0 Mirrors 0 Missed 4/);
  t.notRegex(first.out, /output equivalent to an earlier build/, "different recipes are never equivalent");

  const two = f.buildDir("elsewhere/two", [`SSTATE_DIR = "${sstate}"`, 'BB_HASHSERVE = "auto"']);
  const second = await runBake(f, two, ["z"]);
  t.is(second.code, 0, second.out);
  t.regex(second.out, /Sstate summary: Wanted 4 Local 4 Mirrors 0 Missed 0 Current 0 \(100% match/);
  t.deepEqual(trace(two), [], "nothing compiled");
});

test("an object filed under an equivalent unihash is found by a build directory with only the SSTATE_DIR", async (t) => {
  const f = fixture({ ccChain: chain });
  t.teardown(f.cleanup);
  const sstate = join(f.root, "sstate");
  const one = f.buildDir("one", [`SSTATE_DIR = "${sstate}"`, 'BB_HASHSERVE = "auto"']);
  t.is((await runBake(f, one, ["z"])).code, 0);
  // w's code changes but not its output: its server maps the new taskhash to the old unihash.
  const recipe = join(f.layer, "recipes-st/w/w_1.0.bb");
  writeFileSync(recipe, readFileSync(recipe, "utf8").replace("-O2 -o", "-O2  -o"));
  const again = await runBake(f, one, ["z"]);
  t.is(again.code, 0, again.out);
  t.regex(again.out, /w:do_populate_sysroot: output equivalent to an earlier build/);
  const records = readdirSync(sstate, { recursive: true }).map(String).filter((p) => p.endsWith(".unihash"));
  t.is(records.length, 1, "one equivalence record, for w's new taskhash");

  // A new build directory: its own, empty server; only the SSTATE_DIR is shared.
  const two = f.buildDir("elsewhere/two", [`SSTATE_DIR = "${sstate}"`, 'BB_HASHSERVE = "auto"']);
  const second = await runBake(f, two, ["z"]);
  t.is(second.code, 0, second.out);
  t.regex(second.out, /Sstate summary: Wanted 4 Local 4 Mirrors 0 Missed 0 Current 0 \(100% match/);
  t.deepEqual(trace(two), [], "nothing compiled");
});
