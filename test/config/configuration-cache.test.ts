// The configuration kept between runs: a second load is served from it with the same values and
// history, a changed or newly created input is evaluated again (configurations whose Python ran:
// configuration-cache-python.test.ts).
import test from "ava";
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDir, layerConf, write } from "../helpers/layer.js";
import { loadBuildConfiguration } from "../../lib/config/index.js";
import { ParseError } from "../../lib/parse/index.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

function fixture(localConf: readonly string[] = []) {
  const root = mkdtempSync(join(tmpdir(), "bake-configuration-cache-"));
  const layer = join(root, "meta-k");
  write(join(layer, "conf/layer.conf"), layerConf("k") + 'K_LAYER = "from layer.conf"\n');
  write(join(layer, "classes-global/kept.bbclass"), 'K_CLASS = "class of ${K_LAYER}"\nK_CLASS:append = " appended"\n');
  const build = buildDir(join(root, "build"), [join(repo, "meta-core"), layer], ['INHERIT += "kept"', 'K_LOCAL = "1"', "include conf/site.conf", ...localConf]);
  return { root, layer, build, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

test("a second load is served from the kept configuration: same values, same history, same inputs", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const cold = loadBuildConfiguration({ topdir: f.build });
  t.false(cold.kept);
  t.true(readdirSync(join(f.build, "cache/configuration")).some((n) => n.endsWith(".history.v8")));
  const warm = loadBuildConfiguration({ topdir: f.build });
  t.true(warm.kept);
  t.false(warm.keptPython, "meta-core's values run no Python");
  for (const name of ["K_CLASS", "K_LOCAL", "MACHINE", "OVERRIDES", "BBFILES"]) {
    t.is(warm.metadata.d.getVar(name), cold.metadata.d.getVar(name), name);
    t.deepEqual(warm.metadata.d.history(name), cold.metadata.d.history(name), `history of ${name}`);
  }
  t.deepEqual([...warm.metadata.files], [...cold.metadata.files]);
  t.deepEqual(warm.metadata.inherited, cold.metadata.inherited);
  t.deepEqual(warm.inputs, cold.inputs);
  t.deepEqual(warm.layers, cold.layers);
  // Operations after the load are recorded after the kept ones.
  warm.metadata.d.setVar("K_LOCAL", "2", { file: "later.conf", line: 3 });
  t.deepEqual(warm.metadata.d.history("K_LOCAL").map((e) => e.file), [join(f.build, "conf/local.conf"), "later.conf"]);
});

test("a changed input, or one created where the configuration looked, is evaluated again; a touched one is not", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  loadBuildConfiguration({ topdir: f.build });
  const later = new Date(Date.now() + 5000);
  utimesSync(join(f.layer, "classes-global/kept.bbclass"), later, later);
  const touched = loadBuildConfiguration({ topdir: f.build });
  t.true(touched.kept, "same content under a new stamp");
  t.true(loadBuildConfiguration({ topdir: f.build }).kept);
  write(join(f.layer, "classes-global/kept.bbclass"), 'K_CLASS = "changed"\n');
  const changed = loadBuildConfiguration({ topdir: f.build });
  t.false(changed.kept);
  t.is(changed.metadata.d.getVar("K_CLASS"), "changed");
  write(join(f.build, "conf/site.conf"), 'K_SITE = "new"\n');
  const created = loadBuildConfiguration({ topdir: f.build });
  t.false(created.kept);
  t.is(created.metadata.d.getVar("K_SITE"), "new");
  t.true(loadBuildConfiguration({ topdir: f.build }).kept);
});

test("environment variables select their own kept configuration; cache: false evaluates", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  loadBuildConfiguration({ topdir: f.build });
  const other = loadBuildConfiguration({ topdir: f.build, vars: { MACHINE: "qemuarm64" } });
  t.false(other.kept);
  t.is(other.metadata.d.getVar("MACHINE"), "qemuarm64");
  t.true(loadBuildConfiguration({ topdir: f.build, vars: { MACHINE: "qemuarm64" } }).kept);
  t.is(loadBuildConfiguration({ topdir: f.build }).metadata.d.getVar("MACHINE"), "qemux86-64");
  t.false(loadBuildConfiguration({ topdir: f.build, cache: false }).kept);
});

test("a configuration evaluated without history is not kept (-e would lack it)", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  t.false(loadBuildConfiguration({ topdir: f.build, history: false }).kept);
  t.false(existsSync(join(f.build, "cache/configuration")));
});

test("a configuration with a layer written in Python that ran no Python is kept, marked as one whose values may need it", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  write(join(f.layer, "conf/layer.conf"), layerConf("k") + 'LAYERLANGUAGE_k = "python"\n');
  const cold = loadBuildConfiguration({ topdir: f.build });
  t.false(cold.kept);
  const warm = loadBuildConfiguration({ topdir: f.build });
  t.true(warm.kept);
  t.true(warm.keptPython);
});

test("a configuration evaluated again reads its files' syntax trees kept by the first evaluation; an edit or a syntax error is seen", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  // Without history, as a parse thread loads it: evaluated every time, never kept whole.
  t.is(loadBuildConfiguration({ topdir: f.build, history: false }).metadata.d.getVar("K_CLASS"), "class of from layer.conf appended");
  const store = join(f.build, "cache/syntax");
  const [generation] = readdirSync(store);
  const kept = readdirSync(join(store, generation!));
  // bblayers.conf, local.conf, the layer's layer.conf and class, meta-core's bake.conf and classes.
  t.true(kept.length >= 5, `${kept.length} trees`);
  const again = loadBuildConfiguration({ topdir: f.build, history: false });
  t.false(again.kept);
  t.is(again.metadata.d.getVar("K_CLASS"), "class of from layer.conf appended");
  t.is(readdirSync(join(store, generation!)).length, kept.length, "nothing parsed again");
  write(join(f.layer, "classes-global/kept.bbclass"), 'K_CLASS = "edited"\n');
  t.is(loadBuildConfiguration({ topdir: f.build, history: false }).metadata.d.getVar("K_CLASS"), "edited");
  write(join(f.layer, "classes-global/kept.bbclass"), 'K_CLASS = "edited"\nnot metadata\n');
  const err = t.throws(() => loadBuildConfiguration({ topdir: f.build, history: false }), { instanceOf: ParseError });
  t.regex(err!.format(), /kept\.bbclass:2:/);
});

test("the command's own load removes configuration syntax trees of another build of bake", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  write(join(f.build, "cache/syntax/other-build/x.v8"), "old");
  loadBuildConfiguration({ topdir: f.build, history: false });
  t.true(existsSync(join(f.build, "cache/syntax/other-build")), "a parse thread's load leaves them");
  loadBuildConfiguration({ topdir: f.build, prune: true });
  t.false(existsSync(join(f.build, "cache/syntax/other-build")));
  t.is(readdirSync(join(f.build, "cache/syntax")).length, 1);
});
