// test/data/bbclassextend: recipes whose BBCLASSEXTEND an anonymous function or a deferred inherit
// sets. BitBake 2.19's `-s` and the `-e` values of each recipe and variant (`-e` of a variant is a
// parse of that variant alone, in bake as in BitBake).
import { recordedFixture } from "./recorded-fixture.js";

export const BBCLASSEXTEND = recordedFixture(
  "bbclassextend",
  [["-s"], ...["anon", "anon-native", "anon-nativesdk", "drop", "drop-native", "deferred", "deferred-native"].map((t) => ["-e", t])],
  /^(R_[A-Z_]+|PN|BBCLASSEXTEND)=/,
);
