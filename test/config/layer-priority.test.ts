// A layer without BBFILE_PRIORITY gets its priority as BitBake's cooker works it out (one more than
// the highest of the layers it depends on or recommends, those first, and than the base of the
// priorities set): test/data/layer-priority/show-layers is what bitbake-layers wrote for it
// (test/e2e/bitbake-layers.test.ts checks it against BitBake again).
import test from "ava";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { write } from "../helpers/layer.js";
import { normalize } from "../helpers/bitbake-layers.js";
import { expectedPriorityShowLayers, LAYER_PRIORITY_DIR, priorityLayers } from "../helpers/layer-priority.js";
import { repo } from "../sstate-build/fixture.js";

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
  const f = priorityLayers();
  t.teardown(f.cleanup);
  t.is(normalize(showLayers(f.build, join(f.root, "xdg")), f.root, false, true), expectedPriorityShowLayers());
});

test("a layer without a priority that depends on itself through others is an error, not an endless recursion", (t) => {
  const f = priorityLayers(["base", "chain", "onhi", "hi"]);
  t.teardown(f.cleanup);
  // hi without its priority and depending on chain, which depends on onhi, which depends on hi.
  // BitBake fails on this with a RecursionError.
  const conf = readFileSync(join(LAYER_PRIORITY_DIR, "meta-hi/conf/layer.conf"), "utf8");
  write(join(f.root, "meta-hi/conf/layer.conf"), conf.replace('BBFILE_PRIORITY_hi = "9"\n', "").replace('LAYERDEPENDS_hi = "base"', 'LAYERDEPENDS_hi = "chain"'));
  t.throws(() => showLayers(f.build, join(f.root, "xdg")), { message: /layer (hi|onhi|chain) has no BBFILE_PRIORITY_\1 and depends on itself/ });
});
