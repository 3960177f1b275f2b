// Every conformance case (expected values produced by real BitBake, kept in
// test/conformance/cases/) as one test each.
import test from "ava";
import { CASES_DIR, loadCases, runCase } from "../../scripts/conformance/case.js";

const dir = process.env.BAKE_CONFORMANCE_DIR ?? CASES_DIR;
const cases = loadCases(dir);

test("conformance cases are present", (t) => {
  t.true(cases.length > 0, `no conformance cases at ${dir}`);
});

for (const c of cases) {
  test(`conformance: ${c.name}`, (t) => {
    const { failures } = runCase(c);
    t.deepEqual(failures, [], `${c.about}\n${failures.join("\n")}`);
  });
}
