// Fault injection: the filesystem holding TMPDIR, DL_DIR and SSTATE_DIR fills up mid-build.
import test from "ava";
import { fullDisk } from "./scenarios.js";

test("a full filesystem fails the build cleanly at any point; with space again the rerun completes, identical", async (t) => {
  const f = await fullDisk(["1m", "3m", "5m"], (l) => t.log(l));
  t.log(`filesystem: ${f.method}; sizes ${f.sizes.join(" ")}; builds that filled it ${f.filled}, reruns ${f.reruns}, bytes compared ${f.bytesCompared}`);
  if (f.method.startsWith("unavailable")) return t.pass(f.method);
  t.deepEqual(f.failures, []);
  t.true(f.filled > 0, "at least one size was too small");
});
