// What test/cli/bitbake-compat.test.ts compares bake with is what BitBake itself writes: BitBake
// (BITBAKE_DIR, default /work/ext/bitbake) runs bitbake -g and bitbake-layers on the same layers,
// and its answers must equal test/data/bitbake-layers/expected. BitBake refuses to run as root: as
// root it runs as BITBAKE_USER (default nobody). BAKE_RECORD=1 writes the expected files instead.
import test, { type ExecutionContext } from "ava";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packagePath } from "../../lib/common/install.js";
import {
  COMPARISONS,
  EXPECTED_DIR,
  expected,
  GRAPH_FILES,
  normalize,
  RECRDEPTASK_EXPECTED_DIR,
  recrdeptaskLayers,
  sharedLayers,
} from "../helpers/bitbake-layers.js";
import { expectedSrcrevValues, SRCREV_EXPECTED, srcrevBuild, srcrevValues } from "../helpers/srcrev.js";
import { BBCLASSEXTEND } from "../helpers/bbclassextend.js";
import { ENVIRONMENT } from "../helpers/environment.js";
import { NESTED } from "../helpers/nested.js";
import { DYNAMIC_WARNINGS } from "../helpers/dynamic-warnings.js";
import { expectedValues, fixtureBuild, fixtureValues, type RecordedFixture } from "../helpers/recorded-fixture.js";
import { expectedPriorityShowLayers, LAYER_PRIORITY_DIR, priorityLayers } from "../helpers/layer-priority.js";
import { expectedLayernameValues, LAYERNAME_EXPECTED, LAYERNAME_TARGETS, layernameBuild, layernameValues } from "../helpers/layername.js";

const bitbake = process.env["BITBAKE_DIR"] ?? "/work/ext/bitbake";
const user = process.env["BITBAKE_USER"] ?? "nobody";
const record = process.env["BAKE_RECORD"] === "1";

