// bb.fetch2's revisions as BitBake 2.19 gives them at parse time (get_srcrev, get_hashvalue,
// get_pkgv_string, FetchData.revision, SRCREV_FORMAT, AUTOINC, rev=/tag=, pn- overrides, the
// errors), on test/data/srcrev: every R_* value must be the one BitBake wrote
// (test/e2e/bitbake-layers.test.ts checks the record against BitBake again).
import test from "ava";
import { join } from "node:path";
import { loadBuildConfiguration } from "../../lib/config/index.js";
import { parseRecipe } from "../../lib/evaluate/index.js";
import { withPython } from "../../lib/python/index.js";
import { expectedSrcrevValues, srcrevBuild, srcrevValues } from "../helpers/srcrev.js";

test("bb.fetch2 revisions, SRCREV_FORMAT, AUTOINC and the fetcher's errors are BitBake 2.19's on test/data/srcrev", async (t) => {
  const f = srcrevBuild();
  t.teardown(f.cleanup);
  const config = await withPython(() => loadBuildConfiguration({ topdir: f.build }));
  let out = "";
  for (const recipe of f.recipes) {
    const { d } = (await withPython(() => parseRecipe(config.metadata, join(f.layer, "recipes", `${recipe}_1.0.bb`), [], config.files))).metadata;
    const lines = d.keys().filter((k) => k.startsWith("R_")).map((k) => `${k}="${d.getVar(k)}"`);
    out += srcrevValues(recipe, lines, f.build);
  }
  t.is(out, expectedSrcrevValues());
});
