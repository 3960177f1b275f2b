// Fault injection: the HTTP upstream cuts connections mid-body.
import test from "ava";
import { droppingServer } from "./scenarios.js";

test("an upstream dropping connections mid-body: retries resume and complete; beyond them a clean failure, then a rerun; outputs identical", async (t) => {
  const f = await droppingServer((l) => t.log(l));
  t.log(`connections dropped ${f.dropped}, requests ${f.requests}, builds ${f.builds}, bytes compared ${f.bytesCompared}`);
  t.deepEqual(f.failures, []);
});
