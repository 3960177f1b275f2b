// One parser for PREMIRRORS, MIRRORS and SSTATE_MIRRORS, with BitBake's rules (mirror_from_string).
import test from "ava";
import { parseMirrorList } from "../../lib/common/mirror-list.js";

test("pairs split on whitespace, a literal \\n anywhere counting as whitespace", (t) => {
  const warnings: string[] = [];
  const pairs = parseMirrorList("SSTATE_MIRRORS", "file://.* http://a/PATH \\n file://.* file:///b/PATH\\nfile://.* http://c/PATH", (w) => warnings.push(w));
  t.deepEqual(pairs, [
    { find: "file://.*", replace: "http://a/PATH" },
    { find: "file://.*", replace: "file:///b/PATH" },
    { find: "file://.*", replace: "http://c/PATH" },
  ]);
  t.deepEqual(warnings, []);
  t.deepEqual(parseMirrorList("MIRRORS", null), []);
});

test("an odd entry at the end is warned about, naming the variable, and ignored", (t) => {
  const warnings: string[] = [];
  t.deepEqual(parseMirrorList("PREMIRRORS", "git://.* http://m/ http://.*", (w) => warnings.push(w)), [{ find: "git://.*", replace: "http://m/" }]);
  t.is(warnings.length, 1);
  t.regex(warnings[0]!, /^PREMIRRORS: invalid mirror data .* the last one, 'http:\/\/\.\*', is ignored$/);
});
