// Signature analysis only where a command reads signatures (lib/config/recipes.ts): a parse for
// `-p`, `-e`, `-g`… makes records without basehashes and caches them as such; such an entry serves
// those commands, a signed one serves every command, and a build signs (signRecipes) only the
// recipes of its task graph whose records have none, with the signatures a cold parse gives.
import test from "ava";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bakeIn, buildDir, layerConf, write } from "../helpers/layer.js";
import { collectRecipes, loadBuildConfiguration, parseAllRecipes, signRecipes, type CachedRecords, type RecipeInfo, type Signatures } from "../../lib/config/index.js";
import { MANIFEST_FILE, SUMMARIES_FILE } from "../../lib/config/parse-manifest.js";
import { LATE_WORKER_MS, lateWorkersPay, parseThreads } from "../../lib/config/recipes.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

function fixture() {
  const root = mkdtempSync(join(tmpdir(), "bake-lazy-sig-"));
  const layer = join(root, "meta-s");
  const build = join(root, "build");
  const extra = join(root, "extra.txt");
  write(extra, "one\n");
  write(join(layer, "conf/layer.conf"), layerConf("s", 6));
  write(join(layer, "classes-recipe/alpha.bbclass"), 'ALPHA = "1"\ndo_compile() {\n    echo ${ALPHA}\n}\naddtask compile after do_configure before do_build\n');
  // r1 depends on r2; r3 is no part of r1's graph. r3's do_compile uses a value whose expansion
  // (signature analysis alone expands it) names a file the parse depends on.
  write(join(layer, "recipes-x/r1/r1_1.0.bb"), 'LICENSE = "MIT"\ninherit alpha\nDEPENDS = "r2"\n');
  write(join(layer, "recipes-x/r2/r2_1.0.bb"), 'LICENSE = "MIT"\ninherit alpha\nBBCLASSEXTEND = "native"\n');
  write(
    join(layer, "recipes-x/r3/r3_1.0.bb"),
    `LICENSE = "MIT"\ninherit alpha\nEXTRA = "\${@bb.parse.mark_dependency(d, '${extra}') || 'x'}"\ndo_compile:append() {\n    echo \${EXTRA}\n}\n`,
  );
  buildDir(build, [join(repo, "meta-core"), layer], ['BBMASK = "/meta-core/recipes-"', 'INHIBIT_DEFAULT_DEPS = "1"']);
  const cache = join(root, "cache");
  return { root, layer, build, cache, extra, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

function setup(build: string, cacheDir: string, signatures: Signatures, records: CachedRecords = "infos") {
  const config = loadBuildConfiguration({ topdir: build });
  const collection = collectRecipes(config.metadata.d, config.layers);
  const opts = { vars: {}, threads: 1, cacheDir, records, signatures };
  return { config, collection, opts, parse: () => parseAllRecipes(config, collection, opts) };
}

const parseAll = (build: string, cacheDir: string, signatures: Signatures, records: CachedRecords = "infos") => setup(build, cacheDir, signatures, records).parse();

const basehashes = (infos: readonly RecipeInfo[]) => infos.flatMap((r) => r.tasks.map((t) => t.basehash));
const byPn = (infos: readonly RecipeInfo[], pn: string) => infos.filter((r) => r.pn === pn);
const unsignedPns = (parsed: { unsigned: ReadonlySet<string> }) => [...parsed.unsigned].map((f) => basename(dirname(f))).sort();

test("a parse without signatures caches unsigned records that serve -p; a parse that must sign all parses them again, as a cold one", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const unsigned = await parseAll(f.build, f.cache, "none");
  t.is(unsigned.parsed, 3);
  t.deepEqual(unsignedPns(unsigned), ["r1", "r2", "r3"]);
  t.true(basehashes(unsigned.infos).every((h) => h === ""));
  t.true(unsigned.infos.every((r) => r.tasks.length > 0));
  // -p: every entry holds, from the entries and from the manifest alike.
  for (const records of ["counts", "infos"] as const) {
    const warm = await parseAll(f.build, f.cache, "none", records);
    t.deepEqual([warm.parsed, warm.cached, warm.targets], [0, 3, unsigned.targets]);
    t.deepEqual(unsignedPns(warm), ["r1", "r2", "r3"]);
  }
  const signed = await parseAll(f.build, f.cache, "all");
  t.is(signed.parsed, 3);
  t.deepEqual(unsignedPns(signed), []);
  t.true(basehashes(signed.infos).every((h) => /^[0-9a-f]{64}$/.test(h)));
  const cold = await parseAll(f.build, join(f.root, "cold"), "all");
  t.deepEqual(signed.infos, cold.infos);
  // Apart from the basehashes, the records are the same.
  const blank = (infos: readonly RecipeInfo[]) => infos.map((r) => ({ ...r, tasks: r.tasks.map((task) => ({ ...task, basehash: "" })) }));
  t.deepEqual(unsigned.infos, blank(signed.infos));
});

test("an entry written signed serves a parse without signatures, signed", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const signed = await parseAll(f.build, f.cache, "all");
  for (const records of ["counts", "summaries", "infos"] as const) {
    const warm = await parseAll(f.build, f.cache, "none", records);
    t.deepEqual([warm.parsed, warm.cached], [0, 3]);
    t.deepEqual(unsignedPns(warm), []);
    if (records === "infos") t.deepEqual(warm.infos, signed.infos);
  }
  t.deepEqual(JSON.parse(readFileSync(join(f.cache, MANIFEST_FILE), "utf8")).unsigned, []);
});