function runBitbake(cwd: string, program: string, args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const env = ["LANG=en_US.UTF-8", "HOME=/tmp", `PATH=${join(bitbake, "bin")}:${process.env["PATH"]}`];
  const command = process.getuid?.() === 0 ? ["runuser", "-u", user, "--", "env", ...env, program, ...args] : ["env", ...env, program, ...args];
  const r = spawnSync(command[0]!, command.slice(1), { cwd, encoding: "utf8", timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** bitbake-layers' answer without the server's and the parser's progress around it. */
function answer(stdout: string): string {
  const progress = /^(NOTE: Starting bitbake server|Loading cache|Loaded \d+ entries|Parsing recipes|Parsing of |Summary: There w)/;
  return stdout.split("\n").filter((l) => !progress.test(l)).join("\n");
}

(existsSync(join(bitbake, "bin/bitbake-layers")) ? test : test.skip)("BitBake's -g files and bitbake-layers' answers on test/data/bitbake-layers are the recorded ones", (t) => {
  const f = sharedLayers();
  t.teardown(f.cleanup);
  if (process.getuid?.() === 0) spawnSync("chown", ["-R", `${user}:`, f.root]);
  const g = runBitbake(f.build, "bitbake", ["-g", "app"]);
  t.is(g.code, 0, g.stdout + g.stderr);
  for (const file of GRAPH_FILES) {
    const text = normalize(readFileSync(join(f.build, file), "utf8"), f.root, false);
    if (record) writeFileSync(join(EXPECTED_DIR, file), text);
    else t.is(text, expected(file), file);
  }
  for (const c of COMPARISONS) {
    const r = runBitbake(f.build, "bitbake-layers", c.args);
    t.is(r.code, 0, r.stdout + r.stderr);
    const said = (r.stdout + r.stderr).split("\n").filter((l) => /^(WARNING|ERROR): /.test(l));
    t.deepEqual(said, c.warnings ?? [], `${c.name}: warnings`);
    const text = normalize(answer(r.stdout), f.root, c.sorted, c.columns);
    if (record) writeFileSync(join(EXPECTED_DIR, c.name), text);
    else t.is(text, expected(c.name), c.name);
  }
});

(existsSync(join(bitbake, "bin/bitbake-layers")) ? test : test.skip)("bitbake-layers show-layers on test/data/layer-priority (priorities from LAYERDEPENDS) is the recorded one", (t) => {
  const f = priorityLayers();
  t.teardown(f.cleanup);
  if (process.getuid?.() === 0) spawnSync("chown", ["-R", `${user}:`, f.root]);
  const r = runBitbake(f.build, "bitbake-layers", ["show-layers"]);
  t.is(r.code, 0, r.stdout + r.stderr);
  const text = normalize(answer(r.stdout), f.root, false, true);
  if (record) writeFileSync(join(LAYER_PRIORITY_DIR, "show-layers"), text);
  else t.is(text, expectedPriorityShowLayers());
});

(existsSync(join(bitbake, "lib/bb/fetch2/__init__.py")) ? test : test.skip)("BitBake's decodeurl, encodeurl and URI on test/data/fetch2-url are the recorded ones", (t) => {
  const data = packagePath("test/data/fetch2-url");
  const file = join(data, "bitbake-2.19.json");
  const recorded = JSON.parse(readFileSync(file, "utf8")) as { url: string }[];
  const program = "import json, sys\nexec(open(sys.argv[1]).read())\nurls = json.load(sys.stdin)\nprint(json.dumps([dict(url=u, **r) for u, r in zip(urls, json.loads(run(json.dumps(urls))))]))";
  const r = spawnSync("python3", ["-c", program, join(data, "probe.py")], {
    encoding: "utf8",
    input: JSON.stringify(recorded.map((u) => u.url)),
    env: { ...process.env, PYTHONPATH: join(bitbake, "lib") },
  });
  t.is(r.status, 0, r.stderr);
  const theirs = JSON.parse(r.stdout) as object[];
  if (record) writeFileSync(file, `[\n${theirs.map((o) => JSON.stringify(o)).join(",\n")}\n]\n`);
  else t.deepEqual(theirs, recorded);
});

(existsSync(join(bitbake, "lib/bb/fetch2/__init__.py")) ? test : test.skip)("BitBake's FetchData attributes and Fetch.localpaths() on test/data/fetch2-fetchdata are the recorded ones", (t) => {
  const data = packagePath("test/data/fetch2-fetchdata");
  const file = join(data, "bitbake-2.19.json");
  const program = [
    "import json, sys, bb.data",
    "exec(open(sys.argv[1] + '/probe.py').read())",
    "cases = json.load(open(sys.argv[1] + '/cases.json'))",
    "res = json.loads(run(bb.data.init(), json.dumps(cases), sys.argv[1]))",
    "print('[\\n' + ',\\n'.join(json.dumps(dict(case=c, **r)) for c, r in zip(cases, res)) + '\\n]')",
  ].join("\n");
  const r = spawnSync("python3", ["-c", program, data], { encoding: "utf8", env: { ...process.env, PYTHONPATH: join(bitbake, "lib") } });
  t.is(r.status, 0, r.stderr);
  if (record) writeFileSync(file, r.stdout);
  else t.deepEqual(JSON.parse(r.stdout), JSON.parse(readFileSync(file, "utf8")));
});

(existsSync(join(bitbake, "bin/bitbake")) ? test : test.skip)("BitBake's -g files on test/data/recrdeptask are the recorded ones", (t) => {
  const f = recrdeptaskLayers();
  t.teardown(f.cleanup);
  if (process.getuid?.() === 0) spawnSync("chown", ["-R", `${user}:`, f.root]);
  const g = runBitbake(f.build, "bitbake", ["-g", "image"]);
  t.is(g.code, 0, g.stdout + g.stderr);
  for (const file of GRAPH_FILES) {
    const text = normalize(readFileSync(join(f.build, file), "utf8"), f.root, false);
    if (record) writeFileSync(join(RECRDEPTASK_EXPECTED_DIR, file), text);
    else t.is(text, readFileSync(join(RECRDEPTASK_EXPECTED_DIR, file), "utf8"), file);
  }
});

(existsSync(join(bitbake, "bin/bitbake")) ? test : test.skip)("BitBake's -e values on test/data/srcrev (bb.fetch2 revisions) are the recorded ones", (t) => {
  const f = srcrevBuild();
  t.teardown(f.cleanup);
  if (process.getuid?.() === 0) spawnSync("chown", ["-R", `${user}:`, f.root]);
  let out = "";
  for (const recipe of f.recipes) {
    const r = runBitbake(f.build, "bitbake", ["-e", recipe]);
    t.is(r.code, 0, r.stdout + r.stderr);
    out += srcrevValues(recipe, r.stdout.split("\n"), f.build);
  }
  if (record) writeFileSync(SRCREV_EXPECTED, out);
  else t.is(out, expectedSrcrevValues());
});

(existsSync(join(bitbake, "bin/bitbake")) ? test : test.skip)("BitBake's -e values on test/data/layername (FILE_LAYERNAME, BBINCLUDED) are the recorded ones", (t) => {
  const f = layernameBuild();
  t.teardown(f.cleanup);
  if (process.getuid?.() === 0) spawnSync("chown", ["-R", `${user}:`, f.root]);
  let out = "";
  for (const target of LAYERNAME_TARGETS) {
    const r = runBitbake(f.build, "bitbake", ["-e", ...(target ? [target] : [])]);
    t.is(r.code, 0, r.stdout + r.stderr);
    out += layernameValues(target, r.stdout.split("\n"), f.root);
  }
  if (record) writeFileSync(LAYERNAME_EXPECTED, out);
  else t.is(out, expectedLayernameValues());
});

/** BitBake's output for a recorded fixture's commands, against the record (rewritten with BAKE_RECORD=1). */
function checkRecorded(t: ExecutionContext, fixture: RecordedFixture): void {
  const f = fixtureBuild(fixture);
  t.teardown(f.cleanup);
  if (process.getuid?.() === 0) spawnSync("chown", ["-R", `${user}:`, f.root]);
  let out = "";
  for (const command of fixture.commands) {
    const r = runBitbake(f.build, "bitbake", command);
    t.is(r.code, 0, r.stdout + r.stderr);
    out += fixtureValues(fixture, command, r.stdout + r.stderr, f.root);
  }
  if (record) writeFileSync(fixture.expected, out);
  else t.is(out, expectedValues(fixture));
}

(existsSync(join(bitbake, "bin/bitbake")) ? test : test.skip)("BitBake's -s and -e on test/data/nested (nested layers' priorities) are the recorded ones", (t) => checkRecorded(t, NESTED));

(existsSync(join(bitbake, "bin/bitbake")) ? test : test.skip)("BitBake's -s and -e on test/data/bbclassextend (BBCLASSEXTEND set while finalising) are the recorded ones", (t) => checkRecorded(t, BBCLASSEXTEND));

(existsSync(join(bitbake, "bin/bitbake")) ? test : test.skip)("BitBake's -p and -s on test/data/dynamic-warnings (dynamic layers, parse warnings) are the recorded ones", (t) =>
  checkRecorded(t, DYNAMIC_WARNINGS),
);
(existsSync(join(bitbake, "bin/bitbake")) ? test : test.skip)("BitBake's -e layout on test/data/environment (history places, functions, anonymous python) is the recorded one", (t) => checkRecorded(t, ENVIRONMENT));
