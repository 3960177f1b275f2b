// `${@...}` results kept beside the parse cache (config/inline-answers.ts): a parse notes the
// results that read the datastore alone, `-e RECIPE` on a kept BitBake-style configuration replays
// their reads and shows the recipe without starting the interpreter, and anything they do not
// answer (a read that answers otherwise, a recipe's python function) goes to the interpreter,
// with the same output as without them.
import test from "ava";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { keptPythonLayer } from "../helpers/kept-python-layer.js";
import { bakeIn } from "../helpers/layer.js";
import { packagePath } from "../../lib/common/install.js";
import { DataStore } from "../../lib/data/index.js";
import { bindMetadata } from "../../lib/python/index.js";
import { memoized, useEarlierAnswers } from "../../lib/python/inline-memo.js";
import { replayTarget } from "../../lib/python/datastore.js";

/** A BitBake-style layer as the benchmark's: no `def` in the classes, `${@...}` that read d alone, one only in a task's body. */
function layer(extra: Record<string, string> = {}) {
  return keptPythonLayer(
    ['DISTRO_FEATURES = "acl ipv6"', 'CACHE = "${TMPDIR}/cache"'],
    [],
    {
      "classes/base.bbclass": [
        'FEATURES = "${@bb.utils.contains(\'DISTRO_FEATURES\', \'ipv6\', \'v6\', \'v4\', d)} base"',
        "do_compile() {",
        "\techo ${@pylib.util.shout(d.getVar('PV'))} ${FEATURES}",
        "}",
        "addtask compile",
        "",
      ].join("\n"),
      "recipes-x/hello/hello_2.5.bb": 'DESCRIPTION = "${PN} ${PV}"\n',
      "recipes-x/other/other_1.0.bb": 'DESCRIPTION = "${@pylib.util.greet(d.getVar(\'PN\'))}"\n',
      ...extra,
    },
  );
}

const answersFile = (build: string) => join(build, "tmp/cache/parse/inline-answers.json");

interface Shown {
  readonly loaded: boolean;
  readonly text: string;
}

