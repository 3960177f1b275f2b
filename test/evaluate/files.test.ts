// MetadataFiles: the per-process view of which metadata files exist, and `which` along a search path.
import test from "ava";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MetadataFiles } from "../../lib/evaluate/index.js";

function dirs() {
  const root = mkdtempSync(join(tmpdir(), "bake-files-"));
  const a = join(root, "a");
  const b = join(root, "b");
  mkdirSync(join(a, "classes"), { recursive: true });
  mkdirSync(join(b, "classes"), { recursive: true });
  return { root, a, b, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

test("which answers along the search path as the paths' existence says, the same answer each time", (t) => {
  const d = dirs();
  t.teardown(d.cleanup);
  writeFileSync(join(d.b, "classes/x.bbclass"), 'X = "1"\n');
  const files = new MetadataFiles();
  const first = files.which(`${d.a}:${d.b}`, "classes/x.bbclass");
  t.deepEqual(first, { found: join(d.b, "classes/x.bbclass"), attempts: [join(d.a, "classes/x.bbclass")] });
  t.deepEqual(files.which(`${d.a}:${d.b}`, "classes/x.bbclass"), first);
  t.deepEqual(files.which(`${d.b}:${d.a}`, "classes/x.bbclass"), { found: join(d.b, "classes/x.bbclass"), attempts: [] });
  t.deepEqual(files.which(`${d.a}:${d.b}`, "classes/y.bbclass"), { found: null, attempts: [join(d.a, "classes/y.bbclass"), join(d.b, "classes/y.bbclass")] });
});

test("a path said to be missing and then read exists from then on, for which too", (t) => {
  const d = dirs();
  t.teardown(d.cleanup);
  const files = new MetadataFiles();
  const path = join(d.a, "classes/late.bbclass");
  t.deepEqual(files.which(`${d.a}:${d.b}`, "classes/late.bbclass").found, null);
  writeFileSync(path, 'LATE = "1"\n');
  // Still missing as this process saw it first: existence is asked once per process.
  t.false(files.exists(path));
  files.parse(path);
  t.true(files.exists(path));
  t.deepEqual(files.which(`${d.a}:${d.b}`, "classes/late.bbclass"), { found: path, attempts: [] });
});
