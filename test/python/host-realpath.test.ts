// os.path.realpath as metadata Python sees it (lib/python/host.ts answers it on the host): each
// answer checked against the build host's own CPython, where paths exist, are missing below an
// existing link, below a file, below a dangling link, or spelled with // and a trailing slash.
import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostFileSystem } from "../../lib/python/host.js";

function layout(): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), "bake-realpath-"));
  mkdirSync(join(root, "real/sub"), { recursive: true });
  writeFileSync(join(root, "real/file"), "x");
  symlinkSync(join(root, "real"), join(root, "abs"));
  symlinkSync("real/sub", join(root, "rel"));
  symlinkSync("nowhere", join(root, "dangling"));
  symlinkSync("loop2", join(root, "loop1"));
  symlinkSync("loop1", join(root, "loop2"));
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const TAILS = [
  "real/sub",
  "abs/sub/not/there/at/all",
  "rel/missing",
  "rel/missing/deeper/",
  "real//sub//missing//x",
  "real/file/below/a/file",
  "dangling/below",
  "dangling",
  "loop1/x/y",
  "abs/sub/missing/../../file",
  "missing/../abs/sub",
  "nothing/here/at/all",
];

test("a missing tail is kept as written below the deepest existing directory, links before it resolved (as the host's CPython)", (t) => {
  const { root, cleanup } = layout();
  t.teardown(cleanup);
  const paths = TAILS.map((tail) => `${root}/${tail}`);
  const python = spawnSync("python3", ["-c", "import os, sys\nfor p in sys.argv[1:]: print(os.path.realpath(p))", ...paths], { encoding: "utf8" });
  if (python.status !== 0) {
    t.log("no host python3: checked against fixed answers only");
  } else {
    t.deepEqual(paths.map((p) => hostFileSystem.realpath(p)), python.stdout.trimEnd().split("\n"));
  }
  const real = realpathSync(root);
  t.is(hostFileSystem.realpath(`${root}/abs/sub/not/there/at/all`), `${real}/real/sub/not/there/at/all`);
  t.is(hostFileSystem.realpath(`${root}/rel/missing/deeper/`), `${real}/real/sub/missing/deeper`);
  t.is(hostFileSystem.realpath(`${root}/real/file/below/a/file`), `${real}/real/file/below/a/file`);
  t.is(hostFileSystem.realpath(`${root}/dangling/below`), `${real}/nowhere/below`);
});
