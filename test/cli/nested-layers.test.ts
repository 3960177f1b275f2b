// A recipe's layer (FILE_LAYERNAME) and layer priority (BBFILE_PRIORITY) come from one match, made
// as BitBake 2.19's cooker makes it: the BBFILE_PATTERNs tried in reverse order of their text, not
// the longest first. On test/data/nested the outputs must be the ones BitBake wrote
// (test/e2e/bitbake-layers.test.ts checks the record against BitBake again).
import test from "ava";
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { NESTED } from "../helpers/nested.js";
import { expectedValues, fixtureBuild, fixtureValues } from "../helpers/recorded-fixture.js";

const bake = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "bin/bake.js");

function run(build: string, args: readonly string[]): string {
  const r = spawnSync(process.execPath, [bake, ...args], { cwd: build, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bake ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  return r.stdout + r.stderr;
}

test("nested layers: the preferred versions, each recipe's layer, its bbappends' order and the unmatched-pattern warning are BitBake 2.19's", (t) => {
  const f = fixtureBuild(NESTED);
  t.teardown(f.cleanup);
  let out = "";
  for (const command of NESTED.commands) out += fixtureValues(NESTED, command, run(f.build, command), f.root);
  t.is(out, expectedValues(NESTED));
});
