// Task dependencies: the conformance cases (test/conformance/cases/taskdeps-*.json, produced
// by BitBake itself) translated by hand into resolved variables, then BitBake's other rules.

import test from "ava";
import { taskDependencies, DependencyError } from "../../lib/signature/index.js";
import { CASES_DIR } from "../../scripts/conformance/case.js";
import { FakeData, baseConf, shellFunc, shellTask, type FakeVar } from "./fake-data.js";

function depsOf(vars: Record<string, FakeVar>, task: string): string[] {
  return [...taskDependencies(new FakeData(vars), [task]).get(task)!.deps];
}

interface Case {
  readonly name: string;
  readonly vars: Record<string, FakeVar>;
  readonly expect: Record<string, string[]>;
}

const cases: Case[] = [
  {
    name: "taskdeps-basehash-ignore",
    vars: {
      ...baseConf(["BUILD_HOST"]),
      BUILD_HOST: { value: "${HOSTNAME_VAL}" },
      HOSTNAME_VAL: { value: "box" },
      KEPT: { value: "k" },
      do_build: shellTask("\techo ${BUILD_HOST} ${KEPT}\n"),
    },
    expect: { do_build: ["KEPT"] },
  },
  {
    name: "taskdeps-export-functions",
    vars: {
      ...baseConf(),
      builder_do_compile: shellFunc("\tmake ${BUILD_OPTS}\n"),
      BUILD_OPTS: { value: "-k" },
      // EXPORT_FUNCTIONS defines do_compile as a call of the class's function.
      do_compile: shellTask("\tbuilder_do_compile\n"),
    },
    expect: { do_compile: ["BUILD_OPTS", "builder_do_compile"] },
  },
  {
    name: "taskdeps-exported-variables",
    vars: {
      ...baseConf(),
      TOOLCHAIN: { value: "${TC_DIR}/bin", flags: { export: "1" } },
      TC_DIR: { value: "/opt/tc" },
      LANGUAGE: { flags: { export: "1" } },
      PLAIN: { value: "not exported" },
      do_build: shellTask("\techo build\n"),
      do_other: shellTask("\techo ${PLAIN}\n"),
    },
    expect: { do_build: ["LANGUAGE", "TC_DIR", "TOOLCHAIN"], do_other: ["LANGUAGE", "PLAIN", "TC_DIR", "TOOLCHAIN"] },
  },
  {
    name: "taskdeps-function-chain",
    vars: {
      ...baseConf(),
      step1: shellFunc("\tstep2 ${S1}\n"),
      step2: shellFunc("\tstep3\n\tstep2\n"),
      step3: shellFunc("\techo ${S3}\n"),
      S1: { value: "one" },
      S3: { value: "three" },
      do_run: shellTask("\tstep1\n"),
    },
    expect: { do_run: ["S1", "S3", "step1", "step2", "step3"] },
  },
  {
    name: "taskdeps-inline-contains",
    vars: {
      ...baseConf(),
      FEATURES: { value: "x y" },
      OPTS: { value: "${@bb.utils.contains('FEATURES', 'x', '--with-x', '', d)}" },
      do_build: shellTask("\techo ${OPTS}\n"),
    },
    expect: { do_build: ["OPTS"] },
  },
  {
    name: "taskdeps-overrides-and-appends",
    vars: {
      ...baseConf(),
      OVERRIDES: { value: "on" },
      // A = "${BASE_REF}", A:on = "${ON_REF}", A:append = " ${APP_REF}" (A:off, A:append:off inactive).
      A: { value: "${ON_REF} ${APP_REF}" },
      do_build: shellTask("\techo ${A}\n"),
    },
    expect: { do_build: ["A", "APP_REF", "ON_REF"] },
  },
  {
    name: "taskdeps-references-and-calls",
    vars: {
      ...baseConf(),
      CC: { value: "gcc" },
      OPT: { value: "-O2" },
      CFLAGS: { value: "${OPT} -Wall" },
      MAKEFLAGS: { value: "-j4" },
      UNUSED: { value: "not referenced" },
      run_make: shellFunc("\tmake ${MAKEFLAGS}\n"),
      do_compile: shellTask("\t${CC} ${CFLAGS} -c main.c\n\trun_make\n"),
    },
    expect: { do_compile: ["CC", "CFLAGS", "MAKEFLAGS", "OPT", "run_make"] },
  },
  {
    name: "taskdeps-remove-dependencies",
    vars: {
      ...baseConf(),
      PKGS: { value: "a b c", removes: ["${REMOVED}"] },
      REMOVED: { value: "b" },
      do_build: shellTask("\techo ${PKGS}\n"),
    },
    expect: { do_build: ["PKGS", "REMOVED"] },
  },
  {
    name: "taskdeps-unset-and-commands",
    vars: {
      ...baseConf(),
      mytool: { value: "a plain variable named like a command" },
      do_build: shellTask("\techo ${NEVER_DEFINED}\n\tmytool --flag\n\tfrobnicate\n\tls -l\n"),
    },
    expect: { do_build: ["NEVER_DEFINED", "mytool"] },
  },
  {
    name: "taskdeps-unset-reference-surfaces",
    vars: {
      ...baseConf(),
      OUTER: { value: "${INNER_SET} ${INNER_UNSET}" },
      INNER_SET: { value: "${DEEP}" },
      DEEP: { value: "d" },
      do_build: shellTask("\techo ${OUTER}\n", { vardepsexclude: "OUTER" }),
      do_check: shellTask("\techo ${OUTER}\n"),
    },
    expect: { do_build: ["INNER_UNSET"], do_check: ["DEEP", "INNER_SET", "INNER_UNSET", "OUTER"] },
  },
  {
    name: "taskdeps-vardeps-on-variable",
    vars: {
      ...baseConf(),
      CONFIG: { value: "static", flags: { vardeps: "HIDDEN_INPUT" } },
      HIDDEN_INPUT: { value: "${DEEPER}" },
      do_build: shellTask("\techo ${CONFIG}\n"),
    },
    expect: { do_build: ["CONFIG", "DEEPER", "HIDDEN_INPUT"] },
  },
  {
    name: "taskdeps-vardeps",
    vars: {
      ...baseConf(),
      EXTRA: { value: "${EXTRA_INNER}" },
      EXTRA_INNER: { value: "x" },
      do_build: shellTask("\ttrue\n", { vardeps: " EXTRA NOT_SET_AT_ALL" }),
    },
    expect: { do_build: ["EXTRA", "EXTRA_INNER", "NOT_SET_AT_ALL"] },
  },
  {
    name: "taskdeps-vardepsexclude-direct-only",
    vars: {
      ...baseConf(),
      DATE: { value: "${NOW}" },
      NOW: { value: "today" },
      STAMPED: { value: "v-${DATE}" },
      do_a: shellTask("\techo ${DATE}\n", { vardepsexclude: "DATE" }),
      do_b: shellTask("\techo ${STAMPED} ${DATE}\n", { vardepsexclude: "DATE" }),
    },
    expect: { do_a: [], do_b: ["DATE", "NOW", "STAMPED"] },
  },
  {
    name: "taskdeps-vardepvalue",
    vars: {
      ...baseConf(),
      VERSION_STRING: { value: "${MAJOR}.${MINOR}", flags: { vardepvalue: "fixed" } },
      MAJOR: { value: "1" },
      MINOR: { value: "2" },
      do_build: shellTask("\techo ${VERSION_STRING}\n"),
    },
    expect: { do_build: ["VERSION_STRING"] },
  },
];

