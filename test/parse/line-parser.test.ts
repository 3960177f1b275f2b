import test from "ava";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseText as antlrParseText } from "../../lib/parse/antlr-parser.js";
import { fileKindOf, type FileKind } from "../../lib/parse/ast.js";
import { parsePlainText } from "../../lib/parse/line-parser.js";
import { parseText } from "../../lib/parse/parser.js";
import { packagePath } from "../../lib/common/install.js";

/** A parse's statements as JSON, or its error's class, message and location. */
function outcome(parse: () => unknown): string {
  try {
    return JSON.stringify(parse());
  } catch (err) {
    const e = err as Error & { loc?: unknown };
    return `${e.constructor.name}: ${e.message} ${JSON.stringify(e.loc ?? null)}`;
  }
}

function withNewline(text: string): string {
  return text.endsWith("\n") || text === "" ? text : `${text}\n`;
}

function sameAsAntlr(t: import("ava").ExecutionContext, text: string, kind: FileKind = "recipe"): boolean {
  const path = kind === "conf" ? "/l/conf/t.conf" : "/l/t.bb";
  const expected = outcome(() => antlrParseText(text, path, kind));
  const got = outcome(() => parseText(text, path, kind));
  t.is(got, expected, JSON.stringify(text));
  return parsePlainText(withNewline(text), path, kind) !== null;
}

function metadataFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && /\.(bb|bbappend|bbclass|inc|conf)$/.test(e.name)) out.push(join(e.parentPath, e.name));
  }
  return out.sort();
}

test("every metadata file of bake's layers gives the statements ANTLR gives, most without ANTLR", (t) => {
  let plain = 0;
  const files = ["meta-core", "meta-bootstrap", "meta-containers", "layers"].flatMap((d) => metadataFiles(packagePath(d)));
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const expected = outcome(() => antlrParseText(text, file, fileKindOf(file)));
    t.is(outcome(() => parseText(text, file, fileKindOf(file))), expected, file);
    if (parsePlainText(withNewline(text), file, fileKindOf(file)) !== null) plain++;
  }
  t.true(files.length > 50);
  t.true(plain > files.length / 2, `${plain} of ${files.length} files taken by the line parser`);
});

test("the plain forms are taken without ANTLR, as ANTLR reads them", (t) => {
  const plain = [
    'A = "x"\nB ?= "y"\nC ??= "z"\nD := "w"\nE += "v"\nF =+ "u"\nG .= "t"\nH =. "s"\n',
    'A+="x"\nB.="y"\nC:="z"\nRDEPENDS:${PN}-c++ = "w"\nA+ = "x"\nB:: = "y"\nC::="z"\nD =+"w"\nE=."v"\n',
    'do_install[dirs] = "${B}"\ndo_x[doc] += "more"\nX[a-b] := \'q\'\nY[f]=+"p"\n',
    'V = "a "quoted" b"\nW = \'it"s\'\nX = ""\n# a comment\n\n   \ninclude a.inc\nrequire  ${BPN}.inc\ninherit a b\ninherit_defer c\n',
    "include_all conf/x.conf\nEXPORT_FUNCTIONS do_a do_b\naddtask x after y before z\naddtask a after b before c after d # why\n",
    "do_compile() {\n\techo ${B} \\\n\t  more   \n}\npython () {\n    d.setVar('A', '1')\n}  \njs do_x() {\n}\nfakeroot python do_y ( ) {\n  x\n}\n",
    'include = "assigned"\ninherit ?= "assigned too"\nexport = "named export"\n',
    'export A = "x"\nexport B[doc] ?= "y"\nexport  C+="z"\nexport D\nexport E  \n',
    "deltask do_a do_b # gone\naddhandler h1 h2\naddpylib ${LAYERDIR}/lib oe\naddfragments conf/fragments OE_FRAGMENTS OE_FRAGMENTS_METADATA_VARS OE_FRAGMENTS_BUILTIN\n",
    'SRC_URI = "file://a.patch \\\n           file://b \\  \n  file://c"\nX[doc] = \'one \\\n"two"\'\nY = "a\\\n"\n',
  ];
  for (const text of plain) t.true(sameAsAntlr(t, text), text);
});

test("anything else is left to ANTLR, errors included", (t) => {
  const others = [
    'A = \\\n  "y"\n', // continued before the value
    'A = "x" \\\n  y\n', // continued after it
    'A = "x \\\n# not a comment"\n', // a comment line inside a continued value, in a recipe
    "inherit a \\\n  b\n",
    'export :A = "x"\n',
    "export A B\n",
    "export\t\n",
    "addpylib onlyone\n",
    "unset A\n",
    "def f():\n    return 1\n",
    'A = "x" # comment\n',
    'A = "un"balanced"\n',
    "A = x\n",
    '  A = "x"\n',
    "do_x() {\n  echo\n",
    "() {\n}\n",
    "addtask do_x_append\n",
    "inherit\n",
    "#x\\\nA = \"y\"\n",
    'A = "x"\r\n',
    'A = "\uD83D\uDE00"\n',
  ];
  for (const text of others) t.false(sameAsAntlr(t, text), text);
  t.false(sameAsAntlr(t, "do_x() {\n}\n", "conf"), "a function in a configuration file");
  t.false(sameAsAntlr(t, "inherit a\n", "conf"));
  t.true(sameAsAntlr(t, 'A = "x"\ninclude b.conf\n', "conf"));
  t.true(sameAsAntlr(t, 'A = "x \\\n# in the value"\n', "conf"), "a configuration file's continued value may hold a line starting with #");
});

test("random lines of the language's pieces parse as ANTLR parses them", (t) => {
  let seed = 20261207;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const names = ["A", "RDEPENDS:${PN}", "A+", "A.", "A:", "${X}", "~z/", "inherit", "include", "export", "unset", "addtask", "def", "python", "}"];
  const ops = ["=", "?=", "??=", ":=", "+=", "=+", ".=", "=.", "==", "+.=", " = ", "\t=\t", "", "+ =", ". ="];
  const values = ['"a \\\n  b"', '"a \\ \n#c"', '"x" \\\n', '\\\n"x"', '"a\\\n"b"', '"x"', "'y'", '"q"q"', '"a"b"c"', '""', '"x" ', '"x" #c', "x", '"un', '"a\\\\b"', '"x\\'];
  const flags = ["", "", "[doc]", "[a-b]", "[x y]", "[]", "[a@b]"];
  const alphabet = [...'A=+.:?"\' #\t{}()$[]\\_-@/x'];
  const lines = [
    () => pick(names) + pick(flags) + pick(ops) + pick(values),
    () => Array.from({ length: 1 + Math.floor(rnd() * 10) }, () => pick(alphabet)).join(""),
    () => pick(["#", "# c", "#x\\", "", " ", "\t"]),
    () => pick(["include", "inherit", "EXPORT_FUNCTIONS", "addtask", "deltask", "export", "unset"]) + pick([" ", "\t", "", " = "]) + pick(["foo", "a b", "x after y before z", "x_append", "", "a\\b"]),
    () => pick(["do_x() {", "python () {", "js f(){", "() {", "def f():"]) + "\n" + pick(["  echo", "}", "\techo \\"]) + "\n" + pick(["}", "} ", "}x", " }"]),
  ];
  for (let i = 0; i < 3000; i++) {
    const text = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick(lines)()).join("\n") + (rnd() < 0.9 ? "\n" : "");
    sameAsAntlr(t, text, rnd() < 0.2 ? "conf" : "recipe");
  }
});
