// A recipe's variants are those its finalised BBCLASSEXTEND names, and each starts from that value,
// also when one variant is parsed alone (`-e RECIPE-native`, a build's worker), as BitBake 2.19's
// multi_finalize does. On test/data/bbclassextend the outputs must be the ones BitBake wrote
// (test/e2e/bitbake-layers.test.ts checks the record against BitBake again).
import test from "ava";
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BBCLASSEXTEND } from "../helpers/bbclassextend.js";
import { expectedValues, fixtureBuild, fixtureValues } from "../helpers/recorded-fixture.js";

const bake = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "bin/bake.js");

function run(build: string, args: readonly string[]): string {
  const r = spawnSync(process.execPath, [bake, ...args], { cwd: build, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bake ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  return r.stdout + r.stderr;
}

test("BBCLASSEXTEND set by an anonymous function or a deferred inherit: -s and each variant's -e are BitBake 2.19's", (t) => {
  const f = fixtureBuild(BBCLASSEXTEND);
  t.teardown(f.cleanup);
  let out = "";
  for (const command of BBCLASSEXTEND.commands) out += fixtureValues(BBCLASSEXTEND, command, run(f.build, command), f.root);
  t.is(out, expectedValues(BBCLASSEXTEND));
});
