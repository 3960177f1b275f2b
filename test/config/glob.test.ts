// BBFILES patterns as BitBake expands them (Python's glob.glob): per-component fnmatch, hidden
// names only for a pattern starting with ".", `**` as `*`, files only.
import test from "ava";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { write } from "../helpers/layer.js";
import { Globber, globFiles } from "../../lib/config/glob.js";

function tree() {
  const root = mkdtempSync(join(tmpdir(), "bake-glob-"));
  for (const f of [
    "recipes-a/x/x_1.0.bb", "recipes-a/x/x_2.0.bb", "recipes-a/x/x.bbappend", "recipes-a/y/.hidden.bb",
    "recipes-b/z/z_1.bb", "recipes-b/z/deep/w.bb", ".recipes-c/q/q.bb", "other/o/o.bb",
  ]) write(join(root, f), "");
  mkdirSync(join(root, "recipes-a/x/dir.bb"));
  symlinkSync(join(root, "other"), join(root, "recipes-link"));
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const rel = (root: string, paths: string[]) => paths.map((p) => p.slice(root.length + 1)).sort();

test("each component is matched on its own; hidden names and directories are left out", (t) => {
  const { root, cleanup } = tree();
  t.teardown(cleanup);
  t.deepEqual(rel(root, globFiles(join(root, "recipes-*/*/*.bb"), "/")), [
    "recipes-a/x/x_1.0.bb", "recipes-a/x/x_2.0.bb", "recipes-b/z/z_1.bb", "recipes-link/o/o.bb",
  ]);
  t.deepEqual(rel(root, globFiles(join(root, "recipes-a/*/.*.bb"), "/")), ["recipes-a/y/.hidden.bb"]);
  t.deepEqual(rel(root, globFiles(join(root, ".recipes-*/*/*.bb"), "/")), [".recipes-c/q/q.bb"]);
});

test("?, [seq], [!seq]; ** is one component, as Python's glob without recursive=True", (t) => {
  const { root, cleanup } = tree();
  t.teardown(cleanup);
  t.deepEqual(rel(root, globFiles(join(root, "recipes-?/x/x_[12].0.bb"), "/")), ["recipes-a/x/x_1.0.bb", "recipes-a/x/x_2.0.bb"]);
  t.deepEqual(rel(root, globFiles(join(root, "recipes-[!a]/*/*.bb"), "/")), ["recipes-b/z/z_1.bb"]);
  t.deepEqual(rel(root, globFiles(join(root, "recipes-b/**/*.bb"), "/")), ["recipes-b/z/z_1.bb"]);
});

test("literal components must exist; a relative pattern is taken from cwd", (t) => {
  const { root, cleanup } = tree();
  t.teardown(cleanup);
  t.deepEqual(rel(root, globFiles(join(root, "recipes-a/x/x.bbappend"), "/")), ["recipes-a/x/x.bbappend"]);
  t.deepEqual(globFiles(join(root, "recipes-a/none/*.bb"), "/"), []);
  t.deepEqual(rel(root, globFiles("recipes-b/z/*.bb", root)), ["recipes-b/z/z_1.bb"]);
});

test("one Globber lists each directory once for several patterns and gives what each pattern gives alone", (t) => {
  const { root, cleanup } = tree();
  t.teardown(cleanup);
  const patterns = ["recipes-*/*/*.bb", "recipes-*/*/*.bbappend", "recipes-a/x/x_1.0.bb", "recipes-?/x/x_[12].0.bb"].map((p) => join(root, p));
  const globber = new Globber("/");
  for (const p of patterns) t.deepEqual(globber.files(p).sort(), globFiles(p, "/").sort());
  // A relative pattern from a directory named with "..": paths come out normalised, as join makes them.
  t.deepEqual(new Globber(`${root}/recipes-a/..`).files("recipes-b/*/*.bb"), [join(root, "recipes-b/z/z_1.bb")]);
});
