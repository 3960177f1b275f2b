// bin/bake.js answers `--help` and `--version` alone without loading the command line (issue 14's
// start-up goal): what it prints must be what main prints.
import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../lib/cli/main.js";
import { packagePath } from "../../lib/common/install.js";

/** What main writes to stdout for `argv`, and its exit code. */
async function mainOutput(argv: string[]): Promise<{ out: string; code: number }> {
  const write = process.stdout.write.bind(process.stdout);
  let out = "";
  process.stdout.write = ((chunk: string | Uint8Array) => ((out += String(chunk)), true)) as typeof process.stdout.write;
  try {
    const code = await main(argv, tmpdir());
    return { out, code };
  } finally {
    process.stdout.write = write;
  }
}

for (const argv of [["--help"], ["-h"], ["help"], ["--version"]]) {
  test(`bin/bake.js ${argv[0]} prints what main prints`, async (t) => {
    const cwd = mkdtempSync(join(tmpdir(), "bake-startup-"));
    t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
    const run = spawnSync(process.execPath, [packagePath("bin/bake.js"), ...argv], { cwd, encoding: "utf8" });
    t.is(run.status, 0, run.stderr);
    const expected = await mainOutput(argv);
    t.is(expected.code, 0);
    t.is(run.stdout, expected.out);
  });
}
