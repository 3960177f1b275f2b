// BitBake's options on the small shell-only layer a <- b <- c (test/sstate-build/fixture.ts):
// what runs (the trace), what is printed, in BitBake's words and formats.
import test from "ava";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixture, runBake, trace, write } from "../sstate-build/fixture.js";

test("--version and -s (BitBake's columns: latest, preferred)", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const build = f.buildDir("build", ['BB_HASHSERVE = ""']);
  const version = await runBake(f, build, ["--version"]);
  t.regex(version.out, /^bake Build Tool version \d+\.\d+\.\d+\n$/);
  write(join(f.layer, "recipes-st/a/a_2.0.bb"), readFileSync(join(f.layer, "recipes-st/a/a_1.0.bb"), "utf8"));
  const build2 = f.buildDir("build2", ['BB_HASHSERVE = ""', 'PREFERRED_VERSION_a = "1.0"']);
  const s = await runBake(f, build2, ["-s"]);
  t.is(s.code, 0, s.out);
  const lines = s.out.split("\n");
  const header = lines.findIndex((l) => l.startsWith("Recipe Name"));
  t.is(lines[header], `${"Recipe Name".padEnd(35)} ${"Latest Version".padStart(25)} ${"Preferred Version".padStart(25)} ${"Required Version".padStart(25)}`);
  t.is(lines[header + 2], "", "a blank line under the rule, as BitBake");
  t.true(lines.includes(`${"a".padEnd(35)} ${":2.0-r0".padStart(25)} ${":1.0-r0".padStart(25)} ${"".padStart(25)}`), s.out);
  t.true(lines.includes(`${"b".padEnd(35)} ${":1.0-r0".padStart(25)} ${"".padStart(25)} ${"".padStart(25)}`), s.out);
});

test("-S foo is refused as argparse refuses an invalid choice; -u foo as BitBake's main does", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const build = f.buildDir("build", ['BB_HASHSERVE = ""']);
  const s = await runBake(f, build, ["-S", "foo", "c"]);
  t.is(s.code, 2);
  t.is(s.out, "bake: error: argument -S/--dump-signatures: invalid choice: 'foo' (choose from 'none', 'printdiff')\n");
  const u = await runBake(f, build, ["-u", "foo", "c"]);
  t.is(u.code, 1);
  t.regex(u.out, /^FATAL: Unable to import extension module "foo" from bake\.ui\. Valid extension modules: knotty or taskexp\n$/);
});

test("the Build Configuration banner at build start; -w writes every event as a JSON line", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const build = f.buildDir("build", ['BB_HASHSERVE = ""', 'DISTRO = "bake"']);
  const r = await runBake(f, build, ["-w", "events.json", "c"]);
  t.is(r.code, 0, r.out);
  t.regex(r.out, /\nBuild Configuration:\nBB_VERSION {11}= "\d+\.\d+\.\d+"\nBUILD_SYS {12}= "[^"]+"\n(?:.*\n)*?MACHINE {14}= "qemux86-64"\nDISTRO {15}= "bake"\n/);
  t.regex(r.out, /\nmeta-st {14}= "<unknown>:<unknown>"\n/, "a layer outside git");
  const events = readFileSync(join(build, "events.json"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { class: string; vars: Record<string, unknown> });
  t.true(events.some((e) => e.class === "bake.BuildStarted"));
  t.is(events.at(-1)!.class, "bake.BuildFinished");
  t.true(events.some((e) => e.class === "bake.TaskSucceeded" && (e.vars["node"] as { pn: string; task: string }).task === "do_compile"));
});

