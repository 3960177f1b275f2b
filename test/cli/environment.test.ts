// `bake -e`, `bake getvar` and `-b` run as a user runs them: the real bin/bake.js in a build directory.
import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { layerConf, write } from "../helpers/layer.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bake = join(repo, "bin/bake.js");

function fixture(): { build: string; layer: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), "bake-cli-"));
  const layer = join(root, "meta-test");
  const build = join(root, "build");
  write(join(layer, "conf/layer.conf"), layerConf("test", 7));
  write(join(layer, "recipes-demo/hello/hello_1.2.bb"), [
    'SUMMARY = "greeting"',
    'GREETING = "hello"',
    'GREETING:append:qemux86-64 = " x86"',
    "do_compile() {",
    "\techo ${GREETING}",
    "}",
    "do_compile[dirs] = \"${B}\"",
    "",
  ].join("\n"));
  write(join(layer, "recipes-demo/hello/hello_%.bbappend"), 'GREETING:append = " from the append"\n');
  write(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${join(repo, "meta-core")} ${layer}"\n`);
  write(join(build, "conf/local.conf"), 'MACHINE ??= "qemux86-64"\n');
  return { build, layer, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

function run(cwd: string, ...args: string[]) {
  return runWith({}, cwd, ...args);
}

function runWith(env: Record<string, string>, cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bake, ...args], { cwd, encoding: "utf8", env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("bake -e RECIPE prints the finalised value with the history of every operation", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const r = run(f.build, "-e", "hello");
  t.is(r.code, 0, r.err);
  t.regex(r.out, /# \$GREETING \[3 operations\]/);
  t.regex(r.out, /#\s+set .*hello_1\.2\.bb:2\n#\s+"hello"/);
  t.regex(r.out, /hello_%\.bbappend:1/);
  t.regex(r.out, /\nGREETING="hello x86 from the append"\n/);
  t.regex(r.out, /\nPV="1\.2"\n/);
  t.regex(r.out, /do_compile\(\) \{\n\techo hello x86 from the append\n\}/);
});

test("bake getvar: history, --value, --flag, -r; MACHINE from the environment", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  t.is(run(f.build, "getvar", "-r", "hello", "GREETING", "--value").out, "hello x86 from the append\n");
  t.is(run(f.build, "getvar", "-r", "hello", "do_compile", "--value", "--flag", "dirs").out.trim().endsWith("/hello-1.2"), true);
  t.is(runWith({ MACHINE: "qemuarm64" }, f.build, "getvar", "-r", "hello", "GREETING", "--value").out, "hello from the append\n");
  t.is(runWith({ NOT_PASSED: "x" }, f.build, "getvar", "NOT_PASSED", "--ignore-undefined", "--value").out, "\n", "other variables stay out");
  // CI turns download verification on from the environment (.ci/run).
  t.is(runWith({ BB_VERIFY_DOWNLOADS: "1" }, f.build, "getvar", "BB_VERIFY_DOWNLOADS", "--value").out, "1\n");
  t.regex(run(f.build, "getvar", "MACHINE").out, /# \$MACHINE[\s\S]*local\.conf:1[\s\S]*MACHINE="qemux86-64"/);
});

test("bake -b FILE -e reads a recipe file directly", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const r = run(f.build, "-b", join(f.layer, "recipes-demo/hello/hello_1.2.bb"), "-e");
  t.is(r.code, 0, r.err);
  t.regex(r.out, /\nGREETING="hello x86"\n/, "-b applies no bbappend");
});

test("a syntax error names file, line and column, shows the line and a caret, and exits 1", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  write(join(f.layer, "recipes-demo/broken/broken_1.0.bb"), 'A = "ok"\nB = "unclosed\n');
  const r = run(f.build, "-e", "broken");
  t.is(r.code, 1);
  t.regex(r.err, /broken_1\.0\.bb:2:5: unparsed line[^\n]*\n {4}B = "unclosed\n {8}\^/);
});

test("usage errors exit 2; outside a build directory the error says what is missing", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  t.is(run(f.build, "--no-such-option").code, 2);
  const outside = run(tmpdir(), "-e");
  t.is(outside.code, 1);
  t.regex(outside.err, /conf\/bblayers\.conf/);
});

test("bake getvar: an undefined variable or flag is exit 1 with bitbake-getvar's message", (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const unset = run(f.build, "getvar", "NO_SUCH_VARIABLE");
  t.is(unset.code, 1);
  t.is(unset.out, "");
  t.is(unset.err.trim().split("\n").pop(), "The variable 'NO_SUCH_VARIABLE' is not defined");
  const flag = run(f.build, "getvar", "-r", "hello", "do_compile", "--value", "--flag", "nosuchflag");
  t.is(flag.code, 1);
  t.is(flag.err.trim().split("\n").pop(), "The flag 'nosuchflag' is not defined for variable 'do_compile'");
  t.is(run(f.build, "getvar", "NO_SUCH_VARIABLE", "--value", "--ignore-undefined").code, 0);
  const misuse = run(f.build, "getvar", "-r", "hello", "GREETING", "--flag", "doc");
  t.is(misuse.code, 1);
  t.is(misuse.err, "--flag only makes sense with --value\n");
  t.regex(run(f.build, "getvar", "-r", "hello", "do_compile", "--value", "-u").out, /echo \$\{GREETING\}/, "-u: not expanded");
});