for (const c of cases) {
  test(`conformance ${c.name}`, (t) => {
    const result = taskDependencies(new FakeData(c.vars), Object.keys(c.expect));
    for (const [task, expected] of Object.entries(c.expect)) {
      t.deepEqual(result.get(task)!.deps, expected, task);
    }
  });
}

test("every taskdeps conformance case is translated here", async (t) => {
  const { readdir } = await import("node:fs/promises");
  const names = (await readdir(CASES_DIR)).filter((n) => n.startsWith("taskdeps-")).map((n) => n.replace(/\.json$/, ""));
  t.deepEqual(cases.map((c) => c.name).sort(), names.sort());
});

test("values for hashing: code unexpanded, contains summarised, vardepvalue, removes", (t) => {
  const vars = {
    ...baseConf(),
    FEATURES: { value: "x y" },
    OPTS: { value: "${@bb.utils.contains('FEATURES', 'x', '--with-x', '', d)} ${@bb.utils.contains('FEATURES', 'z', 'z', '', d)}" },
    PKGS: { value: "a b c", removes: ["${REMOVED}"] },
    REMOVED: { value: "b" },
    VERSION_STRING: { value: "${MAJOR}", flags: { vardepvalue: "fixed" } },
    do_build: shellTask("\techo ${OPTS} ${PKGS} ${VERSION_STRING} ${UNSET}\n"),
  };
  const deps = taskDependencies(new FakeData(vars), ["do_build"]).get("do_build")!;
  t.is(deps.code, "\techo ${OPTS} ${PKGS} ${VERSION_STRING} ${UNSET}\n");
  // MAJOR is unset, so its ${MAJOR} survives VERSION_STRING's expansion and surfaces in the task's.
  t.deepEqual(deps.deps, ["MAJOR", "OPTS", "PKGS", "REMOVED", "UNSET", "VERSION_STRING"]);
  t.is(deps.values.get("OPTS"), `${vars.OPTS.value}\nFEATURES{x} = Set\nFEATURES{z} = Unset`);
  t.is(deps.values.get("PKGS"), "a b c\n_remove of ${REMOVED}");
  t.is(deps.values.get("VERSION_STRING"), "fixed");
  // An unset variable's value is empty, as in BitBake (which hashes nothing for it).
  t.is(deps.values.get("UNSET"), "");
  t.deepEqual(deps.direct.get("do_build"), ["MAJOR", "OPTS", "PKGS", "UNSET", "VERSION_STRING"]);
  t.deepEqual(deps.direct.get("PKGS"), ["REMOVED"]);
});

