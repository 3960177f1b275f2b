// A layer without BBFILE_PRIORITY gets its priority as BitBake's cooker works it out (one more than
// the highest of the layers it depends on or recommends, those first, and than the base of the
// priorities set): test/data/layer-priority/show-layers is what bitbake-layers wrote for it.
import test from "ava";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { write } from "../helpers/layer.js";
import { normalize } from "../helpers/bitbake-layers.js";
import { repo } from "../sstate-build/fixture.js";

const DATA = join(repo, "test/data/layer-priority");
const LAYERS = ["base", "hi", "zero", "nodeps", "onhi", "chain", "rec", "recver", "lone"];

function layers(order: readonly string[]): { root: string; build: string } {
  const root = mkdtempSync(join(tmpdir(), "bake-layer-priority-"));
  cpSync(join(repo, "test/data/bitbake-layers/meta-base"), join(root, "meta-base"), { recursive: true });
  for (const l of LAYERS.slice(1)) cpSync(join(DATA, `meta-${l}`), join(root, `meta-${l}`), { recursive: true });
  const build = join(root, "build");
  write(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${order.map((l) => join(root, `meta-${l}`)).join(" ")}"\n`);
  write(join(build, "conf/local.conf"), 'BB_HASHSERVE = ""\n');
  return { root, build };
}

function showLayers(build: string, xdg: string): string {
  const r = spawnSync(process.execPath, [join(repo, "bin/bake.js"), "layers", "show-layers"], {
    cwd: build,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, LANG: "en_US.UTF-8", XDG_CONFIG_HOME: xdg },
  });
  if (r.status !== 0) throw new Error(`${r.stdout}${r.stderr}`);
  return r.stdout;
}

test("bake layers show-layers gives layers without BBFILE_PRIORITY the priorities bitbake-layers gives", (t) => {
  const { root, build } = layers(LAYERS);
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  t.is(normalize(showLayers(build, join(root, "xdg")), root, false, true), readFileSync(join(DATA, "show-layers"), "utf8"));
});

test("a layer without a priority that depends on itself through others is an error, not an endless recursion", (t) => {
  const { root, build } = layers(["base", "chain", "onhi", "hi"]);
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  // hi keeps its priority and depends on base: no cycle. Without a priority and depending on chain, a cycle.
  write(join(root, "meta-hi/conf/layer.conf"), readFileSync(join(DATA, "meta-hi/conf/layer.conf"), "utf8").replace('BBFILE_PRIORITY_hi = "9"', "").replace('LAYERDEPENDS_hi = "base"', 'LAYERDEPENDS_hi = "chain"'));
  t.throws(() => showLayers(build, join(root, "xdg")), { message: /layer (hi|onhi|chain) has no BBFILE_PRIORITY_\1 and depends on itself/ });
});
