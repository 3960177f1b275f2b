// A vendor layer's dynamic layers read as BitBake 2.19 reads them, and the warnings of a cold `-p`
// said as it says them: `FILE: text`, once per recipe file that said it (not once in all), then
// "Summary: There were N WARNING messages."; `-e RECIPE` says the warnings of the recipe it parses
// again, and their count. On test/data/dynamic-warnings the output must be the
// one BitBake wrote (test/e2e/bitbake-layers.test.ts checks the record against BitBake again).
import test from "ava";
import { DYNAMIC_WARNINGS } from "../helpers/dynamic-warnings.js";
import { bakeValues, expectedValues } from "../helpers/recorded-fixture.js";

test("dynamic layers: the recipes and bbappends read, -p's warnings (each file's, named), -e's and their counts are BitBake 2.19's", (t) => {
  t.is(bakeValues(DYNAMIC_WARNINGS), expectedValues(DYNAMIC_WARNINGS));
});
