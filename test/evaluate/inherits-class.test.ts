// bb.data.inherits_class from JavaScript metadata: the classes a recipe inherited, directly, through
// another class or through INHERIT, and not those it did not.
import test from "ava";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDir, layerConf, write } from "../helpers/layer.js";
import { collectRecipes, loadBuildConfiguration, parseAllRecipes } from "../../lib/config/index.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

test("bb.data.inherits_class sees recipe, nested and global classes, by name", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "bake-inherits-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const layer = join(root, "meta-i");
  write(join(layer, "conf/layer.conf"), layerConf("i", 6));
  write(join(layer, "classes-recipe/outer.bbclass"), "inherit inner\n");
  write(join(layer, "classes-recipe/inner.bbclass"), "");
  write(join(layer, "classes-global/everywhere.bbclass"), "");
  // The answer travels out as the skip reason, which the parse keeps.
  write(
    join(layer, "recipes-x/probe/probe_1.0.bb"),
    [
      "inherit outer",
      "js () {",
      "    const names = ['outer', 'inner', 'everywhere', 'native', 'inn'];",
      "    throw new bb.parse.SkipRecipe(names.map((n) => n + '=' + bb.data.inherits_class(n, d)).join(' '));",
      "}",
      "",
    ].join("\n"),
  );
  const build = buildDir(join(root, "build"), [join(repo, "meta-core"), layer], ['INHERIT += "everywhere"', 'BBMASK = "/meta-core/recipes-"']);
  const config = loadBuildConfiguration({ topdir: build });
  const parsed = await parseAllRecipes(config, collectRecipes(config.metadata.d, config.layers), { vars: {}, threads: 1, cacheDir: null });
  const probe = parsed.infos.find((r) => r.pn === "probe");
  t.is(probe?.skipped, "outer=true inner=true everywhere=true native=false inn=false");
});
