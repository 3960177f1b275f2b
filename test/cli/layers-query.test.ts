// bake layers create-layer, show-overlayed, show-cross-depends: bitbake-layers' commands and formats.
import test from "ava";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fixture, runBake, trace, write } from "../sstate-build/fixture.js";
import { layerConf } from "../helpers/layer.js";

test("create-layer writes a layer bake builds; -a adds it; an existing directory is refused", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  // No cross toolchain in this fixture: the example's compiler dependency is left out.
  const build = f.buildDir("build", ['BB_HASHSERVE = ""', 'INHIBIT_DEFAULT_DEPS = "1"']);
  const r = await runBake(f, build, ["layers", "create-layer", "../meta-made", "-a", "-p", "7"]);
  t.is(r.code, 0, r.out);
  t.regex(r.out, /Layer added .*\/meta-made\n/);
  const conf = readFileSync(join(f.root, "meta-made/conf/layer.conf"), "utf8");
  t.regex(conf, /BBFILE_COLLECTIONS \+= "meta-made"/);
  t.regex(conf, /BBFILE_PRIORITY_meta-made = "7"/);
  t.regex(conf, /LAYERSERIES_COMPAT_meta-made = "ember"/, "the core layer's series name");
  t.true(existsSync(join(f.root, "meta-made/recipes-example/example/example_0.1.bb")));
  t.regex(readFileSync(join(f.root, "meta-made/COPYING.MIT"), "utf8"), /^MIT License\n[^]*\nPermission is hereby granted, free of charge/, "the core layer's MIT text");
  t.regex(readFileSync(join(build, "conf/bblayers.conf"), "utf8"), /meta-made/);
  const built = await runBake(f, build, ["example"]);
  t.is(built.code, 0, built.out);
  t.regex(readFileSync(join(build, "tmp/work/x86_64-bake-linux-musl/example/0.1/temp/log.do_display_banner"), "utf8"), /Example recipe created by bake layers/);
  const again = await runBake(f, build, ["layers", "create-layer", "../meta-made"]);
  t.is(again.code, 1);
  t.is(again.out, "Specified layer directory exists\n");
});

test("show-overlayed lists a recipe in two layers, the preferred first; show-cross-depends a DEPENDS across layers", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const other = join(f.root, "meta-other");
  write(join(other, "conf/layer.conf"), layerConf("other", 9, "core st"));
  write(join(other, "recipes-st/a/a_2.0.bb"), readFileSync(join(f.layer, "recipes-st/a/a_1.0.bb"), "utf8"));
  write(join(other, "recipes-st/d/d_1.0.bb"), 'SUMMARY = "d"\nLICENSE = "MIT"\nINHIBIT_DEFAULT_DEPS = "1"\nDEPENDS = "c"\n');
  const build = f.buildDir("build", ['BB_HASHSERVE = ""']);
  const bblayers = join(build, "conf/bblayers.conf");
  write(bblayers, readFileSync(bblayers, "utf8").replace(/"\n$/, ` ${other}"\n`));
  const o = await runBake(f, build, ["layers", "show-overlayed"]);
  t.is(o.code, 0, o.out);
  t.true(o.out.endsWith(`=== Overlayed recipes ===\na:\n  ${"meta-other".padEnd(20)} 2.0\n  ${"meta-st".padEnd(20)} 1.0\n`), o.out);
  const c = await runBake(f, build, ["layers", "show-cross-depends"]);
  t.is(c.code, 0, c.out);
  t.regex(c.out, /(?:^|\n)meta-other\/recipes-st\/d\/d_1\.0\.bb DEPENDS meta-st\/recipes-st\/c\/c_1\.0\.bb\n/);
  t.regex(c.out, /\nmeta-st\/recipes-st\/b\/b_1\.0\.bb DEPENDS meta-other\/recipes-st\/a\/a_2\.0\.bb\n/, "b's DEPENDS on a is provided by meta-other's a 2.0");
  const ignored = await runBake(f, build, ["layers", "show-cross-depends", "-i", "meta-st"]);
  t.false(/d_1\.0\.bb DEPENDS/.test(ignored.out));
  t.deepEqual(trace(build), []);
});
