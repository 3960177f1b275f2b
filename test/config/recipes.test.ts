// Parsing every recipe of a build: workers, the LevelDB parse cache and its invalidation, skipped
// recipes with their reasons, BBCLASSEXTEND variants, layer checks.
import test from "ava";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { layerConf, write } from "../helpers/layer.js";
import {
  collectRecipes,
  ConfigurationError,
  loadBuildConfiguration,
  parseAllRecipes,
  RecipeParseFailures,
  summaryOf,
  type CachedRecords,
  type RecipeInfo,
} from "../../lib/config/index.js";
import { parseRecipeVariants } from "../../lib/evaluate/index.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

function fixture() {
  const root = mkdtempSync(join(tmpdir(), "bake-recipes-"));
  const layer = join(root, "meta-p");
  const build = join(root, "build");
  write(join(layer, "conf/layer.conf"), layerConf("p", 6));
  write(join(layer, "classes-recipe/alpha.bbclass"), 'ALPHA = "1"\n');
  write(join(layer, "classes-recipe/beta.bbclass"), 'BETA = "1"\n');
  write(join(layer, "recipes-x/r1/r1_1.0.bb"), 'inherit alpha\nLICENSE = "MIT"\n');
  write(join(layer, "recipes-x/r2/r2_1.0.bb"), 'inherit alpha\nLICENSE = "MIT"\nBBCLASSEXTEND = "native"\nDEPENDS = "r3"\n');
  write(join(layer, "recipes-x/r3/r3_1.0.bb"), 'inherit beta\nLICENSE = "MIT"\nBBCLASSEXTEND = "native"\n');
  write(join(layer, "recipes-x/r4/r4_1.0.bb"), 'COMPATIBLE_MACHINE = "qemuarm64"\n');
  write(join(layer, "recipes-x/r5/r5_1.0.bb"), "js () {\n    throw new bb.parse.SkipRecipe('needs a feature this distro lacks');\n}\n");
  write(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${join(repo, "meta-core")} ${layer}"\n`);
  // Only this layer's recipes: meta-core's own are masked so that counts below are exact.
  write(join(build, "conf/local.conf"), 'MACHINE = "qemux86-64"\nBBMASK = "/meta-core/recipes-"\n');
  return { root, layer, build, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

async function parseAll(build: string, cacheDir: string | null, inProcessLimit?: number, records?: CachedRecords) {
  const config = loadBuildConfiguration({ topdir: build });
  const collection = collectRecipes(config.metadata.d, config.layers);
  return parseAllRecipes(config, collection, {
    vars: {}, threads: 2, cacheDir, ...(inProcessLimit !== undefined ? { inProcessLimit } : {}), ...(records ? { records } : {}),
  });
}

function byPn(infos: readonly RecipeInfo[]): Map<string, RecipeInfo> {
  return new Map(infos.map((r) => [r.pn, r]));
}

test("the parse cache serves unchanged recipes; a changed class re-parses exactly the recipes using it", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const cache = join(f.root, "cache");
  const cold = await parseAll(f.build, cache);
  t.deepEqual([cold.parsed, cold.cached], [5, 0]);
  const warm = await parseAll(f.build, cache);
  t.deepEqual([warm.parsed, warm.cached], [0, 5]);
  t.deepEqual(warm.infos, cold.infos);
  write(join(f.layer, "classes-recipe/alpha.bbclass"), 'ALPHA = "2"\n');
  const after = await parseAll(f.build, cache);
  t.deepEqual([after.parsed, after.cached], [2, 3], "r1 and r2 inherit alpha; r3, r4, r5 do not");
  // A file looked for and not found is an input too: creating it invalidates who looked.
  write(join(f.build, "conf/site.conf"), 'SITE = "x"\n');
  const site = await parseAll(f.build, cache);
  t.is(site.parsed, 5, "conf/site.conf is included by the configuration every recipe starts from");
});

test("summaries (records without tasks, what choosing a provider needs) are the same parsed or cached; counts alone read neither", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const cache = join(f.root, "cache");
  const withoutTasks = (infos: readonly RecipeInfo[]) => infos.map(summaryOf);
  const parsed = await parseAll(f.build, cache, undefined, "summaries");
  t.deepEqual(parsed.infos, []);
  const full = await parseAll(f.build, cache);
  t.is(full.cached, 5);
  t.true(full.infos.some((r) => r.tasks.length > 0));
  t.deepEqual(parsed.summaries, withoutTasks(full.infos));
  t.deepEqual(full.summaries, full.infos, "with the records, the summaries are the records");
  t.deepEqual(Object.keys(parsed.summaries[0]!).sort(), ["defaultPreference", "file", "layerPriority", "packages", "packagesDynamic", "pe", "pn", "pr", "provides", "pv", "rprovides", "skipped", "stamp", "variant"].filter((k) => k in full.infos[0]!).sort());
  const cached = await parseAll(f.build, cache, undefined, "summaries");
  t.deepEqual([cached.cached, cached.infos.length], [5, 0]);
  t.deepEqual(cached.summaries, withoutTasks(full.infos));
  t.true(cached.summaries.every((r) => !("tasks" in r) && !("inherits" in r)));
  const counts = await parseAll(f.build, cache, undefined, "counts");
  t.deepEqual([counts.cached, counts.targets, counts.infos.length, counts.summaries.length], [5, full.targets, 0, 0]);
});

test("a warm parse holds through one manifest of the collection; a recipe added, changed or removed falls back to each recipe's entry", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const cache = join(f.root, "cache");
  const cold = await parseAll(f.build, cache);
  const warm = await parseAll(f.build, cache);
  t.deepEqual([warm.parsed, warm.cached, warm.targets, warm.skipped], [0, 5, cold.targets, cold.skipped]);
  t.deepEqual(warm.infos, cold.infos);
  write(join(f.layer, "recipes-x/r6/r6_1.0.bb"), 'LICENSE = "MIT"\n');
  const added = await parseAll(f.build, cache);
  t.deepEqual([added.parsed, added.cached], [1, 5]);
  t.deepEqual([(await parseAll(f.build, cache)).parsed, (await parseAll(f.build, cache)).cached], [0, 6]);
  write(join(f.layer, "recipes-x/r6/r6_1.0.bb"), 'LICENSE = "MIT"\nPR = "r1"\n');
  const changed = await parseAll(f.build, cache);
  t.deepEqual([changed.parsed, changed.cached], [1, 5]);
  t.is(byPn(changed.infos).get("r6")!.pr, "r1");
  rmSync(join(f.layer, "recipes-x/r6"), { recursive: true });
  const removed = await parseAll(f.build, cache);
  t.deepEqual([removed.parsed, removed.cached, removed.targets], [0, 5, cold.targets]);
  // A bbappend created where none was: the recipe it applies to is another key, parsed again.
  write(join(f.layer, "recipes-x/r1/r1_%.bbappend"), 'EXTRA = "1"\n');
  t.deepEqual([(await parseAll(f.build, cache)).parsed], [1]);
  t.deepEqual([(await parseAll(f.build, cache)).parsed], [0]);
});