test("vardepsexclude on the task also hides contains() tests from its value", (t) => {
  const vars = {
    ...baseConf(),
    FEATURES: { value: "x" },
    do_build: shellTask("\techo ${@bb.utils.contains('FEATURES', 'x', 'X', '', d)}\n"),
  };
  const plain = taskDependencies(new FakeData(vars), ["do_build"]).get("do_build")!;
  t.true(plain.code!.endsWith("\nFEATURES{x} = Set"));
  vars.do_build = shellTask(vars.do_build.value!, { vardepsexclude: "FEATURES" });
  const excluded = taskDependencies(new FakeData(vars), ["do_build"]).get("do_build")!;
  t.false(excluded.code!.includes("FEATURES{x}"));
});

test("only the first removal's references count (BitBake's handle_remove quirk)", (t) => {
  const vars = {
    ...baseConf(),
    PKGS: { value: "a b c", removes: ["${R1}", "${R2}"] },
    R1: { value: "a" },
    R2: { value: "b" },
    do_build: shellTask("\techo ${PKGS}\n"),
  };
  const deps = taskDependencies(new FakeData(vars), ["do_build"]).get("do_build")!;
  t.deepEqual(deps.deps, ["PKGS", "R1"]);
  t.is(deps.values.get("PKGS"), "a b c\n_remove of ${R1}\n_remove of ${R2}");
});

test("a removal that removes nothing adds nothing", (t) => {
  const vars = {
    ...baseConf(),
    PKGS: { value: "a b c", removes: ["${R1}"] },
    R1: { value: "zzz" },
    do_build: shellTask("\techo ${PKGS}\n"),
  };
  t.deepEqual(depsOf(vars, "do_build"), ["PKGS"]);
});

test("js functions: getVar, getVarFlag, contains, exec_func and calls of functions that exist", (t) => {
  const vars = {
    ...baseConf(),
    A: { value: "${A_INNER}" },
    A_INNER: { value: "1" },
    FEATURES: { value: "x" },
    helper: shellFunc("\techo ${HELPER_VAR}\n"),
    js_helper: { value: "return d.getVar('FROM_JS_HELPER');\n", flags: { func: "1", js: "1" } },
    // js bodies are not expanded when they run, so ${NOT_A_REF} is not a reference.
    do_build: {
      value: [
        "const a = d.getVar('A');",
        "const f = d.getVarFlag('B', 'doc');",
        "if (bb.utils.contains('FEATURES', 'x', true, false, d)) bb.build.exec_func('helper', d);",
        "js_helper(d); notAVariable(); console.log('${NOT_A_REF}');",
        "",
      ].join("\n"),
      flags: { func: "1", js: "1", task: "1" },
    },
  };
  const deps = taskDependencies(new FakeData(vars), ["do_build"]).get("do_build")!;
  // No exported variable: js tasks do not get the environment of shell tasks.
  t.deepEqual(deps.deps, ["A", "A_INNER", "B[doc]", "FROM_JS_HELPER", "HELPER_VAR", "helper", "js_helper"]);
  t.true(deps.code!.endsWith("\nFEATURES{x} = Set"));
});

