// V8's optimising compiler off for one-shot queries (`-e`, `getvar`), and back for anything that
// parses recipes: what is asked of V8, and that a user's own choice of tiers is left alone.
import test from "ava";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { javaScriptBaselineOnly, keepBaselineJavaScript, optimiseJavaScript } from "../../lib/common/js-tiers.js";
import { collectRecipes, loadBuildConfiguration, parseAllRecipes } from "../../lib/config/index.js";
import { layerConf, write } from "../helpers/layer.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const tiers = join(repo, "dist/lib/common/js-tiers.js");

test.serial("a query keeps baseline code until it ends or a parse of recipes asks for the optimising compiler", async (t) => {
  t.teardown(optimiseJavaScript);
  t.false(javaScriptBaselineOnly());
  keepBaselineJavaScript();
  t.true(javaScriptBaselineOnly());
  optimiseJavaScript();
  t.false(javaScriptBaselineOnly());

  const root = mkdtempSync(join(tmpdir(), "bake-tiers-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const layer = join(root, "meta-t");
  const build = join(root, "build");
  write(join(layer, "conf/layer.conf"), layerConf("t", 6));
  write(join(layer, "recipes-x/r1/r1_1.0.bb"), 'LICENSE = "MIT"\n');
  write(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${join(repo, "meta-core")} ${layer}"\n`);
  write(join(build, "conf/local.conf"), 'BBMASK = "/meta-core/recipes-"\n');
  const config = loadBuildConfiguration({ topdir: build });
  const collection = collectRecipes(config.metadata.d, config.layers);
  const cacheDir = join(root, "cache");
  const parse = () => parseAllRecipes(config, collection, { vars: {}, threads: 1, cacheDir });
  keepBaselineJavaScript();
  t.is((await parse()).parsed, 1);
  t.false(javaScriptBaselineOnly(), "recipes parsed: the optimising compiler is back");
  keepBaselineJavaScript();
  t.is((await parse()).cached, 1);
  t.true(javaScriptBaselineOnly(), "all from the cache: still baseline");
});

test("a process started with its own choice of V8 tiers (--max-opt, --no-opt) is left alone", (t) => {
  const script = `const m = await import(${JSON.stringify(tiers)}); m.keepBaselineJavaScript(); const a = m.javaScriptBaselineOnly(); m.optimiseJavaScript();
    console.log(JSON.stringify([a, m.javaScriptBaselineOnly()]));`;
  const run = (args: string[]) => JSON.parse(execFileSync(process.execPath, [...args, "--input-type=module", "-e", script], { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } })) as boolean[];
  t.deepEqual(run([]), [true, false]);
  t.deepEqual(run(["--max-opt=1"]), [false, false]);
  t.deepEqual(run(["--no-opt"]), [false, false]);
});