test("-r and -R read files before bblayers.conf and after bake.conf", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const build = f.buildDir("build", ['BB_HASHSERVE = ""', 'FROM_LOCAL = "local"', 'EARLY ?= "local default"']);
  write(join(f.root, "pre.conf"), 'EARLY = "pre"\nFROM_LOCAL = "pre"\n');
  write(join(f.root, "post.conf"), 'FROM_LOCAL = "post"\n');
  const value = async (args: string[], name: string) => (await runBake(f, build, [...args, "-e"])).out.match(new RegExp(`\\n${name}="([^"]*)"`))?.[1];
  t.is(await value(["-r", join(f.root, "pre.conf")], "EARLY"), "pre", "?= in local.conf keeps the earlier value");
  t.is(await value(["-r", join(f.root, "pre.conf")], "FROM_LOCAL"), "local", "local.conf comes after -r");
  t.is(await value(["-R", join(f.root, "post.conf")], "FROM_LOCAL"), "post");
  const missing = await runBake(f, build, ["-R", "no-such.conf", "c"]);
  t.is(missing.code, 1);
  t.regex(missing.out, /ERROR: configuration file no-such\.conf \(-R, BBPOSTCONF\) not found/);
});

test("-I takes a dependency as provided; Nothing PROVIDES gives close matches", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const recipe = join(f.layer, "recipes-st/c/c_1.0.bb");
  writeFileSync(recipe, readFileSync(recipe, "utf8").replace('DEPENDS = "b"', 'DEPENDS = "b base-file"'));
  const build = f.buildDir("build", ['BB_HASHSERVE = ""']);
  const missing = await runBake(f, build, ["-n", "c"]);
  t.is(missing.code, 1);
  t.regex(missing.out, /ERROR: Nothing PROVIDES 'base-file' \(but c DEPENDS on or otherwise requires it\)\. Close matches:\n {2}base-files\n/);
  const ignored = await runBake(f, build, ["-n", "-I", "base-file", "c"]);
  t.is(ignored.code, 0, ignored.out);
});

test("--setscene-only restores and runs nothing else; --skip-setscene and --no-setscene restore nothing", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const sstate = join(f.root, "sstate");
  const one = f.buildDir("one", [`SSTATE_DIR = "${sstate}"`, 'BB_HASHSERVE = ""']);
  t.is((await runBake(f, one, ["c"])).code, 0);

  const only = f.buildDir("only", [`SSTATE_DIR = "${sstate}"`, 'BB_HASHSERVE = ""']);
  const r = await runBake(f, only, ["--setscene-only", "c"]);
  t.is(r.code, 0, r.out);
  t.deepEqual(trace(only), []);
  t.regex(r.out, /c:do_populate_sysroot: restored from shared state/);
  t.false(existsSync(join(only, "tmp/work/x86_64-bake-linux-musl/c/1.0/temp/log.do_compile")));

  const skip = f.buildDir("skip", [`SSTATE_DIR = "${sstate}"`, 'BB_HASHSERVE = ""']);
  const s = await runBake(f, skip, ["--skip-setscene", "c"]);
  t.is(s.code, 0, s.out);
  t.false(/restored from shared state/.test(s.out));
  t.deepEqual(trace(skip), ["a:do_compile", "a:do_install", "b:do_compile", "b:do_install", "c:do_compile", "c:do_install"]);

  // only/ restored everything: --skip-setscene keeps that, --no-setscene builds it all again.
  const kept = await runBake(f, only, ["--skip-setscene", "c"]);
  t.is(kept.code, 0, kept.out);
  t.deepEqual(trace(only), []);
  const none = await runBake(f, only, ["--no-setscene", "c"]);
  t.is(none.code, 0, none.out);
  t.deepEqual(trace(only), ["a:do_compile", "a:do_install", "b:do_compile", "b:do_install", "c:do_compile", "c:do_install"]);
});

test("-S printdiff says which task's signature changed first and why, against the last signature data", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const build = f.buildDir("build", [`SSTATE_DIR = "\${TOPDIR}/sstate-cache"`, 'BB_HASHSERVE = ""']);
  t.is((await runBake(f, build, ["c"])).code, 0);
  const recipe = join(f.layer, "recipes-st/b/b_1.0.bb");
  writeFileSync(recipe, readFileSync(recipe, "utf8").replace("# a comment", "cat /dev/null"));
  rmSync(join(build, "trace"), { force: true });
  const r = await runBake(f, build, ["-S", "printdiff", "c"]);
  t.is(r.code, 0, r.out);
  t.deepEqual(trace(build), [], "-S runs nothing");
  t.regex(r.out, /The differences between the current build and any cached tasks start at the following tasks:\n.*\/b_1\.0\.bb:do_compile\n/);
  t.regex(r.out, /\nTask b:do_compile couldn't be used from the cache because:\n {2}We need hash [0-9a-f]{64}, most recent matching task was [0-9a-f]{64}\n/);
  t.regex(r.out, /Variable do_compile value changed:[\s\S]*\+ .*cat \/dev\/null/);
});

