// When a warm parse must not trust the parse cache: every way a file can change what a parse would
// find, as BitBake's cache notices it (bb.parse.mark_dependency of every path looked for, found or
// not; bb/cache.py's cacheValidUpdate). Each case here failed before the cache took it into account.
import test from "ava";
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDir, layerConf, write } from "../helpers/layer.js";
import { collectRecipes, FileHashes, loadBuildConfiguration, parseAllRecipes, RecipeParseFailures, type RecipeInfo } from "../../lib/config/index.js";
import { parseFileChecksums } from "../../lib/signature/index.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** meta-core, then meta-p; BBPATH is TOPDIR, meta-core, meta-p, so the build directory shadows both. */
function fixture() {
  const root = mkdtempSync(join(tmpdir(), "bake-stale-"));
  const layer = join(root, "meta-p");
  const build = join(root, "build");
  write(join(layer, "conf/layer.conf"), layerConf("p", 6));
  write(join(layer, "classes-recipe/alpha.bbclass"), 'PR = "r-alpha"\n');
  write(join(layer, "shared/common.inc"), 'PR = "r-common"\n');
  write(join(layer, "conf/extra.conf"), 'EXTRA_SEEN = "layer"\n');
  write(join(layer, "recipes-x/r1/r1_1.0.bb"), 'LICENSE = "MIT"\ninherit alpha\n');
  write(join(layer, "recipes-x/r2/r2_1.0.bb"), 'LICENSE = "MIT"\nrequire shared/common.inc\n');
  write(join(layer, "recipes-x/r3/r3_1.0.bb"), 'LICENSE = "MIT"\ninclude optional.inc\n');
  write(join(layer, "recipes-x/r4/r4_1.0.bb"), 'LICENSE = "MIT"\n');
  buildDir(build, [join(repo, "meta-core"), layer], ['BBMASK = "/meta-core/recipes-"', "require conf/extra.conf"]);
  return { root, layer, build, cache: join(root, "cache"), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

async function parseAll(build: string, cacheDir: string) {
  const config = loadBuildConfiguration({ topdir: build });
  const parsed = await parseAllRecipes(config, collectRecipes(config.metadata.d, config.layers), { vars: {}, threads: 1, cacheDir });
  return { ...parsed, config };
}

function pr(infos: readonly RecipeInfo[], pn: string): string {
  return infos.find((r) => r.pn === pn)!.pr;
}

test("a class added earlier on BBPATH than the one used re-parses the recipes inheriting it", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  t.deepEqual((await parseAll(f.build, f.cache)).parsed, 4);
  t.deepEqual((await parseAll(f.build, f.cache)).cached, 4);
  // classes/ along BBPATH is looked at after classes-recipe/ along all of it: no effect.
  write(join(f.build, "classes/alpha.bbclass"), 'PR = "r-unused"\n');
  const unused = await parseAll(f.build, f.cache);
  t.deepEqual([unused.parsed, pr(unused.infos, "r1")], [0, "r-alpha"]);
  write(join(f.build, "classes-recipe/alpha.bbclass"), 'PR = "r-shadow"\n');
  const shadowed = await parseAll(f.build, f.cache);
  t.deepEqual([shadowed.parsed, shadowed.cached, pr(shadowed.infos, "r1")], [1, 3, "r-shadow"]);
});

test("a required file added next to the recipe or earlier on BBPATH re-parses the recipe", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  await parseAll(f.build, f.cache);
  write(join(f.build, "shared/common.inc"), 'PR = "r-topdir"\n');
  const onPath = await parseAll(f.build, f.cache);
  t.deepEqual([onPath.parsed, pr(onPath.infos, "r2")], [1, "r-topdir"]);
  // The including file's own directory comes before BBPATH.
  write(join(f.layer, "recipes-x/r2/shared/common.inc"), 'PR = "r-beside"\n');
  const beside = await parseAll(f.build, f.cache);
  t.deepEqual([beside.parsed, pr(beside.infos, "r2")], [1, "r-beside"]);
  t.is((await parseAll(f.build, f.cache)).parsed, 0);
});

test("an include that found nothing is re-read once the file exists, and again once it is removed", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const cold = await parseAll(f.build, f.cache);
  t.is(pr(cold.infos, "r3"), "r0");
  write(join(f.layer, "optional.inc"), 'PR = "r-optional"\n');
  const created = await parseAll(f.build, f.cache);
  t.deepEqual([created.parsed, pr(created.infos, "r3")], [1, "r-optional"]);
  rmSync(join(f.layer, "optional.inc"));
  const removed = await parseAll(f.build, f.cache);
  t.deepEqual([removed.parsed, pr(removed.infos, "r3")], [1, "r0"]);
});

test("an inherit of a missing class fails the parse, and the recipe parses once the class exists", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  await parseAll(f.build, f.cache);
  write(join(f.layer, "recipes-x/r5/r5_1.0.bb"), 'LICENSE = "MIT"\ninherit gamma\n');
  await t.throwsAsync(parseAll(f.build, f.cache), { instanceOf: RecipeParseFailures, message: /could not inherit gamma/ });
  write(join(f.layer, "classes/gamma.bbclass"), 'PR = "r-gamma"\n');
  const fixed = await parseAll(f.build, f.cache);
  t.deepEqual([fixed.parsed, fixed.cached, pr(fixed.infos, "r5")], [1, 4, "r-gamma"]);
});