test("python functions are analysed from their calls", (t) => {
  const vars = {
    ...baseConf(),
    do_build: {
      value: "    v = d.getVar(\"PYVAR\")\n    bb.build.exec_func('sh_helper', d)\n    if bb.utils.contains_any('F', 'a b', True, False, d):\n        pass\n",
      flags: { func: "1", python: "1", task: "1" },
    },
    sh_helper: shellFunc("\ttrue\n"),
    F: { value: "b" },
  };
  const deps = taskDependencies(new FakeData(vars), ["do_build"]).get("do_build")!;
  t.deepEqual(deps.deps, ["PYVAR", "sh_helper"]);
  t.true(deps.code!.endsWith("\nF{a} = Unset\nF{b} = Set"));
});

test("prefuncs, postfuncs and exports of a function are dependencies", (t) => {
  const vars = {
    ...baseConf(),
    pre: shellFunc("\ttrue\n"),
    post: shellFunc("\ttrue\n"),
    do_build: shellTask("\ttrue\n", { prefuncs: "pre", postfuncs: "post", exports: "EXPORTED_THING" }),
  };
  t.deepEqual(depsOf(vars, "do_build"), ["EXPORTED_THING", "post", "pre"]);
});

test("vardepvalueexclude removes text from the value for hashing", (t) => {
  const vars = {
    ...baseConf(),
    V: { value: "keep drop1 drop2", flags: { vardepvalueexclude: " drop1| drop2" } },
    do_build: shellTask("\techo ${V}\n"),
  };
  const deps = taskDependencies(new FakeData(vars), ["do_build"]).get("do_build")!;
  t.is(deps.values.get("V"), "keep");
});

test("BB_SIGNATURE_EXCLUDE_FLAGS: the other flags become dependencies, followed through their values", (t) => {
  const vars = {
    ...baseConf(),
    BB_SIGNATURE_EXCLUDE_FLAGS: { value: "doc func task" },
    do_build: shellTask("\ttrue\n", { doc: "ignored", dirs: "${B}" }),
    B: { value: "/build" },
  };
  const deps = taskDependencies(new FakeData(vars), ["do_build"]).get("do_build")!;
  t.deepEqual(deps.deps, ["B", "do_build[dirs]"]);
  t.is(deps.values.get("do_build[dirs]"), "${B}");
});

test("unexport and BB_BASEHASH_IGNORE_VARS take exported variables out", (t) => {
  const vars = {
    ...baseConf(["IGNORED_EXPORT"]),
    E1: { value: "1", flags: { export: "1" } },
    E2: { value: "2", flags: { export: "1", unexport: "1" } },
    E3: { value: "3", flags: { export: "0" } },
    IGNORED_EXPORT: { value: "x", flags: { export: "yes" } },
    do_build: shellTask("\ttrue\n"),
  };
  t.deepEqual(depsOf(vars, "do_build"), ["E1"]);
});

test("an exported variable one shell function excludes stays in the others' dependencies", (t) => {
  const vars = {
    ...baseConf(),
    E1: { value: "1", flags: { export: "1" } },
    E2: { value: "${E1}", flags: { export: "1" } },
    helper: shellFunc("\ttrue\n", { vardepsexclude: "E1" }),
    do_build: shellTask("\thelper\n"),
  };
  const deps = taskDependencies(new FakeData(vars), ["do_build"]).get("do_build")!;
  t.deepEqual([...deps.deps], ["E1", "E2", "helper"]);
  t.deepEqual(deps.direct.get("helper"), ["E2"]);
  t.deepEqual(deps.direct.get("do_build"), ["E1", "E2", "helper"]);
});