test("recipes parsed in workers and in this thread give the same records", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const workers = await parseAll(f.build, null, 0);
  const here = await parseAll(f.build, null, 100);
  t.is(workers.parsed, 5);
  t.deepEqual(here.infos, workers.infos);
});

test("a cold parse cache is not made before the first entry is written (no database, no entries to read)", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const cache = join(f.root, "cache");
  const config = loadBuildConfiguration({ topdir: f.build });
  const collection = collectRecipes(config.metadata.d, config.layers);
  // Every recipe fails to parse, so nothing is written: the lookup alone made no database.
  write(join(f.layer, "recipes-x/r1/r1_1.0.bb"), "this is not metadata\n");
  const failing = collectRecipes(config.metadata.d, config.layers);
  await t.throwsAsync(parseAllRecipes(config, { ...failing, recipes: failing.recipes.filter((r) => r.pn === "r1") }, { vars: {}, threads: 1, cacheDir: cache }), { instanceOf: RecipeParseFailures });
  t.false(existsSync(cache));
  write(join(f.layer, "recipes-x/r1/r1_1.0.bb"), 'inherit alpha\nLICENSE = "MIT"\n');
  const cold = await parseAllRecipes(config, collection, { vars: {}, threads: 1, cacheDir: cache });
  t.deepEqual([cold.parsed, cold.cached], [5, 0]);
  t.true(existsSync(join(cache, "CURRENT")));
});

test("the parse cache looks at stamps: a touched, unchanged file keeps its entries; a changed one re-parses", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const cache = join(f.root, "cache");
  await parseAll(f.build, cache);
  const later = new Date(Date.now() + 5000);
  utimesSync(join(f.layer, "classes-recipe/alpha.bbclass"), later, later);
  utimesSync(join(f.build, "conf/local.conf"), later, later);
  const touched = await parseAll(f.build, cache);
  t.deepEqual([touched.parsed, touched.cached], [0, 5], "same content, new stamps");
  // The same size, a new stamp and new content: re-parsed.
  const r3 = join(f.layer, "recipes-x/r3/r3_1.0.bb");
  const before = statSync(r3);
  write(r3, readFileSync(r3, "utf8").replace('"MIT"', '"BSD"'));
  utimesSync(r3, before.atime, new Date(before.mtimeMs + 1000));
  const edited = await parseAll(f.build, cache);
  t.deepEqual([edited.parsed, edited.cached], [1, 4]);
  // A configuration file is an input of every recipe.
  write(join(f.build, "conf/local.conf"), 'MACHINE = "qemux86-64"\nBBMASK = "/meta-core/recipes-"\nX = "1"\n');
  const reconfigured = await parseAll(f.build, cache);
  t.deepEqual([reconfigured.parsed, reconfigured.cached], [5, 0]);
});