test("a configuration file found along BBPATH, shadowed by a new one earlier on it, re-evaluates the configuration and every recipe", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const cold = await parseAll(f.build, f.cache);
  t.is(cold.config.metadata.d.getVar("EXTRA_SEEN"), "layer");
  t.true((await parseAll(f.build, f.cache)).config.kept, "the configuration is kept between runs");
  write(join(f.build, "conf/extra.conf"), 'EXTRA_SEEN = "topdir"\nPR = "r-conf"\n');
  const shadowed = await parseAll(f.build, f.cache);
  t.false(shadowed.config.kept);
  t.is(shadowed.config.metadata.d.getVar("EXTRA_SEEN"), "topdir");
  t.deepEqual([shadowed.parsed, pr(shadowed.infos, "r4")], [4, "r-conf"]);
});

test("conf/bake.conf is looked for along BBPATH: one added earlier on it than meta-core's is read", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  await parseAll(f.build, f.cache);
  write(join(f.build, "conf/bake.conf"), `require ${join(repo, "meta-core/conf/bake.conf")}\nPR = "r-main"\n`);
  const shadowed = await parseAll(f.build, f.cache);
  t.false(shadowed.config.kept);
  t.deepEqual([shadowed.parsed, pr(shadowed.infos, "r4")], [4, "r-main"]);
});

test("a layer.conf change re-parses every recipe", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const cold = await parseAll(f.build, f.cache);
  t.is(cold.infos.find((r) => r.pn === "r4")!.layerPriority, 6);
  write(join(f.layer, "conf/layer.conf"), layerConf("p", 7));
  const changed = await parseAll(f.build, f.cache);
  t.deepEqual([changed.parsed, changed.infos.find((r) => r.pn === "r4")!.layerPriority], [4, 7]);
});

test("a file rewritten with the same size, mtime and inode is still seen as changed (its ctime moved)", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const recipe = join(f.layer, "recipes-x/r4/r4_1.0.bb");
  write(recipe, 'LICENSE = "MIT"\nPR = "r1"\n');
  const when = new Date("2026-01-01T00:00:00Z");
  utimesSync(recipe, when, when);
  const inode = statSync(recipe).ino;
  t.is(pr((await parseAll(f.build, f.cache)).infos, "r4"), "r1");
  write(recipe, readFileSync(recipe, "utf8").replace('"r1"', '"r2"'));
  utimesSync(recipe, when, when);
  t.deepEqual([statSync(recipe).ino, statSync(recipe).mtimeMs], [inode, when.getTime()], "the same inode and mtime");
  const edited = await parseAll(f.build, f.cache);
  t.deepEqual([edited.parsed, pr(edited.infos, "r4")], [1, "r2"]);
});

test("a local file of SRC_URI created earlier on FILESPATH, or removed, re-parses the recipe (BitBake's file-checksums check)", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const dir = join(f.layer, "recipes-x/r6");
  write(join(dir, "r6_1.0.bb"), [
    'LICENSE = "MIT"',
    `FILESPATH = "${dir}/first:${dir}/second"`,
    'SRC_URI = "file://fix.patch"',
    // As openembedded-core's base.bbclass writes it.
    'do_fetch[file-checksums] = "${@python bb.fetch.get_checksum_file_list(d)}"',
    "",
  ].join("\n"));
  write(join(dir, "second/fix.patch"), "x\n");
  const flag = (infos: readonly RecipeInfo[]) => infos.find((r) => r.pn === "r6")!.tasks.find((task) => task.name === "do_fetch")!.flags["file-checksums"];
  const cold = await parseAll(f.build, f.cache);
  t.is(flag(cold.infos), `${dir}/first/fix.patch:False ${dir}/second/fix.patch:True`);
  t.deepEqual(parseFileChecksums(flag(cold.infos)), [{ alternatives: [`${dir}/second/fix.patch`] }], "a path that did not exist is not checksummed");
  t.is((await parseAll(f.build, f.cache)).parsed, 0);
  write(join(dir, "first/fix.patch"), "y\n");
  const created = await parseAll(f.build, f.cache);
  t.deepEqual([created.parsed, flag(created.infos)], [1, `${dir}/first/fix.patch:True`]);
  // Its content is the task signature's business, not the parse's.
  write(join(dir, "first/fix.patch"), "z\n");
  t.is((await parseAll(f.build, f.cache)).parsed, 0);
  rmSync(join(dir, "first/fix.patch"));
  const removed = await parseAll(f.build, f.cache);
  t.deepEqual([removed.parsed, flag(removed.infos)], [1, flag(cold.infos)]);
});

test("paths recorded as not existing are checked a directory at a time where several share one, with the same answers as a stat each", (t) => {
  const root = mkdtempSync(join(tmpdir(), "bake-absences-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const listed = join(root, "classes-recipe");
  const missing = join(root, "not-yet");
  write(join(listed, "present.bbclass"), "");
  const names = ["a", "b", "c", "d", "e"].map((n) => `${n}.bbclass`);
  const recorded = new FileHashes();
  const inputs = [...names.map((n) => recorded.absence(join(listed, n))), ...names.map((n) => recorded.absence(join(missing, n))), recorded.input(join(listed, "present.bbclass"))];
  write(join(listed, "c.bbclass"), "");
  write(join(missing, "e.bbclass"), "");
  const now = new FileHashes();
  now.learnAbsences(inputs);
  const changed = inputs.filter((input) => now.check(input) === "changed").map((input) => input[0]);
  t.deepEqual(changed, [join(listed, "c.bbclass"), join(missing, "e.bbclass")]);
});
