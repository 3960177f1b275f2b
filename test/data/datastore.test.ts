import test from "ava";
import {
  DataStore,
  bindInheritedClasses,
  inheritedClasses,
  applyAssignment,
  ExpansionError,
  FatalError,
  SkipRecipe,
  describeVariable,
  pythonText,
  runJs,
  takeJsMessages,
  withJsMessageHandler,
  type AssignOperator,
  type JsMessage,
} from "../../lib/data/index.js";

function assign(d: DataStore, name: string, op: AssignOperator, value: string, line = 1, flag: string | null = null, exported = false) {
  applyAssignment(d, { name, flag, op, value, exported }, { file: "recipes/foo.bb", line });
}

// ------------------------------------------------------------------ copies

test("createCopy: changes on either side stay on that side", (t) => {
  const conf = new DataStore();
  conf.setVar("A", "conf");
  conf.setVar("L:append", " x");
  conf.setVarFlag("A", "doc", "about A");
  const r1 = conf.createCopy();
  const r2 = conf.createCopy();
  r1.setVar("A", "r1");
  r1.setVar("L:append", " r1");
  r1.setVarFlag("A", "doc", "r1 doc");
  r2.delVar("A");
  conf.setVar("B", "later");
  t.is(conf.getVar("A"), "conf");
  t.is(conf.getVar("L"), " x");
  t.is(conf.getVarFlag("A", "doc"), "about A");
  t.is(r1.getVar("A"), "r1");
  t.is(r1.getVar("L"), " x r1");
  t.is(r1.getVarFlag("A", "doc"), "r1 doc");
  t.is(r2.getVar("A"), null);
  t.is(r2.getVar("L"), " x");
  t.is(r1.getVar("B"), null);
  t.false(r2.keys().includes("A"));
  t.true(conf.keys().includes("A"));
  t.is(r1.history("L").length, 2);
  t.is(conf.history("L").length, 1);
});

test("createCopy: long chains of copies stay correct (layers are compacted)", (t) => {
  let d = new DataStore();
  d.setVar("ROOT", "r");
  const all: DataStore[] = [];
  for (let i = 0; i < 40; i++) {
    d.setVar(`V${i}`, String(i));
    if (i % 3 === 0) d.delVar(`V${i - 1}`);
    all.push(d);
    d = d.createCopy();
  }
  t.is(d.getVar("ROOT"), "r");
  t.is(d.getVar("V39"), "39");
  t.is(d.getVar("V37"), "37");
  t.is(d.getVar("V38"), null);
  t.is(d.getVar("V2"), null);
  t.is(all[5]!.getVar("V5"), "5");
  t.is(all[5]!.getVar("V6"), null);
});

test("createCopy: overrides are recomputed in the copy", (t) => {
  const conf = new DataStore();
  conf.setVar("OVERRIDES", "${MACHINE}");
  conf.setVar("MACHINE", "m1");
  conf.setVar("A", "base");
  conf.setVar("A:m2", "m2 value");
  t.is(conf.getVar("A"), "base");
  const r = conf.createCopy();
  r.setVar("MACHINE", "m2");
  t.is(r.getVar("A"), "m2 value");
  t.is(conf.getVar("A"), "base");
});

// ------------------------------------------------------------------ expansion errors

test("circular references fail with the chain and where the variable was set", (t) => {
  const d = new DataStore();
  assign(d, "A", "=", "${B}", 3);
  assign(d, "B", "=", "${A}", 4);
  const e = t.throws(() => d.getVar("A"), { instanceOf: ExpansionError })!;
  t.is(e.chain[0], "A");
  t.true(e.chain.includes("B"));
  t.regex(e.message, /recipes\/foo\.bb:[34]/);
  t.regex(e.message, /A -> B/);
});

test("a variable referencing itself fails", (t) => {
  const d = new DataStore();
  d.setVar("A", "x ${A}");
  const e = t.throws(() => d.getVar("A"), { instanceOf: ExpansionError })!;
  t.deepEqual(e.chain, ["A"]);
  t.regex(e.message, /references itself/);
});

