// npm run conformance [-- DIR]: run every conformance case and print `N passed, M failed`.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadCases, runCase } from "./conformance/case.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const dir = resolve(process.argv[2] ?? join(repo, "../shared/conformance/cases"));
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
