// `bake -e RECIPE` laid out line for line as BitBake 2.19's: no blank line between variables, a
// blank line after each shell function (the header's line in `# line:`), a shell function whose
// name no shell takes left out, then every python function with the anonymous ones (named after
// their closing line, shown as the `def` BitBake runs); a continued value's history names its last
// line, key expansion's renames and `export NAME` name BitBake's own code, as BitBake's history
// does. test/e2e/bitbake-layers.test.ts checks the record against BitBake again.
import test from "ava";
import { ENVIRONMENT } from "../helpers/environment.js";
import { bakeValues, expectedValues } from "../helpers/recorded-fixture.js";

test("-e on test/data/environment: the compared blocks and the functions are BitBake 2.19's, line for line", (t) => {
  t.is(bakeValues(ENVIRONMENT), expectedValues(ENVIRONMENT));
});
