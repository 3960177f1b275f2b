import test from "ava";
import { FatalError, ParseError, parseText, type Statement } from "../../lib/parse/index.js";

function parse(text: string, path = "t.bb"): Statement[] {
  return [...parseText(text, path).statements];
}

function errorOf(text: string, path = "t.bb"): ParseError | FatalError {
  try {
    parseText(text, path);
  } catch (err) {
    if (err instanceof ParseError || err instanceof FatalError) return err;
    throw err;
  }
  throw new Error("expected a parse error");
}

test("every assignment operator, with export and flags", (t) => {
  const ops = ["=", "?=", "??=", ":=", "+=", "=+", ".=", "=."];
  const sts = parse(ops.map((op, i) => `V${i} ${op} "x${i}"`).join("\n") + '\nexport E[doc] = "d"\n');
  t.deepEqual(
    sts.map((s) => (s.kind === "assignment" ? s.op : null)),
    [...ops, "="],
  );
  const last = sts[ops.length]!;
  t.like(last, { kind: "assignment", exported: true, name: "E", flag: "doc", value: "d" });
});

test("operators glued to the name are split as BitBake does", (t) => {
  const sts = parse('A+="x"\nB.="y"\nC:="z"\nRDEPENDS:${PN}-c++ = "w"\nD ??= "v"\n');
  t.deepEqual(
    sts.map((s) => (s.kind === "assignment" ? [s.name, s.op] : [])),
    [["A", "+="], ["B", ".="], ["C", ":="], ["RDEPENDS:${PN}-c++", "="], ["D", "??="]],
  );
  // BitBake's name pattern is non-greedy: a name keeps a trailing +, . or : only when the operator does not need it.
  const more = parse('A+ = "x"\nB:: = "y"\nC::="z"\nD =+"w"\nE=."v"\nexport F.= "u"\n');
  t.deepEqual(
    more.map((s) => (s.kind === "assignment" ? [s.name, s.op, s.exported] : [])),
    [["A+", "=", false], ["B::", "=", false], ["C:", ":=", false], ["D", "=+", false], ["E", "=.", false], ["F", ".=", true]],
  );
});

test("override chains and flag names with special characters", (t) => {
  const sts = parse('A:append:arm = " x"\nV[unit@.service] = "at"\nunset V[a-b.c+d]\n');
  t.like(sts[0], { name: "A:append:arm", flag: null, value: " x" });
  t.like(sts[1], { name: "V", flag: "unit@.service" });
  t.like(sts[2], { kind: "unset", name: "V", flag: "a-b.c+d" });
});

test("quoted values: quotes of the other kind, greedy to the last quote, continuations", (t) => {
  const sts = parse(`B = 'with "double" inside'\nE = "a"b"c"\nA = "one \\\n    two \\\nthree"\n`);
  t.deepEqual(
    sts.map((s) => (s.kind === "assignment" ? s.value : null)),
    ['with "double" inside', 'a"b"c', "one     two three"],
  );
});

test("a backslash followed by spaces or tabs still continues the line, as BitBake strips them (meta-oe's spice recipe)", (t) => {
  const sts = parse(
    'SUMMARY = "s"\nDESCRIPTION = "The Spice project aims \\  \n        to provide \\\t\n        a solution."\nSRC_URI = "a \\ \n  b"\n',
    "spice_0.16.0.bb",
  );
  t.deepEqual(
    sts.map((s) => (s.kind === "assignment" ? s.value : null)),
    ["s", "The Spice project aims         to provide         a solution.", "a   b"],
  );
  const kw = parse("inherit a \\  \n b\n");
  t.like(kw[0], { kind: "inherit", classes: "a  b" });
});

test("unset with an override in the name is BitBake's unparsed line; unset NAME and NAME[flag] parse", (t) => {
  for (const text of ["unset A:remove\n", "unset DEPENDS:class-native\n", "unset A:b[doc]\n"]) {
    for (const path of ["t.bb", "t.conf"]) {
      const err = errorOf(text, path);
      t.is(err.category, "ParseError");
      t.is(err.message.split("\n")[0], `unparsed line: '${text.trim()}'`);
      t.is(err.loc?.line, 1);
    }
  }
  t.like(parse("unset A\nunset B[doc]\nunset ${X}-y\n"), [
    { kind: "unset", name: "A", flag: null },
    { kind: "unset", name: "B", flag: "doc" },
    { kind: "unset", name: "${X}-y", flag: null },
  ]);
});

