// Values expanded through Python (`${@...}` reading d, a variable filter) follow the writes of what
// they read, as JavaScript ones do (test/data/write-read.test.ts).
import test from "ava";
import { loadPython } from "../../lib/python/index.js";
import { pythonStore } from "./fixture.js";

test.before(async () => {
  await loadPython();
});

test("Python reading d: getVar, getVarFlag, expand follow the writes they read", (t) => {
  const d = pythonStore();
  d.setVar("A", "${@d.getVar('B') + ':' + str(d.getVarFlag('B', 'f')) + ':' + d.expand('${C}')}");
  d.setVar("B", "b");
  d.setVar("C", "c");
  t.is(d.getVar("A"), "b:None:c");
  d.setVar("B", "b1");
  t.is(d.getVar("A"), "b1:None:c");
  d.setVar("UNRELATED", "1");
  d.setVarFlag("B", "other", "1");
  t.is(d.getVar("A"), "b1:None:c");
  d.setVar("B", "b2");
  t.is(d.getVar("A"), "b2:None:c");
  d.setVarFlag("B", "f", "flag");
  t.is(d.getVar("A"), "b2:flag:c");
  d.setVar("C", "c2");
  t.is(d.getVar("A"), "b2:flag:c2");
});

test("Python's bb.utils.contains follows appends to the variable it checks", (t) => {
  const d = pythonStore();
  d.setVar("A", "${@bb.utils.contains('FEATURES', 'x', 'yes', 'no', d)}");
  d.setVar("FEATURES", "y");
  t.is(d.getVar("A"), "no");
  d.setVar("FEATURES:append", " x");
  t.is(d.getVar("A"), "yes");
  d.setVar("FEATURES:remove", "x");
  t.is(d.getVar("A"), "no");
});

test("Python reading through overrides and a value that reads the same code's result again", (t) => {
  const d = pythonStore();
  d.setVar("OVERRIDES", "${MACHINE}");
  d.setVar("MACHINE", "qemux86-64");
  d.setVar("ARCH", "generic");
  d.setVar("A", "${@d.getVar('ARCH').upper()}");
  d.setVar("OUTER", "<${A}>");
  t.is(d.getVar("OUTER"), "<GENERIC>");
  d.setVar("ARCH:qemux86-64", "x86_64");
  t.is(d.getVar("OUTER"), "<X86_64>");
  d.setVar("MACHINE", "qemuarm64");
  t.is(d.getVar("OUTER"), "<GENERIC>");
});

test("a variable filter set after a value was read applies at the next read", (t) => {
  const d = pythonStore();
  d.setVar("A", "[${B}]");
  d.setVar("B", "c b a b");
  t.is(d.getVar("A"), "[c b a b]");
  d.setVarFilter("B", "' '.join(sorted(set(val.split())))");
  t.is(d.getVar("A"), "[a b c]");
  d.setVarFilter("B", null);
  t.is(d.getVar("A"), "[c b a b]");
});

test("an object Python sets into d (a tuple, as oe-core's __CACHED_SOURCE_DATE_EPOCH) reads back as that object, in copies too, until its text is replaced", (t) => {
  const d = pythonStore();
  d.setVar("SET", "${@d.setVar('CACHED', ('1700000000', '/w/sde.txt')) or ''}");
  t.is(d.getVar("SET"), "");
  // JavaScript and the datastore see its text; Python unpacks the tuple as BitBake's would.
  t.is(d.getVar("CACHED"), "1700000000 /w/sde.txt");
  d.setVar("READ", "${@'%s|%s' % d.getVar('CACHED')}");
  t.is(d.getVar("READ"), "1700000000|/w/sde.txt");
  const copy = d.createCopy();
  copy.setVar("READ2", "${@'%s|%s' % d.getVar('CACHED')}");
  t.is(copy.getVar("READ2"), "1700000000|/w/sde.txt");
  copy.setVar("CACHED", "replaced");
  copy.setVar("READ3", "${@d.getVar('CACHED')}");
  t.is(copy.getVar("READ3"), "replaced");
  t.is(d.getVar("READ"), "1700000000|/w/sde.txt", "the original keeps its object");
});
