// npm test: run the ava suite and end with one plain `N passed, M failed` line, which CI reads.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);

// Every test builds in a directory of its own below the temporary directory, and bake looks for
// conf/bblayers.conf upwards from where it runs: one left in the temporary directory itself (or
// above it) would be every test's build directory, and the tests that expect none would fail far
// from the cause. Refuse to start with one; after the run, name it if a test wrote it.
function strayBuildDirectory() {
  for (let dir = tmpdir(); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "conf", "bblayers.conf"))) return dir;
    if (dirname(dir) === dir) return null;
  }
}
const strayBefore = strayBuildDirectory();
if (strayBefore !== null) {
  console.error(`npm test: ${join(strayBefore, "conf")} holds a bblayers.conf that is no test's: remove it (every test below ${tmpdir()} would take it as its build directory)`);
  process.exit(1);
}
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
  const stray = strayBuildDirectory();
  if (stray !== null) console.error(`npm test: a test wrote ${join(stray, "conf", "bblayers.conf")}, outside a directory of its own`);
  const broken = (code !== 0 && failed === 0) || stray !== null ? 1 : 0;
  const conformance = lines(/^\s*✔ .*conformance: /);
  console.log(`\n${passed} passed, ${failed + broken} failed${skipped ? `, ${skipped} skipped` : ""}` +
    (conformance ? ` (${conformance} of them BitBake conformance cases)` : ""));
  process.exitCode = code === 0 && stray !== null ? 1 : (code ?? 1);
});