/** `-e RECIPE`'s output made in a new process in `build`, and whether that process started the interpreter. */
function shownIn(build: string, recipe: string): Shown {
  const script = `
    const { datastoreFor } = await import(${JSON.stringify(packagePath("dist/lib/cli/datastore.js"))});
    const { formatEnvironment } = await import(${JSON.stringify(packagePath("dist/lib/cli/environment.js"))});
    const { passthroughVariables } = await import(${JSON.stringify(packagePath("dist/lib/cli/options.js"))});
    const { pythonLoaded } = await import(${JSON.stringify(packagePath("dist/lib/python/index.js"))});
    const { value: text } = await datastoreFor({ cwd: process.cwd(), vars: passthroughVariables(process.env) }, ${JSON.stringify(recipe)}, null, true, formatEnvironment);
    console.log(JSON.stringify({ loaded: pythonLoaded(), text }));
  `;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: build,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, XDG_CONFIG_HOME: join(build, "xdg") },
  });
  if (run.status !== 0) throw new Error(`failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").pop()!) as Shown;
}

type Stored = { codes: [string, [unknown[], string][]][] } & Record<string, unknown>;

/** Edits the results kept for `code` (each: what it read, flattened, and its value). */
function editAnswers(build: string, code: string, edit: (results: [unknown[], string][]) => void): void {
  const stored = JSON.parse(readFileSync(answersFile(build), "utf8")) as Stored;
  edit(stored.codes.find(([c]) => c === code)![1]);
  writeFileSync(answersFile(build), JSON.stringify(stored));
}

test("after a parse, -e RECIPE of a kept BitBake-style configuration starts no interpreter and shows what the interpreter shows", (t) => {
  const f = layer();
  t.teardown(f.cleanup);
  const parse = bakeIn(f.build, "-p");
  t.is(parse.status, 0, parse.stderr);
  t.true(existsSync(answersFile(f.build)));
  const kept = shownIn(f.build, "hello");
  t.false(kept.loaded);
  t.regex(kept.text, /^FEATURES="v6 base"$/m);
  t.regex(kept.text, /^\techo 2\.5! v6 base$/m);
  // Without the kept results: the interpreter answers, and says the same, every line.
  rmSync(answersFile(f.build));
  const evaluated = shownIn(f.build, "hello");
  t.true(evaluated.loaded);
  t.is(kept.text, evaluated.text);
  // That run kept what its interpreter answered: the next one needs none.
  t.true(existsSync(answersFile(f.build)));
  t.deepEqual(shownIn(f.build, "hello"), { loaded: false, text: evaluated.text });
  // bake itself, and getvar, show the same.
  const e = bakeIn(f.build, "-e", "hello");
  t.is(e.status, 0, e.stderr);
  t.is(e.stdout, evaluated.text);
  const getvar = bakeIn(f.build, "getvar", "-r", "other", "DESCRIPTION", "--value");
  t.is(getvar.status, 0, getvar.stderr);
  t.is(getvar.stdout, "hello other\n");
});

test("a kept result is taken only while every read answers the same: a read that answers otherwise goes to the interpreter", (t) => {
  const f = layer();
  t.teardown(f.cleanup);
  t.is(bakeIn(f.build, "-p").status, 0);
  const code = "bb.utils.contains('DISTRO_FEATURES', 'ipv6', 'v6', 'v4', d)";
  // A kept value that no interpreter gave is shown: proof that the kept result is what -e used.
  editAnswers(f.build, code, (results) => {
    for (const r of results) r[1] = "kept";
  });
  const used = shownIn(f.build, "hello");
  t.false(used.loaded);
  t.regex(used.text, /^FEATURES="kept base"$/m);
  // The same value recorded as read from another DISTRO_FEATURES: it does not hold for this
  // datastore, and the interpreter gives the value.
  editAnswers(f.build, code, (results) => {
    t.is(results.length, 1);
    const reads = results[0]![0];
    const at = reads.indexOf("acl ipv6");
    t.true(at > 0);
    reads[at] = "acl";
  });
  const evaluated = shownIn(f.build, "hello");
  t.true(evaluated.loaded);
  t.regex(evaluated.text, /^FEATURES="v6 base"$/m);
});

test("a recipe whose parse runs a python function is parsed and shown by the interpreter, as before", (t) => {
  const f = layer({
    "recipes-x/anon/anon_1.0.bb": ["python () {", "    d.setVar('FROM_ANON', d.getVar('PN') + '!')", "}", 'SHOWN = "${FROM_ANON}"', ""].join("\n"),
  });
  t.teardown(f.cleanup);
  t.is(bakeIn(f.build, "-p").status, 0);
  const shown = shownIn(f.build, "anon");
  t.true(shown.loaded);
  t.regex(shown.text, /^SHOWN="anon!"$/m);
  rmSync(answersFile(f.build));
  t.is(shownIn(f.build, "anon").text, shown.text);
});

test("an earlier run's result is replayed on the datastore: kept while its reads answer the same and while they are said to hold", (t) => {
  const d = new DataStore();
  bindMetadata(d, { inherited: [], tasks: [], addTask: () => {}, delTask: () => {} });
  d.setVar("MACHINE", "qemux86-64");
  let hold = true;
  const code = "conditional('MACHINE', 'qemux86-64', 'x86', 'other', d) # inline-answers test";
  // [kind Var, name, expand, -, answer]: as inline-memo.ts flattens a getVar.
  useEarlierAnswers([[code, [0, "MACHINE", true, null, "qemux86-64"], "x86"]], () => hold);
  let evaluated = 0;
  const evaluate = () => {
    evaluated++;
    return "evaluated";
  };
  t.is(memoized(code, replayTarget(d), evaluate), "x86");
  t.is(evaluated, 0);
  const other = new DataStore();
  bindMetadata(other, { inherited: [], tasks: [], addTask: () => {}, delTask: () => {} });
  other.setVar("MACHINE", "qemuarm64");
  t.is(memoized(code, replayTarget(other), evaluate), "evaluated");
  t.is(evaluated, 1);
  const third = new DataStore();
  bindMetadata(third, { inherited: [], tasks: [], addTask: () => {}, delTask: () => {} });
  third.setVar("MACHINE", "qemux86-64");
  // The interpreter has done more than the configuration does: earlier results no longer hold.
  hold = false;
  const code2 = `${code} 2`;
  useEarlierAnswers([[code2, [0, "MACHINE", true, null, "qemux86-64"], "x86"]], () => hold);
  t.is(memoized(code2, replayTarget(third), evaluate), "evaluated");
  t.is(evaluated, 2);
});
