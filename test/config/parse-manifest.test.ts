// The parse cache's manifest file (lib/config/parse-manifest.ts): a warm parse that asks for counts
// or summaries is answered by it alone, and it is trusted only whole, only while every input holds,
// and only while the entries it vouched for are the ones it saw.
import test from "ava";
import { readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { mkdtempSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDir, layerConf, write } from "../helpers/layer.js";
import { collectRecipes, loadBuildConfiguration, parseAllRecipes, RecipeParseFailures, summaryOf, type CachedRecords, type RecipeInfo } from "../../lib/config/index.js";
import { MANIFEST_FILE } from "../../lib/config/parse-manifest.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

function fixture() {
  const root = mkdtempSync(join(tmpdir(), "bake-manifest-"));
  const layer = join(root, "meta-p");
  const build = join(root, "build");
  write(join(layer, "conf/layer.conf"), layerConf("p", 6));
  write(join(layer, "classes-recipe/alpha.bbclass"), 'PR = "r-alpha"\n');
  write(join(layer, "recipes-x/r1/r1_1.0.bb"), 'LICENSE = "MIT"\ninherit alpha\n');
  write(join(layer, "recipes-x/r2/r2_1.0.bb"), 'LICENSE = "MIT"\nBBCLASSEXTEND = "native"\n');
  write(join(layer, "recipes-x/r3/r3_1.0.bb"), 'LICENSE = "MIT"\nPR = "r-three"\n');
  buildDir(build, [join(repo, "meta-core"), layer], ['BBMASK = "/meta-core/recipes-"']);
  const cache = join(root, "cache");
  return { root, layer, build, cache, manifest: join(cache, MANIFEST_FILE), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

async function parseAll(build: string, cacheDir: string, records: CachedRecords = "infos") {
  const config = loadBuildConfiguration({ topdir: build });
  return parseAllRecipes(config, collectRecipes(config.metadata.d, config.layers), { vars: {}, threads: 1, cacheDir, records });
}

function pr(infos: readonly { pn: string; pr: string }[], pn: string): string {
  return infos.find((r) => r.pn === pn)!.pr;
}

/** Everything of the cache directory but the manifest: LevelDB's entries are gone. */
function removeEntries(cache: string): void {
  for (const f of readdirSync(cache)) if (f !== MANIFEST_FILE) rmSync(join(cache, f), { recursive: true, force: true });
}

test("a warm parse for counts or summaries is answered by the manifest alone, the same as from the entries", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const cold = await parseAll(f.build, f.cache);
  t.is(cold.parsed, 3);
  const fromEntries = await parseAll(f.build, f.cache, "summaries");
  t.deepEqual(fromEntries.summaries, cold.infos.map(summaryOf));
  // Without LevelDB's files, only the manifest can answer (an empty database would have nothing).
  removeEntries(f.cache);
  const counts = await parseAll(f.build, f.cache, "counts");
  t.deepEqual([counts.parsed, counts.cached, counts.targets, counts.skipped], [0, 3, cold.targets, cold.skipped]);
  const summaries = await parseAll(f.build, f.cache, "summaries");
  t.deepEqual([summaries.parsed, summaries.cached], [0, 3]);
  t.deepEqual(summaries.summaries, cold.infos.map(summaryOf));
  // The records themselves are LevelDB's: missing, the recipes are parsed again (and a new manifest written).
  const infos = await parseAll(f.build, f.cache);
  t.deepEqual([infos.parsed, infos.infos], [3, cold.infos]);
  removeEntries(f.cache);
  t.deepEqual((await parseAll(f.build, f.cache, "summaries")).cached, 3);
});

test("a torn manifest is not trusted: each recipe's entry decides, and the manifest is written whole again", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const cold = await parseAll(f.build, f.cache);
  const whole = readFileSync(f.manifest);
  // Cut in the header, and cut in the summaries (the header reads back, the part is short).
  for (const at of [whole.indexOf(10) >> 1, whole.length - 10]) {
    truncateSync(f.manifest, at);
    const warm = await parseAll(f.build, f.cache, "summaries");
    t.deepEqual([warm.parsed, warm.cached], [0, 3]);
    t.deepEqual(warm.summaries, cold.infos.map(summaryOf));
    t.deepEqual(readFileSync(f.manifest), whole, "written again from the entries");
  }
  // Torn without a newline at all, and empty.
  for (const text of ["{\"format\":", ""]) {
    writeFileSync(f.manifest, text);
    t.is((await parseAll(f.build, f.cache, "counts")).cached, 3);
    t.deepEqual(readFileSync(f.manifest), whole);
  }
});

test("a manifest whose summaries are not the ones it describes (same length, a byte changed) is not trusted", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const cold = await parseAll(f.build, f.cache);
  const data = readFileSync(f.manifest);
  const at = data.indexOf("r-three", data.indexOf(10));
  t.true(at > 0);
  data.write("r-thre3", at);
  writeFileSync(f.manifest, data);
  const warm = await parseAll(f.build, f.cache, "summaries");
  t.is(pr(warm.summaries, "r3"), "r-three");
  t.deepEqual(warm.summaries, cold.infos.map(summaryOf));
});

test("a changed input is not answered by the manifest; the recipe is parsed again and a new manifest holds", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  await parseAll(f.build, f.cache);
  const before = readFileSync(f.manifest);
  write(join(f.layer, "classes-recipe/alpha.bbclass"), 'PR = "r-beta"\n');
  const changed = await parseAll(f.build, f.cache, "counts");
  t.deepEqual([changed.parsed, changed.cached], [1, 2]);
  t.notDeepEqual(readFileSync(f.manifest), before);
  removeEntries(f.cache);
  const warm = await parseAll(f.build, f.cache, "summaries");
  t.deepEqual([warm.parsed, pr(warm.summaries, "r1")], [0, "r-beta"], "the new manifest carries every recipe's summaries, those not read in that run too");
});

test("a run that rewrites entries and fails drops the manifest: a file changed and changed back is not answered from the entries in between", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  await parseAll(f.build, f.cache);
  const r3 = join(f.layer, "recipes-x/r3/r3_1.0.bb");
  const original = readFileSync(r3, "utf8");
  write(r3, original.replace("r-three", "r-edited"));
  write(join(f.layer, "recipes-x/r4/r4_1.0.bb"), "inherit missing-class\n");
  await t.throwsAsync(parseAll(f.build, f.cache), { instanceOf: RecipeParseFailures });
  // r3's entry now holds the edited parse; its file gets its old content back (a new stamp, the old hash).
  write(r3, original);
  rmSync(join(f.layer, "recipes-x/r4"), { recursive: true });
  const restored = await parseAll(f.build, f.cache);
  t.deepEqual([restored.parsed, pr(restored.infos as RecipeInfo[], "r3")], [1, "r-three"]);
});
