// test/data/dynamic-warnings: a vendor layer's dynamic layers (BBFILES_DYNAMIC) for a layer that is
// in BBLAYERS and for one that is not, and recipes that warn while parsed. BitBake 2.19's `-p`
// (its counts and warnings), `-s`, and `-e a` (the values a dynamic layer's bbappend set, and the
// warnings of the recipe shown, which BitBake parses again).
import { recordedFixture } from "./recorded-fixture.js";

export const DYNAMIC_WARNINGS = recordedFixture("dynamic-warnings", [["-p"], ["-s"], ["-e", "a"]], /^(Parsing of |Summary: |R_[A-Z]+=)/);