test("inline syntax and runtime errors are ExpansionErrors naming the chain", (t) => {
  const d = new DataStore();
  assign(d, "BAD", "=", "${@1 +}", 7);
  assign(d, "USER", "=", "x ${BAD}", 8);
  const e = t.throws(() => d.getVar("USER"), { instanceOf: ExpansionError })!;
  t.deepEqual(e.chain, ["USER", "BAD"]);
  t.is(e.variable, "BAD");
  t.true(e.cause instanceof SyntaxError);
  t.regex(e.message, /recipes\/foo\.bb:7/);
  d.setVar("RT", "${@nosuchfunction()}");
  const e2 = t.throws(() => d.getVar("RT"), { instanceOf: ExpansionError })!;
  t.regex(e2.message, /nosuchfunction/);
});

test("an inline expression cut short inside a string literal is left as written", (t) => {
  const d = new DataStore();
  d.setVar("A", "${@'}'}");
  t.is(d.getVar("A"), "${@'}'}");
});

test("SkipRecipe and FatalError thrown by inline code are not wrapped", (t) => {
  const d = new DataStore();
  d.setVar("S", "${@(() => { throw new bb.parse.SkipRecipe('not for this machine') })()}");
  const e = t.throws(() => d.getVar("S"), { instanceOf: SkipRecipe })!;
  t.is(e.message, "not for this machine");
  d.setVar("F", "${@bb.fatal('stop here')}");
  t.throws(() => d.getVar("F"), { instanceOf: FatalError });
  takeJsMessages();
});

test("messages go to the handler of the scope they are logged in, across awaits and nested scopes", async (t) => {
  const d = new DataStore();
  const outer: JsMessage[] = [];
  const inner: JsMessage[] = [];
  takeJsMessages();
  await withJsMessageHandler((m) => outer.push(m), async () => {
    runJs('bb.note("first")', d);
    await withJsMessageHandler((m) => inner.push(m), async () => {
      await null;
      runJs('bb.warn("inside")', d);
    });
    await null;
    d.setVar("X", "${@bb.note('expanded') || 'x'}");
    d.getVar("X");
  });
  runJs('bb.note("outside")', d);
  t.deepEqual(outer.map((m) => m.text), ["first", "expanded"]);
  t.deepEqual(inner, [{ level: "warn", text: "inside" }]);
  t.deepEqual(takeJsMessages().map((m) => m.text), ["outside"]);
});

// ------------------------------------------------------------------ fatal checks

test("old _append syntax is fatal, from setVar and from assignments", (t) => {
  const d = new DataStore();
  t.throws(() => d.setVar("A_append", "x"), { instanceOf: FatalError });
  const e = t.throws(() => assign(d, "DEPENDS_remove", "=", "x", 12), { instanceOf: FatalError })!;
  t.regex(e.message, /recipes\/foo\.bb line: 12/);
  t.notThrows(() => d.setVar("__anon_1_foo_remove", "x"));
});

// ------------------------------------------------------------------ inline expressions

test("inline expressions: helpers, Python spellings and Python-style results", (t) => {
  const d = new DataStore();
  d.setVar("F", "a b c");
  d.setVar("T", "yes");
  d.setVar("M", "qemu");
  d.setVar("R1", "${@bb.utils.contains_any('F', ['z', 'b'], 'any', 'none', d)}");
  d.setVar("R2", "${@oe.utils.conditional('M', 'qemu', 'emulated', 'real', d)}");
  d.setVar("R3", "${@oe.utils.vartrue('T', 'on', 'off', d)}");
  d.setVar("R4", "${@oe.utils.ifelse(d.getVar('NOPE') === None, 'unset', 'set')}");
  d.setVar("R5", "${@bb.utils.to_boolean(d.getVar('T'))}");
  d.setVar("R6", "${@d.getVar('F', False)}");
  d.setVar("R7", "${@1 + 2}");
  d.setVar("R8", "${@d.getVar('F').split(' ')}");
  d.setVar("R9", "${@[d.getVar('NOPE'), True, 2.5]}");
  t.is(d.getVar("R1"), "any");
  t.is(d.getVar("R2"), "emulated");
  t.is(d.getVar("R3"), "on");
  t.is(d.getVar("R4"), "unset");
  t.is(d.getVar("R5"), "True");
  t.is(d.getVar("R6"), "a b c");
  t.is(d.getVar("R7"), "3");
  t.is(d.getVar("R8"), "['a', 'b', 'c']");
  t.is(d.getVar("R9"), "[None, True, 2.5]");
});

