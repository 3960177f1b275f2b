// Boot snapshots of the embedded CPython (30 MB each) do not pile up in the user's cache: writing
// one removes the others not written for a day, and what a killed process left half-written.
import test from "ava";
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sweepSnapshots } from "../../lib/python/engine.js";

test("a new snapshot removes other snapshots and temporary files older than a day, nothing else", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "bake-snapshots-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const now = Date.now();
  const file = (name: string, ageHours: number) => {
    writeFileSync(join(dir, name), "x");
    const at = (now - ageHours * 3600 * 1000) / 1000;
    utimesSync(join(dir, name), at, at);
  };
  file("pyodide-314.0.8-9597892-p12-h0.snapshot", 0);
  file("pyodide-314.0.8-9597892-p12.snapshot", 30);
  file("pyodide-314.0.8-9597892.snapshot", 100);
  file("pyodide-314.0.8-9597892-p12.snapshot.4242.tmp", 48);
  file("pyodide-0.27.0-1234-p12.snapshot", 2);
  file("notes.txt", 100);
  sweepSnapshots(join(dir, "pyodide-314.0.8-9597892-p12-h0.snapshot"), now);
  t.deepEqual(readdirSync(dir).sort(), ["notes.txt", "pyodide-0.27.0-1234-p12.snapshot", "pyodide-314.0.8-9597892-p12-h0.snapshot"]);
  t.true(existsSync(join(dir, "pyodide-314.0.8-9597892-p12-h0.snapshot")));
});