test("three quotes of the value's kind is an error at the value", (t) => {
  const err = errorOf('A = "a"b"\n');
  t.is(err.category, "ParseError");
  t.deepEqual([err.loc?.line, err.loc?.column], [1, 5]);
  t.regex(err.format(), /^t\.bb:1:5: .*quotes[\s\S]*\n {4}A = "a"b"\n {8}\^$/);
});

test("keyword statements take the rest of the line; keyword-named variables stay assignments", (t) => {
  const sts = parse(
    [
      "include a.inc b.inc",
      "require ${BPN}.inc",
      "include_all conf/x.conf",
      "inherit autotools pkgconfig",
      "inherit_defer ${@'native' if x else ''}",
      "EXPORT_FUNCTIONS do_compile do_install",
      "addtask do_x after do_a do_b before do_c # why",
      "deltask do_y",
      "addhandler my_handler",
      "addpylib ${LAYERDIR}/lib oe",
      'include = "a variable"',
      'inherit[doc] = "a flag"',
      "export PATH",
      "unset FOO",
      'inherit  ??= "weak"',
      'unset ?= "x"',
      'export += "y"',
      "inherit\t?? odd",
    ].join("\n") + "\n",
  );
  t.deepEqual(sts.map((s) => s.kind), [
    "include", "include", "include", "inherit", "inherit", "exportFunctions", "addtask", "deltask",
    "addhandler", "addpylib", "assignment", "assignment", "export", "unset", "assignment", "assignment", "assignment", "inherit",
  ]);
  t.like(sts.slice(14), [
    { name: "inherit", op: "??=", value: "weak" },
    { name: "unset", op: "?=" },
    { name: "export", op: "+=", exported: false },
    { classes: "?? odd" },
  ]);
  t.like(sts[1], { mode: "require", path: "${BPN}.inc" });
  t.like(sts[4], { deferred: true, classes: "${@'native' if x else ''}" });
  t.deepEqual(sts[6], {
    kind: "addtask", loc: { file: "t.bb", line: 7, column: 1 },
    tasks: ["do_x"], after: ["do_a", "do_b"], before: ["do_c"],
  });
  t.like(sts[10], { name: "include", value: "a variable" });
  t.like(sts[11], { name: "inherit", flag: "doc" });
});

test("addtask joins the pieces of two after lists without a space, as BitBake", (t) => {
  t.like(parse("addtask x after b before c after d\n")[0], { after: ["bd"], before: ["c"] });
});

test("functions: shell, fakeroot, js, python, anonymous; bodies verbatim but right-trimmed", (t) => {
  const sts = parse(
    "do_hello() {\n\techo hi  \n\n    done\n}\nfakeroot do_install() {\n\t:\n}\n" +
      "js do_check() {\n  d.getVar('A');\n}\npython () {\n    pass\n}\njs () {\n}\n" +
      "do_install:append() {\n\techo more\n}\n",
  );
  t.like(sts[0], { kind: "function", name: "do_hello", language: "shell", fakeroot: false, body: "\techo hi\n\n    done\n", bodyLine: 2 });
  t.like(sts[1], { name: "do_install", fakeroot: true, body: "\t:\n" });
  t.like(sts[2], { name: "do_check", language: "js" });
  t.like(sts[3], { name: null, language: "python", loc: { line: 12 } });
  t.like(sts[4], { name: null, language: "js", body: "" });
  t.like(sts[5], { name: "do_install:append" });
});

test("a python def block runs while lines are indented, blank or comments", (t) => {
  const sts = parse("def f(d, \\\n      x):\n    return 1\n\n# c\n    y = 2\nA = \"after\"\n");
  t.is(sts.length, 2);
  t.like(sts[0], { kind: "pythonDef", name: "f" });
  t.like(sts[1], { kind: "assignment", name: "A", loc: { line: 7 } });
});

test("an unterminated function names the line where it started", (t) => {
  const err = errorOf('A = "1"\ndo_broken() {\n\techo never closed\nB = "x"\n');
  t.is(err.category, "ParseError");
  t.is(err.loc?.line, 2);
  t.regex(err.format(), /t\.bb:2:1: unterminated function[\s\S]*do_broken\(\) \{/);
});

test("an unparsed line is located at the offending token", (t) => {
  const err = errorOf('A = "ok"\nthis is not bitbake\n');
  t.deepEqual([err.loc?.line, err.loc?.column], [2, 6]);
  t.regex(err.message, /unparsed line/);
});

test("statements and comments may not be indented", (t) => {
  t.is(errorOf('A = "a"\n    # indented comment\n').loc?.line, 2);
  t.is(errorOf('  A = "a"\n').category, "ParseError");
});

test("a comment continued onto a non-comment line is fatal; onto a comment it is fine", (t) => {
  t.is(errorOf('# a comment \\\nA = "x"\n').category, "FatalError");
  t.deepEqual(parse('# a comment \\\n# still comment\nA = "x"\n').map((s) => s.kind), ["assignment"]);
});

test("a comment line inside a continued value: fatal in recipes, data in .conf files", (t) => {
  t.is(errorOf('A = "x \\\n# y"\n').category, "FatalError");
  t.like(parseText('A = "x \\\n# y"\n', "local.conf").statements[0], { value: "x # y" });
});

test("configuration files accept only configuration statements", (t) => {
  const err = errorOf("inherit foo\n", "conf/local.conf");
  t.regex(err.message, /inherit is not allowed in a configuration file/);
  t.is(errorOf("do_x() {\n}\n", "x.conf").category, "ParseError");
});

test("a file without a final newline parses", (t) => {
  t.like(parse('A = "x"')[0], { name: "A", value: "x" });
});