test("pythonText prints values as Python's str()", (t) => {
  t.is(pythonText(null), "None");
  t.is(pythonText(undefined), "None");
  t.is(pythonText(false), "False");
  t.is(pythonText(42), "42");
  t.is(pythonText(["it's", 'a"b']), `["it's", 'a"b']`);
  t.is(pythonText({ a: 1 }), "{'a': 1}");
});

test("inline expressions may read variables holding other expressions", (t) => {
  const d = new DataStore();
  d.setVar("C", "c");
  d.setVar("B", "${@d.getVar('C') + 'x'}");
  d.setVar("A", "${@d.getVar('B') + '!'}");
  t.is(d.getVar("A"), "cx!");
});

test("d.setVar from code drops pending appends and active override values", (t) => {
  const d = new DataStore();
  d.setVar("OVERRIDES", "on");
  d.setVar("A", "a");
  d.setVar("A:append", " tail");
  d.setVar("A:on", "ov");
  t.is(d.getVar("A"), "ov tail");
  runJs("d.setVar('A', 'fresh')", d);
  t.is(d.getVar("A"), "fresh");
  t.is(d.getVar("A:on"), null);
  d.setVar("B", "b");
  d.setVar("B:append", " tail");
  d.setVar("B", "b2");
  t.is(d.getVar("B"), "b2 tail", "API setVar parses: the append stays");
});

test("runJs runs statements with d, bb, oe and extra globals", (t) => {
  const d = new DataStore();
  d.setVar("PN", "foo");
  const r = runJs(
    `const pn = d.getVar("PN");
     d.appendVar("DEPENDS", " " + pn + "-native");
     d.setVarFlag("do_x", "dirs", workdir);
     return bb.utils.filter("DEPENDS", "foo-native bar", d);`,
    d,
    { filename: "recipes/foo.bb", line: 10, globals: { workdir: "/w" } },
  );
  t.is(r, "foo-native");
  t.is(d.getVar("DEPENDS"), " foo-native");
  t.is(d.getVarFlag("do_x", "dirs"), "/w");
  const err = t.throws(() => runJs("\n\nthrow new Error('boom')", d, { filename: "classes/x.bbclass", line: 20 }))!;
  t.regex(err.stack ?? "", /classes\/x\.bbclass:22/);
  t.throws(() => runJs("throw new bb.parse.SkipRecipe('skip')", d), { instanceOf: SkipRecipe });
});

test("runJs bodies using await return a promise", async (t) => {
  const d = new DataStore();
  d.setVar("X", "1");
  const p = runJs("await null; return d.getVar('X');", d);
  t.is(typeof (p as Promise<unknown>).then, "function");
  t.is(await p, "1");
});

// ------------------------------------------------------------------ references (signatures)

test("expandWithRefs: references include unset names, getVar literals, flags and execs", (t) => {
  const d = new DataStore();
  d.setVar("A", "${B} ${UNSET}");
  d.setVar("B", "b");
  const r = d.expandWithRefs("${A} ${@d.getVar('C')} ${@d.getVarFlag('T', 'doc')} ${@String(d.expand('$' + '{E}'))}", "X");
  t.is(r.value, "b ${UNSET} None None ${E}");
  // Unset names surfacing from A's value and from the inline result are met too (taskdeps-unset-reference-surfaces).
  t.deepEqual([...r.references].sort(), ["A", "C", "E", "T[doc]", "UNSET"]);
  t.deepEqual([...r.execs], ["String"]);
});

test("contains/contains_any/filter record checked words, not a reference (taskdeps-inline-contains)", (t) => {
  const d = new DataStore();
  d.setVar("FEATURES", "x y");
  d.setVar("OPTS", "${@bb.utils.contains('FEATURES', 'x', '--with-x', '', d)} ${@bb.utils.contains_any('FEATURES', 'p q', 'pq', '', d)} ${@bb.utils.filter('OTHER', 'm n', d)}");
  const refs = d.getVarFlagWithRefs("OPTS");
  t.is(refs.value, "--with-x  ");
  t.deepEqual([...refs.references], []);
  t.deepEqual([...refs.contains.get("FEATURES")!].sort(), ["p", "q", "x"]);
  t.deepEqual([...refs.contains.get("OTHER")!].sort(), ["m", "n"]);
  // A non-literal word list makes the variable a plain reference, as BitBake's codeparser does.
  const r2 = d.expandWithRefs("${@bb.utils.contains('FEATURES', ['x'], 'a', 'b', d)}");
  t.deepEqual([...r2.references], ["FEATURES"]);
});

