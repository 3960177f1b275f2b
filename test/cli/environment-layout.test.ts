// `bake -e RECIPE` laid out line for line as BitBake 2.19's: no blank line between variables, a
// blank line after each shell function (the header's line in `# line:`), a shell function whose
// name no shell takes left out, then every python function with the anonymous ones (named after
// their closing line, shown as the `def` BitBake runs); a continued value's history names its last
// line, key expansion's renames and `export NAME` name BitBake's own code, as BitBake's history
// does. test/e2e/bitbake-layers.test.ts checks the record against BitBake again.
import test from "ava";
import { ENVIRONMENT } from "../helpers/environment.js";
import { bakeIn } from "../helpers/layer.js";
import { bakeValues, expectedValues, fixtureBuild } from "../helpers/recorded-fixture.js";

test("-e demo and -e (the configuration, keys expanded and anonymous functions run) on test/data/environment: the compared lines are BitBake 2.19's", (t) => {
  t.is(bakeValues(ENVIRONMENT), expectedValues(ENVIRONMENT));
});

test("-e RECIPE's include history is the configuration's, as BitBake's (the cooker's datastore): no file of the recipe's own", (t) => {
  const b = fixtureBuild(ENVIRONMENT);
  t.teardown(b.cleanup);
  const r = bakeIn(b.build, "-e", "demo");
  t.is(r.status, 0, r.stderr);
  const lines = r.stdout.split("\n");
  const history = lines.slice(0, lines.findIndex((l) => l.startsWith("# $")));
  t.true(history.some((l) => l.endsWith("/meta-env/classes/base.bbclass")));
  t.true(history.some((l) => l.endsWith("/meta-env/conf/extra.inc")));
  t.false(history.some((l) => l.includes("/meta-env/recipes/")));
});
