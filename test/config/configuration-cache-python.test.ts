// A BitBake-style configuration (conf/bitbake.conf, Python `${@...}`) is kept between runs when its
// Python only built the namespace (addpylib, def) and its `${@...}` results read the datastore
// alone: a later process loads it without starting Python, and takes the namespace steps again
// before its first Python crossing. Python that read the host or the clock keeps it from being
// kept, and what the interpreter shows of the host (PATH, os.uname…) is compared.
import test from "ava";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { keptPythonLayer } from "../helpers/kept-python-layer.js";
import { bakeIn, write } from "../helpers/layer.js";
import { loadBuildConfiguration } from "../../lib/config/index.js";
import { withPython } from "../../lib/python/index.js";

const fixture = keptPythonLayer;

const kept = (build: string) => existsSync(join(build, "cache/configuration")) && readdirSync(join(build, "cache/configuration")).some((n) => n.endsWith(".v8"));

test("a configuration whose Python built the namespace and read only d is kept; a later process takes the namespace steps again", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const first = bakeIn(f.build, "-e", "hello");
  t.is(first.status, 0, first.stderr);
  t.true(kept(f.build));
  t.regex(first.stdout, /^GREETING="hello hello"$/m);
  t.regex(first.stdout, /^SHOUT="2\.5!"$/m);
  // From the kept configuration: the same output, every line (the namespace is back before the recipe's Python).
  const second = bakeIn(f.build, "-e", "hello");
  t.is(second.status, 0, second.stderr);
  t.is(second.stdout, first.stdout);
  t.regex(second.stdout, /^OVERRIDES="linux:pn-hello:qemux86-64"$/m);
  // The configuration's own OVERRIDES (PN from bitbake.conf's file name), as kept.
  const getvar = bakeIn(f.build, "getvar", "OVERRIDES");
  t.is(getvar.status, 0, getvar.stderr);
  t.regex(getvar.stdout, /linux:pn-defaultpkgname:qemux86-64/);
  // An edited library is what the next process imports, as when the configuration is evaluated.
  write(join(f.core, "lib/pylib/util.py"), "def greet(pn):\n    return 'hi ' + pn\n\ndef shout(text):\n    return text\n");
  const third = bakeIn(f.build, "-e", "hello");
  t.is(third.status, 0, third.stderr);
  t.regex(third.stdout, /^GREETING="hi hello"$/m);
});

test("a configuration whose ${@...} read the host or the clock is evaluated every time", async (t) => {
  for (const line of ['HAS_TMP := "${@os.path.exists(\'/tmp\')}"', 'NOW := "${@time.time()}"', 'SETS := "${@d.setVar(\'X\', \'1\') or \'\'}"']) {
    const f = fixture([line]);
    try {
      const config = await withPython(() => loadBuildConfiguration({ topdir: f.build }));
      t.false(config.kept, line);
      t.false(kept(f.build), line);
      t.false((await withPython(() => loadBuildConfiguration({ topdir: f.build }))).kept, line);
    } finally {
      f.cleanup();
    }
  }
});

test("a kept configuration whose ${@...} results read d is evaluated again when the interpreter would see another host (PATH)", async (t) => {
  const f = fixture(['ARCH := "${@os.uname()[4]}"']);
  t.teardown(f.cleanup);
  const first = await withPython(() => loadBuildConfiguration({ topdir: f.build }));
  t.false(first.kept);
  t.true((await withPython(() => loadBuildConfiguration({ topdir: f.build }))).kept);
  const path = process.env.PATH;
  process.env.PATH = `${path}:/nonexistent-bake-test`;
  try {
    t.false((await withPython(() => loadBuildConfiguration({ topdir: f.build }))).kept);
  } finally {
    process.env.PATH = path;
  }
});

test("a configuration with event handlers is evaluated every time", async (t) => {
  const f = fixture([], ["addhandler seen", 'seen[eventmask] = "bb.event.ConfigParsed"', "python seen() {", "    d.setVar('SEEN', '1')", "}"]);
  t.teardown(f.cleanup);
  const config = await withPython(() => loadBuildConfiguration({ topdir: f.build }));
  t.is(config.metadata.d.getVar("SEEN"), "1");
  t.false((await withPython(() => loadBuildConfiguration({ topdir: f.build }))).kept);
});

test("an edited layer library is an edited input: a value the configuration computed with it is computed again, and the recipes are parsed again", async (t) => {
  const f = fixture(['CACHE = "${TMPDIR}/cache"', 'LOUD := "${@pylib.util.shout(\'tiny\')}"']);
  t.teardown(f.cleanup);
  const first = bakeIn(f.build, "-e", "hello");
  t.is(first.status, 0, first.stderr);
  t.regex(first.stdout, /^LOUD="TINY!"$/m);
  t.true(kept(f.build));
  t.is(bakeIn(f.build, "-p").status, 0);
  const cached = bakeIn(f.build, "-p");
  t.regex(cached.stdout + cached.stderr, /1 cached, 0 parsed/);
  write(join(f.core, "lib/pylib/util.py"), "def greet(pn):\n    return 'hi ' + pn\n\ndef shout(text):\n    return text + '?'\n");
  const parse = bakeIn(f.build, "-p");
  t.is(parse.status, 0, parse.stderr);
  t.regex(parse.stdout + parse.stderr, /0 cached, 1 parsed/);
  const second = bakeIn(f.build, "-e", "hello");
  t.is(second.status, 0, second.stderr);
  t.regex(second.stdout, /^LOUD="tiny\?"$/m);
  t.regex(second.stdout, /^SHOUT="2\.5\?"$/m);
});
