// npm test: run the ava suite and end with one plain `N passed, M failed` line, which CI reads.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const child = spawn(process.execPath, [join(root, "node_modules/ava/entrypoints/cli.mjs"), ...args], {
  cwd: root,
  stdio: ["ignore", "pipe", "pipe"],
  env: { ...process.env, FORCE_COLOR: process.stdout.isTTY ? "1" : "0" },
});
let output = "";
for (const [from, to] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
  from.on("data", (chunk) => {
    output += chunk;
    to.write(chunk);
  });
}
child.on("close", (code) => {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const count = (re) => [...plain.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  // ava prints "N tests passed" only when nothing failed; its per-test lines (✔/✘) are always
  // there when output is not a terminal, as in CI.
  const lines = (re) => plain.split("\n").filter((l) => re.test(l)).length;
  const passed = Math.max(count(/^\s*(?:✔\s*)?(\d+) tests? passed/gm), lines(/^\s*✔ /));
  const failed =
    Math.max(count(/^\s*(?:✘\s*)?(\d+) tests? failed/gm), lines(/^\s*✘ \[fail\]/)) +
    count(/^\s*(\d+) uncaught exceptions?/gm) +
    count(/^\s*(\d+) unhandled rejections?/gm);
  const skipped = count(/^\s*(\d+) tests? skipped/gm) + count(/^\s*(\d+) tests? todo/gm);
  const broken = code !== 0 && failed === 0 ? 1 : 0;
  const conformance = lines(/^\s*✔ .*conformance: /);
  console.log(`\n${passed} passed, ${failed + broken} failed${skipped ? `, ${skipped} skipped` : ""}` +
    (conformance ? ` (${conformance} of them BitBake conformance cases)` : ""));
  process.exitCode = code ?? 1;
});
