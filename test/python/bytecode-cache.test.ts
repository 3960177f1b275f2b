// The Python bytecode cache in the user's cache is swept: bytecode of sources that are gone and of
// another Python goes, at most once a day; bytecode of existing sources stays.
import test from "ava";
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { write } from "../helpers/layer.js";
import { sweepBytecode } from "../../lib/python/bytecode-cache.js";

test("a sweep keeps the bytecode of existing sources for this Python only, and runs at most once a day", (t) => {
  const root = mkdtempSync(join(tmpdir(), "bake-pycache-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const prefix = join(root, "pycache");
  const src = join(root, "layer/lib/oe");
  write(join(src, "kept.py"), "X = 1\n");
  const mirror = prefix + src;
  write(join(mirror, "kept.cpython-312.pyc"), "bytecode");
  write(join(mirror, "kept.cpython-311.pyc"), "an older Python's");
  write(join(mirror, "gone.cpython-312.pyc"), "of a removed source");
  write(join(prefix + join(root, "removed-checkout/lib"), "x.cpython-312.pyc"), "of a removed checkout");
  t.true(sweepBytecode(prefix, "cpython-312"));
  t.deepEqual(readdirSync(mirror), ["kept.cpython-312.pyc"]);
  t.false(existsSync(prefix + join(root, "removed-checkout")), "directories left empty go too");
  write(join(mirror, "gone.cpython-312.pyc"), "again");
  t.false(sweepBytecode(prefix, "cpython-312"), "swept less than a day ago");
  t.true(existsSync(join(mirror, "gone.cpython-312.pyc")));
  t.true(sweepBytecode(prefix, "cpython-312", Date.now() + 25 * 60 * 60 * 1000));
  t.deepEqual(readdirSync(mirror), ["kept.cpython-312.pyc"]);
});

test("compiled metadata functions are cut to a byte limit, least recently used first", (t) => {
  const root = mkdtempSync(join(tmpdir(), "bake-pycache-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const code = join(root, "bake-metadata");
  for (const [name, used] of [["old", 1000], ["recent", 3000], ["middle", 2000]] as const) {
    write(join(code, name), "x".repeat(100));
    utimesSync(join(code, name), used, used);
  }
  t.true(sweepBytecode(root, "cpython-312", Date.now(), 250));
  t.deepEqual(readdirSync(code).sort(), ["middle", "recent"]);
});
