// bake -g and the bake layers queries (show-layers, show-recipes, show-appends, show-overlayed,
// show-cross-depends) on layers BitBake also reads
// (test/data/bitbake-layers) answer what BitBake and bitbake-layers answered for them
// (test/data/bitbake-layers/expected, checked against BitBake itself by test/e2e/bitbake-layers).
import test from "ava";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  COMPARISONS,
  expected,
  GRAPH_FILES,
  normalize,
  RECRDEPTASK_EXPECTED_DIR,
  recrdeptaskLayers,
  sharedLayers,
  type SharedLayers,
} from "../helpers/bitbake-layers.js";
import { repo } from "../sstate-build/fixture.js";

function bake(f: SharedLayers, args: readonly string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(repo, "bin/bake.js"), ...args], {
    cwd: f.build,
    encoding: "utf8",
    timeout: 240_000,
    env: { ...process.env, LANG: "en_US.UTF-8", BB_NUMBER_THREADS: "1", XDG_CONFIG_HOME: join(f.root, "xdg") },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test("bake -g app writes BitBake's task-depends.dot and pn-buildlist, byte for byte", (t) => {
  const f = sharedLayers();
  t.teardown(f.cleanup);
  const r = bake(f, ["-g", "app"]);
  t.is(r.code, 0, r.out);
  t.regex(r.out, /\nNOTE: PN build list saved to 'pn-buildlist'\nNOTE: Task dependencies saved to 'task-depends.dot'\n/, "BitBake's notes, in its order");
  for (const file of GRAPH_FILES) t.is(normalize(readFileSync(join(f.build, file), "utf8"), f.root, false), expected(file), file);
});

test("bake -g image follows [recrdeptask] through the task graph as BitBake: a native tool reached by [depends] brings its licenses, a deploy task after do_fetch only its direct dependencies", (t) => {
  const f = recrdeptaskLayers();
  t.teardown(f.cleanup);
  const r = bake(f, ["-g", "image"]);
  t.is(r.code, 0, r.out);
  for (const file of GRAPH_FILES) t.is(normalize(readFileSync(join(f.build, file), "utf8"), f.root, false), readFileSync(join(RECRDEPTASK_EXPECTED_DIR, file), "utf8"), file);
});

test("bake layers show-layers, show-recipes, show-appends, show-overlayed and show-cross-depends answer as bitbake-layers", (t) => {
  const f = sharedLayers();
  t.teardown(f.cleanup);
  for (const c of COMPARISONS) {
    const r = bake(f, ["layers", ...c.args]);
    t.is(r.code, 0, r.out);
    t.is(normalize(r.out, f.root, c.sorted, c.columns), expected(c.name), c.name);
    t.deepEqual(r.out.split("\n").filter((l) => l.startsWith("WARNING: ")), c.warnings ?? [], `${c.name}: warnings`);
    // bitbake-layers repeats a line for each BBCLASSEXTEND variant and each name with the same provider: bake says it once.
    if (c.sorted) {
      const lines = r.out.split("\n").filter(Boolean);
      t.is(new Set(lines).size, lines.length, `${c.name}: each line once`);
    }
  }
  // bitbake-layers' words for a class that is not there.
  const missing = bake(f, ["layers", "show-recipes", "-i", "nosuch"]);
  t.is(missing.code, 1);
  t.regex(missing.out, /^ERROR: No class named nosuch found in BBPATH$/m);
});