test("signRecipes signs only the recipes asked for, with the signatures of a cold parse, and updates their entries and the manifest", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  await parseAll(f.build, f.cache, "none", "counts");
  const s = setup(f.build, f.cache, "parsed");
  const before = await s.parse();
  t.deepEqual([before.parsed, before.cached], [0, 3]);
  const files = new Set([...before.unsigned].filter((file) => /\/r[12]_/.test(file)));
  const after = await signRecipes(s.config, s.collection, before, files, s.opts);
  t.deepEqual(unsignedPns(after), ["r3"]);
  const cold = await parseAll(f.build, join(f.root, "cold"), "all");
  for (const pn of ["r1", "r2"]) t.deepEqual(byPn(after.infos, pn), byPn(cold.infos, pn), pn);
  t.true(basehashes(byPn(after.infos, "r3")).every((h) => h === ""));
  // The same order of records as the parse (recipe by recipe, variants together).
  t.deepEqual(after.infos.map((r) => `${r.variant}:${r.pn}`), before.infos.map((r) => `${r.variant}:${r.pn}`));
  // The next run finds r1 and r2 signed, r3 not: from the manifest, and from the entries.
  const manifest = JSON.parse(readFileSync(join(f.cache, MANIFEST_FILE), "utf8")) as { counts: unknown; unsigned: number[] };
  t.is(manifest.unsigned.length, 1);
  const summaries = readFileSync(join(f.cache, SUMMARIES_FILE));
  for (const records of ["counts", "infos"] as const) {
    const warm = await parseAll(f.build, f.cache, "parsed", records);
    t.deepEqual([warm.parsed, warm.cached], [0, 3]);
    t.deepEqual(unsignedPns(warm), ["r3"]);
    if (records === "infos") t.deepEqual(byPn(warm.infos, "r1"), byPn(cold.infos, "r1"));
  }
  // The manifest updated in place says what one made from every entry's header says.
  rmSync(join(f.cache, MANIFEST_FILE));
  t.deepEqual(unsignedPns(await parseAll(f.build, f.cache, "parsed")), ["r3"]);
  const remade = JSON.parse(readFileSync(join(f.cache, MANIFEST_FILE), "utf8")) as { counts: unknown; unsigned: number[] };
  t.deepEqual([remade.counts, remade.unsigned], [manifest.counts, manifest.unsigned]);
  t.deepEqual(readFileSync(join(f.cache, SUMMARIES_FILE)), summaries);
  // A parse that must sign everything parses only r3 again.
  const all = await parseAll(f.build, f.cache, "all");
  t.is(all.parsed, 1);
  t.deepEqual(all.infos, cold.infos);
});

test("the signing pass starts its workers only when this thread alone would take longer than LATE_WORKER_MS", (t) => {
  // A plan with a worker (82 recipes, 2 threads), which the signing pass starts late or never.
  t.deepEqual(parseThreads(82, 2), { here: true, workers: 1 });
  // Not while this thread is warming up, however slow its first recipes.
  t.false(lateWorkersPay(900, 100, 70));
  // The corpus's 82-recipe graph: this thread is done before it has spent a second, or nearly.
  t.false(lateWorkersPay(1000, 15, 20));
  // oe-core's core-image-minimal, 259 recipes at about 60 ms.
  t.true(lateWorkersPay(1000, 60, 259 - 16));
  t.false(lateWorkersPay(1000, 60, 259 - 16, 60 * 259));
  t.is(LATE_WORKER_MS, 2000);
});