test("getVarFlagWithRefs: value after overrides and appends, removes that matched (taskdeps cases)", (t) => {
  const d = new DataStore();
  d.setVar("OVERRIDES", "on");
  d.setVar("A", "${BASE_REF}");
  d.setVar("A:on", "${ON_REF}");
  d.setVar("A:off", "${OFF_REF}");
  d.setVar("A:append", " ${APP_REF}");
  d.setVar("A:append:off", " ${OFF_APP_REF}");
  const a = d.getVarFlagWithRefs("A");
  t.is(a.unexpanded, "${ON_REF} ${APP_REF}");
  t.deepEqual([...a.references].sort(), ["APP_REF", "ON_REF"]);

  d.setVar("PKGS", "a b c");
  d.setVar("PKGS:remove", "${REMOVED}");
  d.setVar("PKGS:remove", "${NOT_PRESENT}");
  d.setVar("REMOVED", "b");
  const p = d.getVarFlagWithRefs("PKGS");
  t.is(p.unexpanded, "a b c");
  t.is(p.value, "a  c");
  t.deepEqual([...p.removes], ["${REMOVED}"]);
  t.is(d.getVar("PKGS"), "a  c");
});

// ------------------------------------------------------------------ overrides

test("OVERRIDES referring to an overridden variable settles as in BitBake", (t) => {
  const d = new DataStore();
  d.setVar("B", "x");
  d.setVar("B:a", "y");
  d.setVar("OVERRIDES", "a:${B}");
  t.is(d.getVar("OVERRIDES"), "a:y");
  t.is(d.getVar("B"), "y");
  t.deepEqual(d.activeOverrides(), ["a", "y"]);
});

test("keys() lists set names, names with only an active override, not deleted ones", (t) => {
  const d = new DataStore();
  d.setVar("OVERRIDES", "on");
  d.setVar("A", "a");
  d.setVar("C:on", "c");
  d.setVar("D:off", "d");
  d.setVar("E", "e");
  d.delVar("E");
  d.setVarFlag("F", "doc", "flag only");
  const keys = d.keys();
  for (const k of ["OVERRIDES", "A", "C", "C:on", "D:off", "F"]) t.true(keys.includes(k), k);
  t.false(keys.includes("D"));
  t.false(keys.includes("E"));
});

test("flags: weak defaults, getVarFlags, appendVarFlag and expansion", (t) => {
  const d = new DataStore();
  assign(d, "V", "??=", "weak", 1, "w");
  assign(d, "V", "=", "${X}", 2, "e");
  d.setVar("X", "ex");
  d.appendVarFlag("V", "e", "-more");
  d.prependVarFlag("V", "e", "pre-");
  t.deepEqual(d.getVarFlags("V"), { w: "weak", e: "pre-${X}-more" });
  t.deepEqual(d.getVarFlags("V", true), { w: "weak", e: "pre-ex-more" });
  t.deepEqual(d.getVarFlags("V", ["w"]), { w: "weak", e: "pre-${X}-more" });
  t.is(d.getVarFlags("NOPE"), null);
  t.is(d.getVar("V"), null);
});

test("flagNames: the names of getVarFlags in its order, weak defaults, overridden ones and digit names included", (t) => {
  const d = new DataStore();
  assign(d, "V", "??=", "weak", 1, "w");
  assign(d, "V", "=", "x", 2, "e");
  assign(d, "V", "??=", "shadowed", 3, "e");
  assign(d, "V", "=", "v", 4);
  d.setVarFlag("V", "2", "two");
  d.setVarFlag("V", "10", "ten");
  d.setVar("V:append", " more");
  t.deepEqual(d.flagNames("V"), Object.keys(d.getVarFlags("V")!));
  t.deepEqual(d.flagNames("V"), ["2", "10", "w", "e"]);
  d.setVarFlag("W", "b", "1");
  d.setVarFlag("W", "a", "1");
  t.deepEqual(d.flagNames("W"), ["b", "a"]);
  t.deepEqual(d.flagNames("NOPE"), []);
});

