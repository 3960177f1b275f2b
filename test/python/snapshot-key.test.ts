// The boot snapshot holds bake's own Python modules (lib/python/py) imported: its name carries their
// directory and content, so an edited, added or removed module is never served from an older snapshot.
import test from "ava";
import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { bakeModulesKey, PYTHON_SOURCES, snapshotPath } from "../../lib/python/engine.js";

function copyOfSources(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "bake-py-sources-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const py = join(dir, "py");
  cpSync(PYTHON_SOURCES, py, { recursive: true });
  return py;
}

test("the snapshot's name changes with the content of bake's Python sources", (t) => {
  const py = copyOfSources(t);
  const before = bakeModulesKey(py);
  t.is(bakeModulesKey(py), before, "the same sources, the same name");
  writeFileSync(join(py, "bb", "utils.py"), "# edited\n", { flag: "a" });
  const edited = bakeModulesKey(py);
  t.not(edited, before);
  writeFileSync(join(py, "bb", "extra.py"), "x = 1\n");
  const added = bakeModulesKey(py);
  t.not(added, edited);
  unlinkSync(join(py, "bb", "extra.py"));
  t.is(bakeModulesKey(py), edited, "removing the new module gives the name back");
});

test("the same sources in another directory are another snapshot (their paths are in it)", (t) => {
  const a = copyOfSources(t);
  const b = copyOfSources(t);
  t.not(bakeModulesKey(a), bakeModulesKey(b));
});

test("the snapshot used is named by this install's sources", (t) => {
  const path = snapshotPath();
  if (path === null) return t.pass("snapshots turned off (BAKE_PYTHON_SNAPSHOT=0)");
  t.true(basename(path).endsWith(`-${bakeModulesKey(PYTHON_SOURCES)}.snapshot`), path);
  t.regex(basename(path), /^pyodide-.*\.snapshot$/, "a name the sweep recognises");
});
