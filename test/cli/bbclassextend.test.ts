// A recipe's variants are those its finalised BBCLASSEXTEND names, and each starts from that value,
// also when one variant is parsed alone (`-e RECIPE-native`, a build's worker), as BitBake 2.19's
// multi_finalize does. On test/data/bbclassextend the outputs must be the ones BitBake wrote
// (test/e2e/bitbake-layers.test.ts checks the record against BitBake again).
import test from "ava";
import { BBCLASSEXTEND } from "../helpers/bbclassextend.js";
import { bakeValues, expectedValues } from "../helpers/recorded-fixture.js";

test("BBCLASSEXTEND set by an anonymous function or a deferred inherit: -s and each variant's -e are BitBake 2.19's", (t) => {
  t.is(bakeValues(BBCLASSEXTEND), expectedValues(BBCLASSEXTEND));
});
