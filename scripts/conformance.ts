// npm run conformance [-- DIR]: run every conformance case and print `N passed, M failed`.
import { resolve } from "node:path";
import { CASES_DIR, loadCases, runCase } from "./conformance/case.js";

const dir = resolve(process.argv[2] ?? CASES_DIR);
let passed = 0;
let failed = 0;
for (const c of loadCases(dir)) {
  const result = runCase(c);
  if (result.failures.length === 0) {
    passed++;
    continue;
  }
  failed++;
  console.log(`FAIL ${c.name} — ${c.about}`);
  for (const f of result.failures) console.log(`    ${f}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
