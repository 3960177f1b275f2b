// test/data/nested: layers inside another layer's directory, whose patterns all match their files,
// and layers of other priorities providing the same recipes. BitBake 2.19's `-s` (which version
// each priority makes preferred) and the `-e` values of each recipe, with the warnings of both.
import { recordedFixture } from "./recorded-fixture.js";

export const NESTED = recordedFixture("nested", [["-s"], ["-e", "p"], ["-e", "q"], ["-e", "r"]], /^(R_[A-Z_]+|FILE_LAYERNAME|PV)=/);