test("-u taskexp answers questions about the task graph from stdin", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const build = f.buildDir("build", ['BB_HASHSERVE = ""']);
  const { spawnSync } = await import("node:child_process");
  const bake = new URL("../../../bin/bake.js", import.meta.url).pathname;
  const r = spawnSync(process.execPath, [bake, "-u", "taskexp", "c"], {
    cwd: build,
    input: "c.do_compile\nwhy c.do_build a.do_populate_sysroot\nlist a.do_\nquit\n",
    encoding: "utf8",
    env: { ...process.env, XDG_CONFIG_HOME: join(f.root, "xdg") },
  });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /c\.do_compile {2}\(:1\.0-r0, .*c_1\.0\.bb\)\n {2}depends on \(1\):\n {4}c\.do_configure\n/);
  t.regex(r.stdout, /needed by \(1\):\n {4}c\.do_install\n/);
  t.regex(r.stdout, /c\.do_build\n(?: {2}-> .*\n)*? {2}-> b\.do_populate_sysroot\n(?: {2}-> .*\n)*? {2}-> a\.do_populate_sysroot\n/);
  t.regex(r.stdout, /\na\.do_compile\n(?:a\.do_.*\n)*a\.do_unpack\n8 tasks\n/);
  t.deepEqual(trace(build), []);
});

test("a python task fails the dry run, naming it; S = \"${WORKDIR}\" with file:// sources warns", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const recipe = join(f.layer, "recipes-st/c/c_1.0.bb");
  writeFileSync(recipe, readFileSync(recipe, "utf8").replace('S = "${UNPACKDIR}"', 'S = "${WORKDIR}"') + 'python do_report() {\n    bb.note("x")\n}\naddtask report after do_compile before do_install\n');
  const build = f.buildDir("build", ['BB_HASHSERVE = ""']);
  const r = await runBake(f, build, ["-n", "c"]);
  t.is(r.code, 1, r.out);
  t.regex(r.out, /ERROR: c-1\.0-r0 do_report: cannot run: do_report is a Python function/);
  t.regex(r.out, /WARNING: c: S = "\$\{WORKDIR\}", but file:\/\/ sources are unpacked into UNPACKDIR \(.*\/sources\), not into S: set S = "\$\{UNPACKDIR\}"/);
  t.deepEqual(trace(build), []);
  // From the parse cache, the warning is said again.
  t.regex((await runBake(f, build, ["-n", "c"])).out, /WARNING: c: S = "\$\{WORKDIR\}"/);
  // S below WORKDIR but outside UNPACKDIR, with any sources, as OE recipes of older releases wrote
  // it; a recipe without sources may keep its S anywhere.
  write(join(f.layer, "recipes-st/g/g_1.0.bb"), 'LICENSE = "MIT"\nINHIBIT_DEFAULT_DEPS = "1"\nSRC_URI = "git://example.org/g.git;protocol=https;branch=main"\nSRCREV = "0123456789abcdef0123456789abcdef01234567"\nS = "${WORKDIR}/git"\n');
  write(join(f.layer, "recipes-st/n/n_1.0.bb"), 'LICENSE = "MIT"\nINHIBIT_DEFAULT_DEPS = "1"\nS = "${WORKDIR}/made-here"\n');
  const p = await runBake(f, build, ["-p"]);
  // -p names the recipe file a warning came from, as BitBake's does.
  t.regex(p.out, /WARNING: \S*\/recipes-st\/g\/g_1\.0\.bb: g: S = "\$\{WORKDIR\}\/git", but SRC_URI is unpacked into UNPACKDIR \(.*\/g\/1\.0\/sources\), not into S: set S = "\$\{UNPACKDIR\}\/git"/);
  t.false(/WARNING: (\S*\/n_1\.0\.bb: )?n:/.test(p.out), p.out);
});
