// BBFILES_DYNAMIC, as BitBake's cookerdata reads it after every layer.conf: `collection:pattern`
// adds its pattern to BBFILES when that collection is in BBFILE_COLLECTIONS, `!collection:pattern`
// when it is not; an entry without a colon is an error. meta-openembedded's layers add 21 recipe
// files this way when all ten are present (meta-oe/dynamic-layers/meta-python/…).
import test from "ava";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { layerConf, write } from "../helpers/layer.js";
import { collectRecipes, ConfigurationError, loadBuildConfiguration } from "../../lib/config/index.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

function fixture(dynamic: string) {
  const root = mkdtempSync(join(tmpdir(), "bake-bbfiles-dynamic-"));
  const a = join(root, "meta-a");
  const b = join(root, "meta-b");
  const build = join(root, "build");
  write(join(a, "conf/layer.conf"), layerConf("a", 6) + `BBFILES_DYNAMIC += "${dynamic}"\n`);
  write(join(b, "conf/layer.conf"), layerConf("b", 6));
  write(join(a, "recipes-x/own/own_1.0.bb"), 'LICENSE = "MIT"\n');
  for (const d of ["with-b", "without-b", "with-c", "without-c"]) write(join(a, `dynamic-layers/${d}/recipes-x/${d}/${d}_1.0.bb`), 'LICENSE = "MIT"\n');
  write(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${join(repo, "meta-core")} ${a} ${b}"\n`);
  write(join(build, "conf/local.conf"), 'MACHINE = "qemux86-64"\nBBMASK = "/meta-core/recipes-"\n');
  return { root, a, build, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

test("BBFILES_DYNAMIC adds a pattern when its collection is present, or with ! when it is absent", (t) => {
  const f = fixture(
    [
      "b:${LAYERDIR}/dynamic-layers/with-b/recipes-*/*/*.bb",
      "!b:${LAYERDIR}/dynamic-layers/without-b/recipes-*/*/*.bb",
      "c:${LAYERDIR}/dynamic-layers/with-c/recipes-*/*/*.bb",
      "!c:${LAYERDIR}/dynamic-layers/without-c/recipes-*/*/*.bb",
    ].join(" "),
  );
  t.teardown(f.cleanup);
  const config = loadBuildConfiguration({ topdir: f.build });
  const recipes = collectRecipes(config.metadata.d, config.layers).recipes.map((r) => [r.pn, r.layer?.name ?? null]);
  t.deepEqual(recipes.sort(), [
    ["own", "a"],
    ["with-b", "a"],
    ["without-c", "a"],
  ]);
  // Appended to BBFILES after every layer's own patterns, in the order of BBFILES_DYNAMIC.
  t.true(config.metadata.d.getVar("BBFILES")!.trim().endsWith(`${f.a}/dynamic-layers/with-b/recipes-*/*/*.bb ${f.a}/dynamic-layers/without-c/recipes-*/*/*.bb`));
});

test("a BBFILES_DYNAMIC entry without collection:pattern is a configuration error naming it", (t) => {
  const f = fixture("b:${LAYERDIR}/dynamic-layers/with-b/recipes-*/*/*.bb just-a-pattern/*.bb");
  t.teardown(f.cleanup);
  const err = t.throws(() => loadBuildConfiguration({ topdir: f.build }), { instanceOf: ConfigurationError });
  t.is(err?.message, "BBFILES_DYNAMIC entries must be of the form {!}<collection name>:<filename pattern>, not:\n    just-a-pattern/*.bb");
});