test("skipped recipes keep their reason; BBCLASSEXTEND makes -native variants with mapped DEPENDS", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const { infos } = await parseAll(f.build, null);
  const recipes = byPn(infos);
  t.regex(recipes.get("r4")!.skipped ?? "", /incompatible with machine qemux86-64/);
  t.is(recipes.get("r5")!.skipped, "needs a feature this distro lacks");
  t.is(recipes.get("r1")!.skipped, null);
  const native = recipes.get("r2-native")!;
  t.is(native.variant, "native");
  t.true(native.depends.includes("r3-native"), native.depends.join(" "));
  t.false(native.depends.includes("r3"));
  t.true(recipes.get("r2")!.depends.includes("r3"));
  t.false(recipes.get("r2")!.depends.includes("r3-native"));
  t.true(native.tasks.some((task) => task.name === "do_compile"));
});

test("runtime records as BitBake's cache: PN is the package when PACKAGES is empty; recipe-wide RDEPENDS and RPROVIDES apply to every package", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  write(join(f.layer, "recipes-x/bare/bare_1.0.bb"), 'LICENSE = "MIT"\nPACKAGES = ""\nRDEPENDS = "r1 (>= 1.0)"\n');
  write(
    join(f.layer, "recipes-x/split/split_1.0.bb"),
    'LICENSE = "MIT"\nPACKAGES = "split split-extra"\nRDEPENDS = "r1"\nRDEPENDS:split-extra = "r3"\n' +
      'RPROVIDES = "virtual-split"\nRPROVIDES:split = "split-main"\nPACKAGES_DYNAMIC = "^split-plugin-.*"\n',
  );
  const recipes = byPn((await parseAll(f.build, null)).infos);
  const bare = recipes.get("bare")!;
  t.deepEqual(bare.packages, ["bare"]);
  t.deepEqual(bare.rdepends, { bare: ["r1"] });
  const split = recipes.get("split")!;
  t.deepEqual(split.rdepends, { split: ["r1"], "split-extra": ["r1", "r3"] });
  t.deepEqual(split.rprovides, { split: ["virtual-split", "split-main"], "split-extra": ["virtual-split"] });
  t.deepEqual(split.packagesDynamic, ["^split-plugin-.*"]);
});

test("a recipe that fails to parse is reported with its file, line and column", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  write(join(f.layer, "recipes-x/bad/bad_1.0.bb"), 'A = "fine"\nB = "unterminated\n');
  const err = await t.throwsAsync(parseAll(f.build, null), { instanceOf: RecipeParseFailures });
  t.regex(err!.message, /bad_1\.0\.bb:2:5: unparsed line/);
});

test("layer checks: a missing LAYERDEPENDS and an incompatible LAYERSERIES_COMPAT name the layer and value", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  write(join(f.layer, "conf/layer.conf"), 'BBFILE_COLLECTIONS += "p"\nBBFILE_PATTERN_p = "^${LAYERDIR}/"\nLAYERDEPENDS_p = "core openembedded-layer (>= 2)"\nLAYERSERIES_COMPAT_p = "ember"\n');
  t.throws(() => loadBuildConfiguration({ topdir: f.build }), { instanceOf: ConfigurationError, message: /layer p depends on layer openembedded-layer/ });
  write(join(f.layer, "conf/layer.conf"), 'BBFILE_COLLECTIONS += "p"\nBBFILE_PATTERN_p = "^${LAYERDIR}/"\nLAYERSERIES_COMPAT_p = "kirkstone"\n');
  t.throws(() => loadBuildConfiguration({ topdir: f.build }), { instanceOf: ConfigurationError, message: /layer p is not compatible[\s\S]*"kirkstone"/ });
});

test("layer series as BitBake's cookerdata leaves them: the first layer's LAYERSERIES_CORENAMES, each LAYERSERIES_COMPAT kept, sorted", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  // A later layer cannot change the core series, nor lend its LAYERSERIES_COMPAT to another.
  write(join(f.layer, "conf/layer.conf"), 'BBFILE_COLLECTIONS += "p"\nBBFILE_PATTERN_p = "^${LAYERDIR}/"\nLAYERSERIES_CORENAMES = "zeta ember"\nLAYERSERIES_COMPAT_p = "ember alpha"\n');
  const d = loadBuildConfiguration({ topdir: f.build }).metadata.d;
  t.is(d.getVar("LAYERSERIES_CORENAMES"), "ember");
  t.is(d.getVar("LAYERSERIES_COMPAT_p"), "alpha ember");
  t.is(d.getVar("LAYERSERIES_COMPAT_core"), "ember");
});

