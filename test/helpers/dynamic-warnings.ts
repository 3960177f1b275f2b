// test/data/dynamic-warnings: a vendor layer's dynamic layers (BBFILES_DYNAMIC) for a layer that is
// in BBLAYERS and for one that is not, and recipes that warn while parsed. BitBake 2.19's `-p`
// (its counts and warnings) and `-s`.
import { recordedFixture } from "./recorded-fixture.js";

export const DYNAMIC_WARNINGS = recordedFixture("dynamic-warnings", [["-p"], ["-s"]], /^(Parsing of |Summary: )/);
