// Long strings cross from the datastore into Python as UTF-8 bytes (lib/python/datastore.ts,
// crossing); Python must see exactly the text it would have seen as a string.
import test from "ava";
import { loadPython } from "../../lib/python/index.js";
import { pythonStore } from "./fixture.js";
import { crossing, LONG_STRING } from "../../lib/python/datastore.js";

test.before(async () => {
  await loadPython();
});

const long = (unit: string) => unit.repeat(Math.ceil((LONG_STRING + 1) / unit.length) + 3);

test("crossing: long well-formed text becomes its UTF-8 bytes, short text and a lone surrogate stay strings", (t) => {
  t.is(crossing("short"), "short");
  t.is(crossing(null), null);
  t.is(crossing("x".repeat(LONG_STRING)), "x".repeat(LONG_STRING));
  const bytes = crossing(long("é€😀 "));
  t.true(bytes instanceof Uint8Array);
  t.is(new TextDecoder().decode(bytes as Uint8Array), long("é€😀 "));
  const lone = long("a") + "\ud800";
  t.is(crossing(lone), lone);
});

test("Python reads long values, flags, expansions and keys as the same text as short ones", (t) => {
  const d = pythonStore();
  const text = long("word é€😀 ");
  d.setVar("LONG", text);
  d.setVarFlag("LONG", "doc", text);
  d.setVar("REF", "${LONG}");
  for (let i = 0; i < 200; i++) d.setVar(`MANY_VARIABLE_NAME_${i}`, "1");
  d.setVar("VALUE", "${@d.getVar('LONG') == d.getVar('REF') and type(d.getVar('LONG')).__name__}");
  t.is(d.getVar("VALUE"), "str");
  d.setVar("SAME", "${@len(d.getVar('LONG')) == len(d.getVarFlag('LONG', 'doc')) == len(d.expand('${LONG}')) == " + String([...text].length) + "}");
  t.is(d.getVar("SAME"), "True");
  d.setVar("ROUND", "${@d.getVar('LONG')[-8:]}");
  t.is(d.getVar("ROUND"), [...text].slice(-8).join(""));
  d.setVar("KEYS", "${@len([k for k in d.keys() if k.startswith('MANY_VARIABLE_NAME_')])}");
  t.is(d.getVar("KEYS"), "200");
  d.setVar("LONE", long("a") + "\ud800");
  d.setVar("LONE_LEN", "${@len(d.getVar('LONE'))}");
  t.is(d.getVar("LONE_LEN"), String(long("a").length + 1));
});
