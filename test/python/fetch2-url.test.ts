// bb.fetch2.decodeurl, encodeurl and URI as BitBake 2.19 has them (built on urllib's urlsplit: '?'
// starts a query that decodeurl drops, the host is lower-cased, a port that is not a number raises,
// 'file://x' is the relative file:x, a parameter without '=' has the value None): every record of
// test/data/fetch2-url/bitbake-2.19.json was written by BitBake itself (test/e2e/bitbake-layers.test.ts checks it against BitBake again, BAKE_RECORD=1 rewrites it).
import test from "ava";
import { readFileSync } from "node:fs";
import { DataStore } from "../../lib/data/index.js";
import { evalPythonInline, loadPython } from "../../lib/python/index.js";
import { packagePath } from "../../lib/common/install.js";

const DATA = packagePath("test/data/fetch2-url");

test("decodeurl, encodeurl and URI give BitBake 2.19's answers on its own table", async (t) => {
  await loadPython();
  const expected = JSON.parse(readFileSync(`${DATA}/bitbake-2.19.json`, "utf8")) as { url: string }[];
  const d = new DataStore();
  d.setVar("PROBE", readFileSync(`${DATA}/probe.py`, "utf8"));
  d.setVar("URLS", JSON.stringify(expected.map((e) => e.url)));
  const code = "(lambda g: (exec(d.getVar('PROBE', False), g), g['run'](d.getVar('URLS', False)))[1])({'bb': bb})";
  const ours = JSON.parse(evalPythonInline(code, d).value as string) as object[];
  t.is(ours.length, expected.length);
  expected.forEach(({ url, ...theirs }, i) => t.deepEqual(ours[i], theirs, url));
});

// Expected: the same two FetchData in BitBake 2.19 (host python3, bb.data.init() with DL_DIR=/dl).
test("FetchData reads a '?' query and an upper-case host as BitBake does", async (t) => {
  await loadPython();
  const d = new DataStore();
  d.setVar("DL_DIR", "/dl");
  const code = [
    "(lambda f: [(u.host, u.path, u.basename, sorted(u.parm)) for u in",
    "  (f.FetchData('http://Example.COM/get/download.php?file=x-1.0.tar.gz;name=x', d),",
    "   f.FetchData('https://HOST.example.org:8443/a/b.tar.gz', d))])(__import__('bb.fetch2').fetch2)",
  ].join("\n");
  t.is(
    evalPythonInline(code, d).value,
    "[('example.com', '/get/download.php', 'download.php', ['name']), ('host.example.org:8443', '/a/b.tar.gz', 'b.tar.gz', [])]",
  );
});