test("commands inside the shell body count wherever they run", (t) => {
  const vars = {
    ...baseConf(),
    f1: shellFunc("\ttrue\n"),
    f2: shellFunc("\ttrue\n"),
    f3: shellFunc("\ttrue\n"),
    local_fn: shellFunc("\ttrue\n"),
    do_build: shellTask("\tx=$(f1 arg)\n\tif [ -n \"`f2`\" ]; then ( f3 | cat ); fi\n\tlocal_fn() { :; }\n\tlocal_fn\n"),
  };
  // local_fn is defined inside the body, so the call is to that definition (BitBake's rule).
  t.deepEqual(depsOf(vars, "do_build"), ["f1", "f2", "f3"]);
});

test("a shell syntax error names the function", (t) => {
  const vars = { ...baseConf(), do_build: shellTask("\tif true; then\n") };
  const err = t.throws(() => taskDependencies(new FakeData(vars), ["do_build"]), { instanceOf: DependencyError });
  t.is(err!.variable, "do_build");
  t.regex(err!.message, /do_build.*expected 'fi'/);
});

test("a task reached again through its own dependencies is listed, like BitBake", (t) => {
  const vars = {
    ...baseConf(),
    helper: shellFunc("\tdo_loop\n"),
    do_loop: shellTask("\thelper\n"),
  };
  t.deepEqual(depsOf(vars, "do_loop"), ["do_loop", "helper"]);
});

test("shell code is expanded with BB_HASH_CODEPARSER_VALS set: a reference made of a path is the same in every build directory", (t) => {
  // oe-core's openssl (native): `OPENSSL_CONF=\${OPENSSL_CONF:-${libdir}/ssl-3/openssl.cnf}` is,
  // once ${libdir} is expanded, a reference to one variable whose name holds the path.
  const recipe = (workdir: string, codeparser?: string): Record<string, FakeVar> => ({
    ...baseConf(),
    ...(codeparser === undefined ? {} : { BB_HASH_CODEPARSER_VALS: { value: codeparser } }),
    WORKDIR: { value: workdir },
    libdir: { value: "${WORKDIR}/recipe-sysroot-native/usr/lib" },
    do_install: shellTask("\tcreate_wrapper openssl OPENSSL_CONF=\\${OPENSSL_CONF:-${libdir}/ssl-3/openssl.cnf}\n"),
    py: { value: "    bb.note('${libdir}')\n", flags: { func: "1", python: "1" } },
  });
  const ofTask = (vars: Record<string, FakeVar>) => taskDependencies(new FakeData(vars), ["do_install"]).get("do_install")!;

  const here = ofTask(recipe("/home/a/build/tmp/work/x/1.0", "T=/ WORKDIR=/"));
  const there = ofTask(recipe("/srv/b/tmp/work/x/1.0", "T=/ WORKDIR=/"));
  t.deepEqual(here.deps, ["OPENSSL_CONF:-//recipe-sysroot-native/usr/lib/ssl-3/openssl.cnf", "WORKDIR", "libdir"]);
  t.deepEqual(there.deps, here.deps);
  // What is hashed of each name is its own unexpanded value, from the recipe (not the forced one).
  t.is(here.values.get("WORKDIR"), "/home/a/build/tmp/work/x/1.0");
  t.is(there.values.get("WORKDIR"), "/srv/b/tmp/work/x/1.0");

  // Without it, the name (and so the basehash) holds the build directory.
  t.deepEqual(ofTask(recipe("/home/a/build/tmp/work/x/1.0")).deps, [
    "OPENSSL_CONF:-/home/a/build/tmp/work/x/1.0/recipe-sysroot-native/usr/lib/ssl-3/openssl.cnf",
    "WORKDIR",
    "libdir",
  ]);

  // Python code is not expanded, so it is read as it is either way.
  const py = (vars: Record<string, FakeVar>) => taskDependencies(new FakeData(vars), ["py"]).get("py")!;
  t.deepEqual(py(recipe("/a", "WORKDIR=/")).deps, py(recipe("/a")).deps);

  const err = t.throws(() => ofTask(recipe("/a", "WORKDIR")), { instanceOf: DependencyError });
  t.regex(err!.message, /BB_HASH_CODEPARSER_VALS.*"WORKDIR" is not NAME=VALUE/);
});
