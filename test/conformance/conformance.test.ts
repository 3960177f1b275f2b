// Every shared conformance case (expected values produced by real BitBake) as one test each.
import test from "ava";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadCases, runCase } from "../../scripts/conformance/case.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const dir = process.env.BAKE_CONFORMANCE_DIR ?? join(repo, "../shared/conformance/cases");

if (!existsSync(dir)) {
  test("conformance cases are present", (t) => t.fail(`no conformance cases at ${dir}`));
} else {
  for (const c of loadCases(dir)) {
    test(`conformance: ${c.name}`, (t) => {
      const { failures } = runCase(c);
      t.deepEqual(failures, [], `${c.about}\n${failures.join("\n")}`);
    });
  }
}
