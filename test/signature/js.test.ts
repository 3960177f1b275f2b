import test from "ava";
import { analyzeJs, JsSyntaxError } from "../../lib/signature/index.js";

test("reads, flag reads, contains and calls of a function body", (t) => {
  const a = analyzeJs(`
    const cc = d.getVar('CC');
    const doc = d.getVarFlag("do_build", "doc");
    const all = d.getVarFlags('SRC_URI');
    d.appendVar('EXTRA', ' x');
    if (bb.utils.contains('DISTRO_FEATURES', 'x11 wayland', true, false, d)) {}
    bb.utils.contains_any('MACHINE_FEATURES', 'a b', 1, 0, d);
    bb.utils.filter('IMAGE_FEATURES', \`c\`, d);
    bb.build.exec_func('do_helper', d);
    await helper(d);
    oe.path.join(a, b);
    return d.expand('\${S}/\${B}');
  `);
  t.deepEqual([...a.references].sort(), ["B", "CC", "EXTRA", "S", "do_build[doc]"]);
  t.deepEqual([...a.execs].sort(), ["d.getVarFlags", "do_helper", "helper", "oe.path.join"]);
  t.deepEqual(
    [...a.contains].map(([k, v]) => [k, [...v].sort()]),
    [
      ["DISTRO_FEATURES", ["x11 wayland"]],
      ["MACHINE_FEATURES", ["a", "b"]],
      ["IMAGE_FEATURES", ["c"]],
    ],
  );
  t.deepEqual([...a.flagSetsRead], ["SRC_URI"]);
});

test("names that are not literal constants are not tracked", (t) => {
  const a = analyzeJs("const n = 'X'; d.getVar(n); d.getVarFlag('Y', n); bb.build.exec_func(n, d); obj[m](); (f())();");
  t.deepEqual([...a.references], []);
  t.deepEqual([...a.execs], ["f"]);
});

test("contains() with words that are not a constant takes the whole variable", (t) => {
  const a = analyzeJs("bb.utils.contains('FEATURES', words, 'y', 'n', d)", { expression: true });
  t.deepEqual([...a.references], ["FEATURES"]);
  t.is(a.contains.size, 0);
});

test("inline expressions", (t) => {
  const a = analyzeJs("bb.utils.contains('DISTRO_FEATURES', 'systemd', 'a', 'b', d)", { expression: true });
  t.deepEqual([...a.contains.keys()], ["DISTRO_FEATURES"]);
  t.deepEqual([...a.execs], []);
  t.throws(() => analyzeJs("return 1", { expression: true }), { instanceOf: JsSyntaxError });
});

test("syntax errors carry the position", (t) => {
  const err = t.throws(() => analyzeJs("const a = 1;\nconst = 2;\n"), { instanceOf: JsSyntaxError });
  t.is(err!.line, 2);
});
