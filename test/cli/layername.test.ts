// FILE_LAYERNAME and BBINCLUDED as BitBake 2.19's parser sets them, on test/data/layername: the
// `-e` values of the configuration and of each recipe must be the ones BitBake wrote
// (test/e2e/bitbake-layers.test.ts checks the record against BitBake again).
import test from "ava";
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expectedLayernameValues, layernameBuild, layernameValues, LAYERNAME_TARGETS } from "../helpers/layername.js";

const bake = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "bin/bake.js");

function environment(build: string, target: string): string[] {
  const r = spawnSync(process.execPath, [bake, "-e", ...(target ? [target] : [])], { cwd: build, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bake -e ${target}: ${r.stdout}${r.stderr}`);
  return r.stdout.split("\n");
}

test("-e shows FILE_LAYERNAME, the layer-<name> override and BBINCLUDED as BitBake 2.19 does", (t) => {
  const f = layernameBuild();
  t.teardown(f.cleanup);
  let out = "";
  for (const target of LAYERNAME_TARGETS) out += layernameValues(target, environment(f.build, target), f.root);
  t.is(out, expectedLayernameValues());
});

// BitBake's `bitbake -e a-native` looks the layer up by the virtual file name (virtual:native:…),
// which no pattern matches; its parse for a build, and the worker that runs the tasks, use the
// recipe file's layer, and so does bake for every variant.
test("a BBCLASSEXTEND variant has its recipe file's layer, and its BBINCLUDED adds the variant's class", (t) => {
  const f = layernameBuild();
  t.teardown(f.cleanup);
  const lines = environment(f.build, "a-native");
  t.true(lines.includes('FILE_LAYERNAME="one"'));
  t.true(lines.includes('OVERRIDES="layer-one:class-native"'));
  t.true(lines.includes('R_X="one"'));
  const included = lines.find((l) => l.startsWith("BBINCLUDED="))!.slice('BBINCLUDED="'.length, -1).split(" ");
  const base = environment(f.build, "a").find((l) => l.startsWith("BBINCLUDED="))!.slice('BBINCLUDED="'.length, -1).split(" ");
  t.deepEqual(included.slice(0, base.length), base);
  t.deepEqual(
    included.slice(base.length).map((p) => p.slice(f.root.length)),
    ["/build/classes-recipe/native.bbclass", "/meta-one/classes-recipe/native.bbclass", "/meta-two/classes-recipe/native.bbclass", "/build/classes/native.bbclass", "/meta-one/classes/native.bbclass"],
  );
});
