// Replays every conformance case made only of one-line statements through the datastore
// API and checks BitBake's expected values (the lead's runner will later run them all
// through the real parser).

import test from "ava";
import { isReplayable, loadCases, runCase } from "./mini-metadata.js";

const cases = loadCases().filter(isReplayable);

test("enough cases are replayable", (t) => {
  t.true(cases.length >= 50, `only ${cases.length} replayable cases`);
});

for (const c of cases) {
  test(`case ${c.name}`, (t) => {
    const out = runCase(c);
    if (c.expect.error) {
      t.is(out.kind, "error", `expected ${c.expect.error}`);
      if (out.kind !== "error") return;
      t.is(out.error, c.expect.error, String((out.err as Error).message));
      t.is(out.stage, c.expect.error_stage!);
      if (c.expect.expanding) t.deepEqual(out.expanding?.slice(0, 1), c.expect.expanding);
      return;
    }
    if (out.kind === "error") {
      t.fail(`unexpected ${out.error} at ${out.stage}: ${(out.err as Error).message}`);
      return;
    }
    t.deepEqual(out.vars, c.expect.vars ?? {});
    t.deepEqual(out.flags, c.expect.flags ?? {});
  });
}
