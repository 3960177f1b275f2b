// `bake layers show | show-recipes | show-appends | add-layer | remove-layer`, and dangling bbappends.
import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { layerConf, write } from "../helpers/layer.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bake = join(repo, "bin/bake.js");

function fixture() {
  const root = mkdtempSync(join(tmpdir(), "bake-layers-cli-"));
  const build = join(root, "build");
  write(join(root, "meta-one/conf/layer.conf"), layerConf("one", 7));
  write(join(root, "meta-one/recipes-a/tool/tool_1.0.bb"), 'LICENSE = "MIT"\n');
  write(join(root, "meta-one/recipes-a/tool/tool_2.0.bb"), 'LICENSE = "MIT"\n');
  write(join(root, "meta-two/conf/layer.conf"), layerConf("two", 7, "core one"));
  write(join(root, "meta-two/recipes-a/tool/tool_%.bbappend"), 'EXTRA = "1"\n');
  write(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${join(repo, "meta-core")}"\n`);
  write(join(build, "conf/local.conf"), 'MACHINE ??= "qemux86-64"\n');
  return { root, build, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

function run(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bake, ...args], { cwd, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("add-layer checks LAYERDEPENDS before writing; show, show-recipes and show-appends list what is there", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const before = readFileSync(join(f.build, "conf/bblayers.conf"), "utf8");
  const refused = run(f.build, "layers", "add-layer", join(f.root, "meta-two"));
  t.is(refused.code, 1);
  t.regex(refused.err, /layer two depends on layer one/);
  t.is(readFileSync(join(f.build, "conf/bblayers.conf"), "utf8"), before, "a refused add leaves bblayers.conf as it was");

  t.is(run(f.build, "layers", "add-layer", join(f.root, "meta-one"), join(f.root, "meta-two")).code, 0);
  const shown = run(f.build, "layers", "show").out;
  t.regex(shown, /^one\s+\S*meta-one\s+7$/m);
  t.regex(shown, /^two\s+\S*meta-two\s+7$/m);
  t.regex(run(f.build, "layers", "show-recipes", "tool").out, /^=== Matching recipes: ===\ntool:\n {2}meta-one {13}2\.0\n {2}meta-one {13}1\.0\n$/, "the preferred version first");
  t.regex(run(f.build, "layers", "show-appends").out, /tool_2\.0\.bb:\n {2}\S*tool_%\.bbappend/);

  t.is(run(f.build, "layers", "remove-layer", "two").code, 0);
  t.notRegex(run(f.build, "layers", "show").out, /meta-two/);
});

test("a bbappend without a recipe is an error, or a warning with BB_DANGLINGAPPENDS_WARNONLY", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  t.is(run(f.build, "layers", "add-layer", join(f.root, "meta-one"), join(f.root, "meta-two")).code, 0);
  write(join(f.root, "meta-two/recipes-a/ghost/ghost_1.0.bbappend"), 'X = "1"\n');
  const failed = run(f.build, "-p");
  t.is(failed.code, 1);
  t.regex(failed.err, /no recipe matches these bbappend files:\n {2}\S*ghost_1\.0\.bbappend/);
  writeFileSync(join(f.build, "conf/local.conf"), 'MACHINE ??= "qemux86-64"\nBB_DANGLINGAPPENDS_WARNONLY = "1"\n');
  const warned = run(f.build, "-p");
  t.is(warned.code, 0, warned.err);
  t.regex(warned.out + warned.err, /WARNING: no recipe matches these bbappend files/);
});
