// Inline expressions' analyses kept between runs (js-sandbox.ts, keepInlineAnalysesIn): a warm
// `bake -e RECIPE` takes them from the file instead of loading acorn; each is what acorn found.
import test from "ava";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deserialize, serialize } from "node:v8";
import { compileInline, keepInlineAnalysesIn, saveInlineAnalyses } from "../../lib/data/js-sandbox.js";

test.serial("what acorn found is written, an expression it rejects is not, and a kept analysis is used as read", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "bake-inline-analyses-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "store", "inline-analyses.v8");
  keepInlineAnalysesIn(file);
  const code = "d.getVar('A') + bb.utils.contains('B', 'x', 'y', '', d) + d.expand('${C}')";
  const found = compileInline(code);
  t.deepEqual([...found.references], ["A"]);
  t.throws(() => compileInline("d.getVar("), { instanceOf: SyntaxError });
  t.false(existsSync(file), "written when the process exits");
  saveInlineAnalyses();
  const kept = deserialize(readFileSync(file)) as Map<string, { references: Set<string>; contains: Map<string, Set<string>>; expandLiterals: string[] }>;
  t.deepEqual([...kept.keys()], [code]);
  t.deepEqual([...kept.get(code)!.references], ["A"]);
  t.deepEqual([...kept.get(code)!.contains], [["B", new Set(["x"])]]);
  t.deepEqual(kept.get(code)!.expandLiterals, ["${C}"]);

  // A later run reads them: an analysis in the file is taken as it is (here one acorn would not make).
  const other = join(dir, "other.v8");
  const analysis = { references: new Set(["FROM_FILE"]), execs: new Set<string>(), contains: new Map(), expandLiterals: [] };
  writeFileSync(other, serialize(new Map([["1 + 2", analysis]])));
  keepInlineAnalysesIn(other);
  const compiled = compileInline("1 + 2");
  t.deepEqual([...compiled.references], ["FROM_FILE"]);
  t.is(compiled.run(null), 3);
});

test.serial("a file that does not hold analyses is ignored and written again", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "bake-inline-analyses-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "inline-analyses.v8");
  writeFileSync(file, "not a serialised map");
  keepInlineAnalysesIn(file);
  t.deepEqual([...compileInline("d.getVar('TORN')").references], ["TORN"]);
  saveInlineAnalyses();
  t.deepEqual([...(deserialize(readFileSync(file)) as Map<string, unknown>).keys()], ["d.getVar('TORN')"]);
});