test("signRecipes in the command's thread and in workers write the same entries and records as a cold parse", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const cold = await parseAll(f.build, join(f.root, "cold"), "all");
  const results = [];
  for (const [name, extra] of [["here", {}], ["workers", { threads: 2, inProcessLimit: 0 }]] as const) {
    const cache = join(f.root, name);
    await parseAll(f.build, cache, "none", "counts");
    const s = setup(f.build, cache, "parsed");
    const before = await s.parse();
    const after = await signRecipes(s.config, s.collection, before, new Set(before.unsigned), { ...s.opts, ...extra });
    t.deepEqual(unsignedPns(after), [], name);
    t.deepEqual(after.infos, cold.infos, name);
    // What the entries hold: a parse that must sign everything takes them all.
    const all = await parseAll(f.build, cache, "all");
    t.deepEqual([all.parsed, all.cached], [0, 3], name);
    results.push(all.infos);
  }
  t.deepEqual(results[0], results[1]);
});

test("each parse records its own inputs: a file only the signature analysis read re-parses the signed entry, not the unsigned one", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const unsignedCache = join(f.root, "unsigned");
  await parseAll(f.build, unsignedCache, "none");
  await parseAll(f.build, f.cache, "all");
  write(f.extra, "two\n");
  // What the unsigned parse of r3 read is unchanged: its entry holds.
  t.is((await parseAll(f.build, unsignedCache, "none")).parsed, 0);
  const signed = await parseAll(f.build, f.cache, "all");
  t.is(signed.parsed, 1);
  t.deepEqual(signed.infos.filter((r) => r.pn === "r3").length, 1);
  // An unsigned entry is parsed again when what it read changes.
  write(join(f.layer, "classes-recipe/alpha.bbclass"), 'ALPHA = "2"\ndo_compile() {\n    echo ${ALPHA}\n}\naddtask compile after do_configure before do_build\n');
  t.is((await parseAll(f.build, unsignedCache, "none")).parsed, 3);
});

/** The sigdata files' names (task and taskhash) under the build's stamps. */
function sigdataNames(build: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.includes(".sigdata.")) out.push(join(dir, e.name).slice(build.length));
    }
  };
  walk(join(build, "tmp/stamps"));
  return out.sort();
}

test("bake -S after bake -p signs only the graph's recipes, with the signatures of a build from a cold cache", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const run = (...args: string[]) => {
    const r = bakeIn(f.build, ...args);
    if (r.status !== 0) throw new Error(`bake ${args.join(" ")} failed (${r.status}): ${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  t.regex(run("-p"), /\(0 cached, 3 parsed\)/);
  const after = run("-S", "none", "r1");
  t.regex(after, /\(3 cached, 0 parsed\)/);
  t.regex(after, /Signatures of 2 recipes computed/);
  const cacheDir = join(f.build, "tmp/cache/parse");
  t.deepEqual(JSON.parse(readFileSync(join(cacheDir, MANIFEST_FILE), "utf8")).unsigned.length, 1, "r3 is left unsigned");
  const names = sigdataNames(f.build);
  t.true(names.length > 0);
  // Again: nothing left to sign.
  t.notRegex(run("-S", "none", "r1"), /Signatures of/);
  rmSync(join(f.build, "tmp"), { recursive: true, force: true });
  const cold = run("-S", "none", "r1");
  t.regex(cold, /\(0 cached, 3 parsed\)/);
  t.notRegex(cold, /Signatures of/);
  t.deepEqual(sigdataNames(f.build), names);
  // -g after a cold build's signed parse and after -p write the same task-depends.dot.
  run("-g", "r1");
  const signedDot = readFileSync(join(f.build, "task-depends.dot"), "utf8");
  rmSync(join(f.build, "tmp"), { recursive: true, force: true });
  run("-p");
  run("-g", "r1");
  t.is(readFileSync(join(f.build, "task-depends.dot"), "utf8"), signedDot);
});
