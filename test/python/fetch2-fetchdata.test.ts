// bb.fetch2.FetchData and Fetch(...).localpaths() as BitBake 2.19's fetchers set them up (basename and
// localfile from downloadfilename=, localpath searched along FILESPATH for file://, git's clone
// directory and mirror/shallow tarballs, the .done/.lock names, each fetcher's class): every record of
// test/data/fetch2-fetchdata/bitbake-2.19.json was written by BitBake itself
// (test/e2e/bitbake-layers.test.ts checks it against BitBake again, BAKE_RECORD=1 rewrites it).
import test from "ava";
import { readFileSync } from "node:fs";
import { DataStore } from "../../lib/data/index.js";
import { evalPythonInline, loadPython } from "../../lib/python/index.js";
import { packagePath } from "../../lib/common/install.js";

const DATA = packagePath("test/data/fetch2-fetchdata");

test("FetchData's attributes and Fetch.localpaths() are BitBake 2.19's on its own record", async (t) => {
  await loadPython();
  const expected = JSON.parse(readFileSync(`${DATA}/bitbake-2.19.json`, "utf8")) as { case: { urls: string[] } }[];
  const d = new DataStore();
  d.setVar("PROBE", readFileSync(`${DATA}/probe.py`, "utf8"));
  d.setVar("CASES", JSON.stringify(expected.map((e) => e.case)));
  d.setVar("DATA", DATA);
  const code = "(lambda g: (exec(d.getVar('PROBE', False), g), g['run'](d, d.getVar('CASES', False), d.getVar('DATA', False)))[1])({'bb': bb})";
  const ours = JSON.parse(evalPythonInline(code, d).value as string) as object[];
  t.is(ours.length, expected.length);
  expected.forEach(({ case: c, ...theirs }, i) => t.deepEqual(ours[i], theirs, c.urls.join(" ")));
});