test("renameVar moves value, pending appends and linked override values", (t) => {
  const d = new DataStore();
  d.setVar("OVERRIDES", "on");
  d.setVar("OLD", "v");
  d.setVar("OLD:append", " app");
  d.setVar("OLD:on", "ov");
  d.setVarFlag("OLD", "doc", "lost");
  d.renameVar("OLD", "NEW");
  t.is(d.getVar("NEW"), "ov app");
  t.is(d.getVar("NEW:on"), "ov");
  t.is(d.getVar("OLD"), null);
  t.is(d.getVarFlag("NEW", "doc"), null);
  t.regex(d.history("NEW").map((e) => e.op).join(","), /rename from OLD/);
});

// ------------------------------------------------------------------ history and bake -e

test("history records every operation with its file and line, appends by written name", (t) => {
  const d = new DataStore();
  d.setVar("OVERRIDES", "arm");
  assign(d, "A", "??=", "weak", 1);
  assign(d, "A", "=", "a", 2);
  assign(d, "A:append:arm", "=", " arm", 3);
  assign(d, "A:arm", "=", "armv", 4);
  assign(d, "A", "+=", "more", 5, null, true);
  d.setVarFlag("A", "doc", "documented", { file: "conf/doc.conf", line: 9 });
  const h = d.history("A");
  t.deepEqual(
    h.map((e) => [e.op, e.variable, e.line, e.flag ?? null]),
    [
      ["set", "A", 1, "_defaultval"],
      ["set", "A", 2, null],
      [":append[arm]", "A:append:arm", 3, null],
      ["override[arm]:set", "A:arm", 4, null],
      ["exported", "A", 5, "export"],
      ["append", "A", 5, null],
      ["set", "A", 9, "doc"],
    ],
  );
  t.is(h[5]!.detail, "more");
  t.is(h[5]!.file, "recipes/foo.bb");
  t.deepEqual(d.flagHistory("A", "doc").map((e) => e.detail), ["documented"]);
});

test("describeVariable prints the bitbake -e block", (t) => {
  const d = new DataStore();
  assign(d, "X", "=", "x", 1);
  assign(d, "A", "=", 'say "${X}" $HOME', 2, null, true);
  assign(d, "A", ".=", " `now`", 3);
  t.is(
    describeVariable(d, "A"),
    [
      "#",
      "# $A [3 operations]",
      "#   exported recipes/foo.bb:2",
      '#     [export] "1"',
      "#   set recipes/foo.bb:2",
      '#     "say "${X}" $HOME"',
      "#   postdot recipes/foo.bb:3",
      '#     " `now`"',
      "# pre-expansion value:",
      '#   "say "${X}" $HOME `now`"',
      'export A="say \\"x\\" \\$HOME \\`now\\`"',
      "",
    ].join("\n"),
  );
  t.is(describeVariable(d, "X"), '#\n# $X\n#   set recipes/foo.bb:1\n#     "x"\nX="x"\n');
  t.is(describeVariable(d, "NONE"), '#\n# $NONE\n#   [no history recorded]\n#\n#   "None"\n');
  d.setVar("do_work", "\techo ${X}\n");
  d.setVarFlag("do_work", "func", "1");
  d.setVarFlag("do_work", "lineno", "4");
  d.setVarFlag("do_work", "filename", "/l/foo.bb");
  t.is(describeVariable(d, "do_work"), "# line: 4, file: /l/foo.bb\ndo_work() {\n\techo x\n}\n");
  d.setVar("M", "a\nb");
  t.regex(describeVariable(d, "M"), /M="a \\\nb"\n$/);
});

// ------------------------------------------------------------------ key expansion

test("expandKeys renames names holding ${} (keyexp cases) and keeps override links", (t) => {
  const d = new DataStore();
  d.setVar("OVERRIDES", "on");
  d.setVar("N", "foo");
  d.setVar("SUF", "on");
  d.setVar("VAL_${N}", "v");
  d.setVar("VAL_${N}:${SUF}", "v-on");
  d.setVar("VAL_${N}:append", " app");
  d.expandKeys();
  t.is(d.getVar("VAL_foo"), "v-on app");
  t.is(d.getVar("VAL_${N}"), null);
  t.false(d.keys().some((k) => k.includes("${")));
});

