// The recipe collection kept between runs (collection.ts, collectRecipes' `keptIn`): taken while
// every directory BBFILES listed has its stamp and every path looked at its kind; listed again,
// and kept anew, after any of them changed; not written while a directory changed too recently
// for its stamp to vouch for its entries.
import test from "ava";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { layerConf, write } from "../helpers/layer.js";
import { collectRecipes, loadBuildConfiguration, type RecipeCollection } from "../../lib/config/index.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

function fixture() {
  const root = mkdtempSync(join(tmpdir(), "bake-collection-kept-"));
  const layer = join(root, "meta-k");
  const build = join(root, "build");
  write(join(layer, "conf/layer.conf"), layerConf("k", 6));
  write(join(layer, "recipes-x/r1/r1_1.0.bb"), 'LICENSE = "MIT"\n');
  write(join(layer, "recipes-x/r2/r2_2.0.bb"), 'LICENSE = "MIT"\n');
  write(join(layer, "recipes-x/r2/r2_%.bbappend"), 'X = "1"\n');
  write(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${join(repo, "meta-core")} ${layer}"\n`);
  write(join(build, "conf/local.conf"), 'MACHINE = "qemux86-64"\nBBMASK = "/meta-core/recipes-"\n');
  return { root, layer, build, kept: join(build, "cache", "collection.json"), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Every directory under the layer as if last changed a minute ago: old enough for its stamp to vouch for it. */
function settle(dirs: readonly string[]): void {
  const then = Date.now() / 1000 - 60;
  for (const dir of dirs) utimesSync(dir, then, then);
}

function collect(build: string, kept: string | null): RecipeCollection {
  const config = loadBuildConfiguration({ topdir: build });
  return collectRecipes(config.metadata.d, config.layers, kept);
}

const shape = (c: RecipeCollection) => ({
  recipes: c.recipes.map((r) => [r.path, r.pn, r.pv, r.layer?.name ?? null, r.priority]),
  appends: [...c.appends],
  dangling: c.dangling,
  masked: c.masked,
});

test("a kept collection is the one listing gives, and is what a run takes while nothing changed", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const dirs = [f.layer, join(f.layer, "recipes-x"), join(f.layer, "recipes-x/r1"), join(f.layer, "recipes-x/r2")];
  settle(dirs);
  const listed = collect(f.build, f.kept);
  t.true(existsSync(f.kept));
  t.deepEqual(shape(collect(f.build, f.kept)), shape(listed));
  t.deepEqual(shape(collect(f.build, null)), shape(listed));
  t.is(listed.recipes.length, 2);
  t.deepEqual(listed.appends.get(join(f.layer, "recipes-x/r2/r2_2.0.bb")), [join(f.layer, "recipes-x/r2/r2_%.bbappend")]);

  // Taken as kept: a recipe the file names is what a run sees (here one that listing would not give).
  const kept = JSON.parse(readFileSync(f.kept, "utf8")) as { recipes: [string, string, string | null, number][] };
  kept.recipes[0]![1] = "from-the-kept-file";
  writeFileSync(f.kept, JSON.stringify(kept));
  t.is(collect(f.build, f.kept).recipes[0]!.pn, "from-the-kept-file");
});

test("a recipe added, a bbappend removed or BBMASK changed is seen; a directory changed just now is not vouched for", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const dirs = [f.layer, join(f.layer, "recipes-x"), join(f.layer, "recipes-x/r1"), join(f.layer, "recipes-x/r2")];
  settle(dirs);
  collect(f.build, f.kept);
  // A new recipe in a listed directory: its stamp moved, so it is listed again.
  write(join(f.layer, "recipes-x/r1/r1_1.1.bb"), 'LICENSE = "MIT"\n');
  const added = collect(f.build, f.kept);
  t.deepEqual(added.recipes.map((r) => `${r.pn}-${r.pv}`), ["r1-1.0", "r1-1.1", "r2-2.0"]);
  // r1/ changed under two seconds ago: this listing is not written, and the file kept before no
  // longer holds (r1/'s stamp moved): the next run lists again.
  t.deepEqual(shape(collect(f.build, f.kept)), shape(added));
  // A new directory of recipes (a new match of `recipes-*/*`).
  write(join(f.layer, "recipes-x/r3/r3_3.0.bb"), 'LICENSE = "MIT"\n');
  settle([...dirs, join(f.layer, "recipes-x/r3")]);
  t.deepEqual(collect(f.build, f.kept).recipes.map((r) => r.pn), ["r1", "r1", "r2", "r3"]);
  t.deepEqual(collect(f.build, f.kept).recipes.map((r) => r.pn), ["r1", "r1", "r2", "r3"]);
  rmSync(join(f.layer, "recipes-x/r2/r2_%.bbappend"));
  t.deepEqual([...collect(f.build, f.kept).appends], []);
  // BBMASK is part of what the kept collection was made with.
  write(join(f.build, "conf/local.conf"), 'MACHINE = "qemux86-64"\nBBMASK = "/meta-core/recipes- /r3/"\n');
  const masked = collect(f.build, f.kept);
  t.deepEqual(masked.recipes.map((r) => r.pn), ["r1", "r1", "r2"]);
  t.true(masked.masked.includes(join(f.layer, "recipes-x/r3/r3_3.0.bb")));
});

test("a symbolic link listed is followed each time: what it points at changing kind is seen", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const target = join(f.root, "elsewhere", "r9_1.0.bb");
  write(target, 'LICENSE = "MIT"\n');
  symlinkSync(target, join(f.layer, "recipes-x/r1/r9_1.0.bb"));
  settle([f.layer, join(f.layer, "recipes-x"), join(f.layer, "recipes-x/r1"), join(f.layer, "recipes-x/r2")]);
  t.deepEqual(collect(f.build, f.kept).recipes.map((r) => r.pn), ["r1", "r9", "r2"]);
  // The link's target becomes a directory: not a recipe file any more, though r1/ did not change.
  rmSync(target);
  write(join(target, "x"), "");
  t.deepEqual(collect(f.build, f.kept).recipes.map((r) => r.pn), ["r1", "r2"]);
});
