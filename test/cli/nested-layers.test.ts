// A recipe's layer (FILE_LAYERNAME) and layer priority (BBFILE_PRIORITY) come from one match, made
// as BitBake 2.19's cooker makes it: the BBFILE_PATTERNs tried in reverse order of their text, not
// the longest first. On test/data/nested the outputs must be the ones BitBake wrote
// (test/e2e/bitbake-layers.test.ts checks the record against BitBake again).
import test from "ava";
import { NESTED } from "../helpers/nested.js";
import { bakeValues, expectedValues } from "../helpers/recorded-fixture.js";

test("nested layers: the preferred versions, each recipe's layer, its bbappends' order and the unmatched-pattern warning are BitBake 2.19's", (t) => {
  t.is(bakeValues(NESTED), expectedValues(NESTED));
});
