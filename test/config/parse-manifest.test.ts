// The parse cache's manifest files (lib/config/parse-manifest.ts): a warm parse that asks for counts
// or summaries is answered by it alone, and it is trusted only whole, only while every input holds,
// and only while the entries it vouched for are the ones it saw.
import test from "ava";
import { readdirSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { mkdtempSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDir, layerConf, write } from "../helpers/layer.js";
import { collectRecipes, loadBuildConfiguration, parseAllRecipes, RecipeParseFailures, summaryOf, type CachedRecords, type RecipeInfo } from "../../lib/config/index.js";
import { MANIFEST_FILE, SUMMARIES_FILE } from "../../lib/config/parse-manifest.js";

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
  return { root, layer, build, cache, manifest: join(cache, MANIFEST_FILE), summaries: join(cache, SUMMARIES_FILE), cleanup: () => rmSync(root, { recursive: true, force: true }) };
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
  for (const f of readdirSync(cache)) if (f !== MANIFEST_FILE && f !== SUMMARIES_FILE) rmSync(join(cache, f), { recursive: true, force: true });
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
  const header = readFileSync(f.manifest);
  const summaries = readFileSync(f.summaries);
  const rewritten = () => t.deepEqual([readFileSync(f.manifest), readFileSync(f.summaries)], [header, summaries], "written again from the entries");
  // A header cut short, or empty.
  for (const length of [header.length >> 1, 0]) {
    truncateSync(f.manifest, length);
    const warm = await parseAll(f.build, f.cache, "counts");
    t.deepEqual([warm.parsed, warm.cached, warm.targets], [0, 3, cold.targets]);
    rewritten();
  }
  // Summaries cut short: counts hold (the header is whole), summaries do not.
  truncateSync(f.summaries, summaries.length - 10);
  t.is((await parseAll(f.build, f.cache, "counts")).cached, 3);
  const warm = await parseAll(f.build, f.cache, "summaries");
  t.deepEqual([warm.parsed, warm.cached], [0, 3]);
  t.deepEqual(warm.summaries, cold.infos.map(summaryOf));
  rewritten();
});

test("summaries that are not the ones the header names (same length, a byte changed) are not trusted", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const cold = await parseAll(f.build, f.cache);
  const data = readFileSync(f.summaries);
  const at = data.indexOf("r-three");
  t.true(at > 0);
  data.write("r-thre3", at);
  writeFileSync(f.summaries, data);
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

test("a file touched but unchanged is read once: the header is written again with its new stamp, the summaries kept", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  await parseAll(f.build, f.cache);
  const header = readFileSync(f.manifest, "utf8");
  const summaries = readFileSync(f.summaries);
  const later = new Date(Date.now() + 5000);
  utimesSync(join(f.layer, "classes-recipe/alpha.bbclass"), later, later);
  t.deepEqual((await parseAll(f.build, f.cache, "counts")).cached, 3);
  t.not(readFileSync(f.manifest, "utf8"), header);
  t.deepEqual(readFileSync(f.summaries), summaries);
  removeEntries(f.cache);
  const warm = await parseAll(f.build, f.cache, "summaries");
  t.deepEqual([warm.parsed, warm.cached, pr(warm.summaries, "r1")], [0, 3, "r-alpha"]);
});

test("a recipe that sets BB_DONT_CACHE is parsed again on every run, as BitBake does; the others stay cached", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  write(join(f.layer, "recipes-x/r3/r3_1.0.bb"), 'LICENSE = "MIT"\nPR = "r-three"\nBB_DONT_CACHE = "1"\n');
  const cold = await parseAll(f.build, f.cache);
  t.is(cold.parsed, 3);
  for (let run = 0; run < 2; run++) {
    const warm = await parseAll(f.build, f.cache);
    t.is(warm.parsed, 1, "r3 alone is parsed again");
    t.is(warm.cached, 2);
    t.is(pr(warm.infos, "r3"), "r-three");
  }
});