test("METADATA_REVISION is the layer checkout's commit; a commit re-parses exactly the recipes that use it", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.org", ...args], { cwd: f.layer, encoding: "utf8" }).trim();
  write(join(f.layer, "recipes-x/r6/r6_1.0.bb"), 'LICENSE = "MIT"\nREV = "${METADATA_REVISION}"\ndo_compile() {\n\techo ${REV}\n}\n');
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("commit", "-q", "-m", "one");
  const cache = join(f.root, "cache");
  const first = await parseAll(f.build, cache);
  const rev = (infos: readonly RecipeInfo[]) => byPn(infos).get("r6")!.tasks.find((task) => task.name === "do_compile")!.basehash;
  const config = loadBuildConfiguration({ topdir: f.build });
  t.is(config.metadata.d.getVar("METADATA_REVISION"), "<unknown>", "the build directory is no checkout");

  write(join(f.layer, "README"), "more\n");
  git("add", "README");
  git("commit", "-q", "-m", "two");
  const second = await parseAll(f.build, cache);
  t.deepEqual([second.parsed, second.cached], [1, 5], "only r6 reads the revision");
  t.not(rev(second.infos), rev(first.infos), "the commit is in r6's do_compile signature");
  // Packed refs (git gc) give the same answer.
  git("pack-refs", "--all");
  const packed = await parseAll(f.build, cache);
  t.is(rev(packed.infos), rev(second.infos));
});

test("the variants are those the finalised recipe's BBCLASSEXTEND names (a deferred inherit, an anonymous function), as BitBake's multi_finalize", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "bake-recipes-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const layer = join(root, "meta-v");
  const build = join(root, "build");
  write(join(layer, "conf/layer.conf"), layerConf("v", 6));
  write(join(layer, "classes-recipe/setext.bbclass"), 'BBCLASSEXTEND = "native"\n');
  write(join(layer, "classes-recipe/nativesdk.bbclass"), 'PN := "nativesdk-${@d.getVar(\'PN\').replace(\'-nativesdk\', \'\')}"\n');
  write(join(layer, "recipes-x/deferext/deferext_1.0.bb"), 'LICENSE = "MIT"\ninherit_defer setext\n');
  write(
    join(layer, "recipes-x/anonext/anonext_1.0.bb"),
    'LICENSE = "MIT"\nBBCLASSEXTEND = "native"\npython __anonymous() {\n    if not bb.data.inherits_class("native", d) and not bb.data.inherits_class("nativesdk", d):\n        d.appendVar("BBCLASSEXTEND", " nativesdk")\n}\n',
  );
  write(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${join(repo, "meta-core")} ${layer}"\n`);
  write(join(build, "conf/local.conf"), 'MACHINE = "qemux86-64"\nBBMASK = "/meta-core/recipes-"\n');
  const { infos } = await parseAll(build, null);
  t.deepEqual(infos.map((r) => r.pn).sort(), ["anonext", "anonext-native", "deferext", "deferext-native", "nativesdk-anonext"]);
  // Each variant starts from the recipe as read with BBCLASSEXTEND as the finalised recipe has it.
  const config = loadBuildConfiguration({ topdir: build });
  const file = join(layer, "recipes-x/anonext/anonext_1.0.bb");
  const all = parseRecipeVariants(config.metadata, file, [], config.files);
  t.deepEqual(all.map((r) => [r.variant, r.metadata.d.getVar("BBCLASSEXTEND")]), [["", "native nativesdk"], ["native", "native nativesdk"], ["nativesdk", "native nativesdk"]]);
  // A parse of one variant (a build's, -e's) makes it even when BBCLASSEXTEND as read lacks it.
  const [sdk] = parseRecipeVariants(config.metadata, file, [], config.files, ["nativesdk"]);
  t.is(sdk!.metadata.d.getVar("PN"), "nativesdk-anonext");
  // One that BBCLASSEXTEND as read names starts from the finalised value too, as in the full parse.
  const [native] = parseRecipeVariants(config.metadata, file, [], config.files, ["native"]);
  t.is(native!.metadata.d.getVar("BBCLASSEXTEND"), "native nativesdk");
  const [deferred] = parseRecipeVariants(config.metadata, join(layer, "recipes-x/deferext/deferext_1.0.bb"), [], config.files, ["native"]);
  t.is(deferred!.metadata.d.getVar("PN"), "deferext-native");
});