test("unset names surfacing through another variable are direct references (taskdeps-unset-reference-surfaces)", (t) => {
  const d = new DataStore();
  d.setVar("OUTER", "${INNER_SET} ${INNER_UNSET}");
  d.setVar("INNER_SET", "${DEEP}");
  d.setVar("DEEP", "d");
  d.setVar("do_build", "\techo ${OUTER}\n");
  const task = d.getVarFlagWithRefs("do_build");
  t.deepEqual([...task.references].sort(), ["INNER_UNSET", "OUTER"]);
  t.deepEqual([...d.getVarFlagWithRefs("OUTER").references].sort(), ["INNER_SET", "INNER_UNSET"]);
  t.deepEqual([...d.getVarFlagWithRefs("INNER_SET").references], ["DEEP"]);
});

test("function bodies take :append and :prepend verbatim (func-append-prepend)", (t) => {
  const d = new DataStore();
  assign(d, "do_work", "=", "\tmiddle\n", 1);
  d.setVarFlag("do_work", "func", "1");
  assign(d, "do_work:append", "=", "\tafter\n", 4);
  assign(d, "do_work:prepend", "=", "\tbefore\n", 7);
  t.is(d.getVar("do_work"), "\tbefore\n\tmiddle\n\tafter\n");
});

test("a value that keeps producing new expressions fails instead of looping", (t) => {
  const d = new DataStore();
  d.setVar("A", "x");
  d.setVar("A:append", "${@d.getVar('A', False)}");
  t.throws(() => d.getVar("A"), { instanceOf: ExpansionError });
});

test("helpers used by bake's own metadata: vars_from_file, prune_suffix, cpu_count, path, process.arch", (t) => {
  const d = new DataStore();
  d.setVar("FILE", "/layers/meta/recipes/zlib/zlib_1.3.1.bb");
  d.setVar("PN", "${@bb.parse.vars_from_file(d.getVar('FILE', false), d)[0] || 'defaultpkgname'}");
  d.setVar("PV", "${@bb.parse.vars_from_file(d.getVar('FILE', false), d)[1] || '1.0'}");
  d.setVar("PR", "${@bb.parse.vars_from_file(d.getVar('FILE', false), d)[2]}");
  d.setVar("DIR", "${@path.dirname(d.getVar('FILE', false))}");
  d.setVar("SPECIAL_PKGSUFFIX", "-native -cross");
  d.setVar("BPN", "${@oe.utils.prune_suffix('zlib-native', d.getVar('SPECIAL_PKGSUFFIX').split(' '), d)}");
  d.setVar("CPUS", "${@oe.utils.cpu_count()}");
  d.setVar("ARCH", "${@typeof process.arch}");
  d.setVar("ENV", "${@typeof process.env}");
  t.is(d.getVar("PN"), "zlib");
  t.is(d.getVar("PV"), "1.3.1");
  t.is(d.getVar("PR"), "None");
  t.is(d.getVar("DIR"), "/layers/meta/recipes/zlib");
  t.is(d.getVar("BPN"), "zlib");
  t.regex(d.getVar("CPUS")!, /^[1-9][0-9]*$/);
  t.is(d.getVar("ARCH"), "string");
  t.is(d.getVar("ENV"), "undefined", "metadata cannot read the environment");
  d.setVar("FILE", "/x/a_b_c_d.bb");
  t.throws(() => d.getVar("PN"), { instanceOf: ExpansionError, message: /too many underscores/ });
});

test("a copy answers bb.data.inherits_class with the classes of the datastore it was copied from", (t) => {
  const d = new DataStore();
  const inherited = ["/layer/classes/base.bbclass"];
  bindInheritedClasses(d, () => inherited);
  const copy = d.createCopy();
  t.deepEqual(inheritedClasses(copy), ["/layer/classes/base.bbclass"]);
  inherited.push("/layer/classes/autotools.bbclass");
  t.deepEqual(inheritedClasses(copy.createCopy()), inherited);
  t.deepEqual(inheritedClasses(new DataStore()), []);
});
