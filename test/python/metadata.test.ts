// Parse-time Python in a layer written for BitBake: `${@...}`, def blocks, anonymous and named
// python functions, event handlers, bb.parse.SkipRecipe, addpylib, `${@js ...}` inside a Python
// layer, and the datastore seen from Python.
import test from "ava";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { loadBuildConfiguration } from "../../lib/config/index.js";
import { parseRecipe } from "../../lib/evaluate/index.js";
import { loadPython, withPython } from "../../lib/python/index.js";
import { hostPython } from "../../lib/python/world.js";
import { write } from "../helpers/layer.js";
import { repo } from "../sstate-build/fixture.js";
import { pythonLayers } from "./fixture.js";

test.before(async () => {
  await loadPython();
});

test("a BitBake-style configuration (conf/bitbake.conf) reads its Python: layer.conf :=, addpylib, ConfigParsed", async (t) => {
  const f = pythonLayers();
  t.teardown(f.cleanup);
  const config = await withPython(() => loadBuildConfiguration({ topdir: f.build }));
  const d = config.metadata.d;
  t.is(d.inlineLanguage, "python");
  t.is(d.getVar("LAYERDIR_NAME"), "meta");
  t.is(d.getVar("BUILD_ARCH"), process.arch === "x64" ? "x86_64" : d.getVar("BUILD_ARCH"));
  t.is(d.getVar("SEEN_CONFIG_PARSED"), "1");
  t.is(d.getVar("FEATURE_FLAG"), "with-x11");
  // The library's bytecode is kept in the user's cache (for the next interpreter), not in the layer.
  const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "bake", "pycache");
  const compiled = readdirSync(join(cache, f.core, "lib", "tinylib"));
  t.true(compiled.some((n) => /^__init__\.cpython-\d+\.pyc$/.test(n)), compiled.join(" "));
  t.false(existsSync(join(f.core, "lib", "tinylib", "__pycache__")));
  // So are the metadata's compiled functions (the configuration's ConfigParsed handler), by digest.
  t.true(readdirSync(join(cache, "bake-metadata")).some((n) => /^[0-9a-f]{64}$/.test(n)));
});

test("sys.executable is the host's python3 on PATH, as BitBake's is the Python running it, not the process that made the interpreter's snapshot", async (t) => {
  const f = pythonLayers({ "recipes-x/pyexe/pyexe_1.0.bb": 'LICENSE = "MIT"\nINHIBIT_DEFAULT_DEPS = "1"\nPYTHON = "${@sys.executable}"\n' });
  t.teardown(f.cleanup);
  const d = await f.recipe("pyexe");
  t.is(d.getVar("PYTHON"), hostPython());
  const path = process.env.PATH ?? "";
  const found = path.split(":").map((dir) => join(dir, "python3")).find((p) => p.startsWith("/") && existsSync(p));
  t.is(hostPython(), found ?? "");
  t.is(hostPython("/nonexistent-dir"), "");
});

test("bb.__version__ names the BitBake release whose parse-time API bake's bb module follows (2.19), so oe-core's sanity check (BB_MIN_VERSION 2.18.0) accepts it", async (t) => {
  const f = pythonLayers({
    "recipes-x/bbversion/bbversion_1.0.bb": [
      'LICENSE = "MIT"',
      'INHIBIT_DEFAULT_DEPS = "1"',
      'BBV = "${@bb.__version__}"',
      'NEW_ENOUGH = "${@bb.utils.vercmp_string_op(bb.__version__, "2.18.0", ">=")}"',
      "",
    ].join("\n"),
  });
  t.teardown(f.cleanup);
  const d = await f.recipe("bbversion");
  t.is(d.getVar("BBV"), "2.19.0");
  t.is(d.getVar("NEW_ENOUGH"), "True");
});

test("a recipe's ${@...}, def functions, anonymous python, named python functions and events run in Python", async (t) => {
  const f = pythonLayers();
  t.teardown(f.cleanup);
  const config = loadBuildConfiguration({ topdir: f.build });
  const r = parseRecipe(config.metadata, join(f.core, "recipes-x/plain/plain_2.1.bb"), [], config.files);
  const d = r.metadata.d;
  t.is(r.skipped, null);
  t.is(d.getVar("PN"), "plain");
  t.is(d.getVar("PV"), "2.1");
  t.is(d.getVar("SRC_URI"), "https://example.org/plain-2.1.tar.gz file://fix-2_1.patch");
  t.is(d.getVar("UPPER"), "PLAIN");
  t.is(d.getVar("JS_HERE"), "plain-from-js");
  t.is(d.getVar("BARE"), "2.1", "a bare name in ${@} reads the variable (BitBake's DataContext)");
  t.is(d.getVar("DEPENDS"), "libc zlib", "written back re-joined, as BitBake's handleVirtRecipeProviders does");
  t.is(d.getVar("LIBGREETING"), "hello from plain");
  t.is(d.getVar("ANON_RAN"), "plain-anon");
  t.is(d.getVar("FROM_NAMED"), "named-2.1");
  t.is(d.getVar("KEYS_HAVE_PN"), "True");
  t.is(d.getVar("COPY_IS_SEPARATE"), "plain");
  t.is(d.getVar("EVENTS"), " prefinalise parsed", "a handler whose [eventmask] names other events is not called");
  t.is(d.getVar("EVERY_EVENT"), " ConfigParsed RecipePreDeferredInherits RecipePreFinalise RecipePostKeyExpansion RecipeTaskPreProcess RecipeParsed", "one without [eventmask] sees every event (ConfigParsed on the configuration the recipe starts from)");
  t.deepEqual(r.tasks.map((x) => x.name), ["do_compile", "do_build"]);
});

test("bb.parse.SkipRecipe from anonymous python skips the recipe with its reason; inherits_class sees classes", async (t) => {
  const f = pythonLayers();
  t.teardown(f.cleanup);
  const config = loadBuildConfiguration({ topdir: f.build });
  const skipped = parseRecipe(config.metadata, join(f.core, "recipes-x/skipped/skipped_1.0.bb"), [], config.files);
  t.is(skipped.skipped, "asked to skip: not for this machine");
  const extra = parseRecipe(config.metadata, join(f.core, "recipes-x/withextra/withextra_1.0.bb"), [], config.files);
  t.is(extra.metadata.d.getVarFlag("do_compile", "depends"), "extra-native:do_populate_sysroot");
  t.is(extra.metadata.d.getVar("DEPENDS"), "");
});

test("set order in Python metadata is the same in every user's interpreter: the hash seed is pinned, not drawn per boot", async (t) => {
  // oe-core's COMBINED_FEATURES is `" ".join(set & set)`: its word order follows string hashes.
  const f = pythonLayers({
    "recipes-x/features/features_1.0.bb": [
      'LICENSE = "MIT"',
      'A_FEATURES = "alsa bluetooth ext2 ipv4 ipv6 pci usbhost vfat wifi x11 zeroconf"',
      'B_FEATURES = "alsa bluetooth pci screen usbhost vfat wifi x11"',
      "COMBINED = \"${@' '.join(set(d.getVar('A_FEATURES').split()) & set(d.getVar('B_FEATURES').split()))}\"",
      "",
    ].join("\n"),
  });
  t.teardown(f.cleanup);
  const config = loadBuildConfiguration({ topdir: f.build });
  const here = parseRecipe(config.metadata, join(f.core, "recipes-x/features/features_1.0.bb"), [], config.files).metadata.d.getVar("COMBINED");
  // Another user: an interpreter booted from nothing (no snapshot, empty cache), in another process.
  const other = spawnSync(process.execPath, [join(repo, "bin/bake.js"), "-e", "features"], {
    cwd: f.build,
    encoding: "utf8",
    env: { ...process.env, BAKE_PYTHON_SNAPSHOT: "0", XDG_CACHE_HOME: join(f.root, "other-cache"), BB_NUMBER_THREADS: "1" },
  });
  t.is(other.status, 0, other.stderr);
  const there = /^COMBINED="(.*)"$/m.exec(other.stdout)?.[1];
  t.is(there ?? null, here);
  t.is(here?.split(" ").sort().join(" "), "alsa bluetooth pci usbhost vfat wifi x11");
});

test("os.path.realpath as Python's non-strict one: links resolved, a missing tail kept as written, .. applied after a link", async (t) => {
  const f = pythonLayers({
    "recipes-x/paths/paths_1.0.bb": [
      'LICENSE = "MIT"',
      "EXISTING = \"${@os.path.realpath(d.getVar('TOPDIR') + '/../link/sub')}\"",
      "MISSING = \"${@os.path.realpath(d.getVar('TOPDIR') + '/../link/sub/not/there')}\"",
      "UP = \"${@os.path.realpath(d.getVar('TOPDIR') + '/../link/sub/../../link2/x')}\"",
      "",
    ].join("\n"),
  });
  t.teardown(f.cleanup);
  const root = realpathSync(f.root);
  mkdirSync(join(f.root, "real/sub"), { recursive: true });
  symlinkSync(join(f.root, "real"), join(f.root, "link"));
  symlinkSync("real", join(f.root, "link2"));
  const d = await f.recipe("paths");
  t.is(d.getVar("EXISTING"), `${root}/real/sub`);
  t.is(d.getVar("MISSING"), `${root}/real/sub/not/there`);
  t.is(d.getVar("UP"), `${root}/real/x`, "'..' after a link goes up from where the link points");
});

test("os.path.exists, lexists, isfile, isdir and islink answer as Python's for files, directories, links and missing paths", async (t) => {
  const kinds = ["file", "dir", "link", "dangling", "missing"];
  const f = pythonLayers({
    "recipes-x/kinds/kinds_1.0.bb": [
      'LICENSE = "MIT"',
      ...kinds.map(
        (k) =>
          `K_${k} = "\${@' '.join(str(int(fn(d.getVar('TOPDIR') + '/../${k}'))) for fn in (os.path.exists, os.path.lexists, os.path.isfile, os.path.isdir, os.path.islink))}"`,
      ),
      "",
    ].join("\n"),
  });
  t.teardown(f.cleanup);
  writeFileSync(join(f.root, "file"), "x");
  mkdirSync(join(f.root, "dir"));
  symlinkSync("dir", join(f.root, "link"));
  symlinkSync("nowhere", join(f.root, "dangling"));
  const d = await f.recipe("kinds");
  // exists, lexists, isfile, isdir, islink
  t.is(d.getVar("K_file"), "1 1 1 0 0");
  t.is(d.getVar("K_dir"), "1 1 0 1 0");
  t.is(d.getVar("K_link"), "1 1 0 1 1", "a link to a directory is followed except by lexists/islink");
  t.is(d.getVar("K_dangling"), "0 1 0 0 1");
  t.is(d.getVar("K_missing"), "0 0 0 0 0");
});

test("the empty path is no file, as the kernel answers: exists, stat, listdir, access (kernel-yocto records exists(\"\") in file-checksums); a missing file raises FileNotFoundError", async (t) => {
  const probe = (expr: string) => `\${@${expr}}`;
  const f = pythonLayers({
    "recipes-x/empty/empty_1.0.bb": [
      'LICENSE = "MIT"',
      `TESTS = "${probe("' '.join(str(int(fn(''))) for fn in (os.path.exists, os.path.lexists, os.path.isfile, os.path.isdir, os.path.islink))")}"`,
      `ACCESS = "${probe("os.access('', os.F_OK)")}"`,
      "def raised(fn):",
      "    try:",
      "        fn('')",
      "    except FileNotFoundError:",
      "        return 'FileNotFoundError'",
      "    return 'nothing'",
      `RAISED = "${probe("' '.join(raised(fn) for fn in (os.stat, os.lstat, os.listdir, os.readlink))")}"`,
      `REALPATH = "${probe("os.path.realpath('') == os.getcwd()")}"`,
      `MISSING = "${probe("raised(lambda _: os.stat(d.getVar('TOPDIR') + '/not-there'))")}"`,
      "",
    ].join("\n"),
  });
  t.teardown(f.cleanup);
  const d = await f.recipe("empty");
  t.is(d.getVar("TESTS"), "0 0 0 0 0");
  t.is(d.getVar("ACCESS"), "False");
  t.is(d.getVar("RAISED"), "FileNotFoundError FileNotFoundError FileNotFoundError FileNotFoundError");
  t.is(d.getVar("REALPATH"), "True", "realpath('') is the working directory, as abspath('') is");
  t.is(d.getVar("MISSING"), "FileNotFoundError", "a missing host file raises what Python raises, in the WebAssembly machine's errno numbering");
});

test("a ${@...} result that depended on host files is reused only while the files answer the same", async (t) => {
  const marker = "MARKER = \"${@'%s %s' % (os.path.exists(d.getVar('TOPDIR') + '/../marker'), sorted(os.listdir(d.getVar('TOPDIR') + '/..')))}\"";
  const f = pythonLayers({
    "recipes-x/one/one_1.0.bb": ['LICENSE = "MIT"', marker, ""].join("\n"),
    "recipes-x/two/two_1.0.bb": ['LICENSE = "MIT"', marker, ""].join("\n"),
  });
  t.teardown(f.cleanup);
  const parse = async (pn: string) => (await f.recipe(pn)).getVar("MARKER");
  t.is(await parse("one"), "False ['build', 'meta']");
  t.is(await parse("two"), "False ['build', 'meta']");
  writeFileSync(join(f.root, "marker"), "");
  t.is(await parse("one"), "True ['build', 'marker', 'meta']", "the file appeared: evaluated again, not the earlier result");
  rmSync(join(f.root, "marker"));
  t.is(await parse("two"), "False ['build', 'meta']");
});

test("a Python error names its type, message and the metadata line", async (t) => {
  const f = pythonLayers({
    "recipes-x/broken/broken_1.0.bb": ['LICENSE = "MIT"', 'X = "${@undefined_function(d)}"', "python () {", "    d.getVar('X')", "}", ""].join("\n"),
    "recipes-x/fatal/fatal_1.0.bb": ['LICENSE = "MIT"', "python () {", "    bb.fatal('this recipe cannot be built')", "}", ""].join("\n"),
  });
  t.teardown(f.cleanup);
  const config = loadBuildConfiguration({ topdir: f.build });
  const err = t.throws(() => parseRecipe(config.metadata, join(f.core, "recipes-x/broken/broken_1.0.bb"), [], config.files));
  t.regex(err!.message, /Failure expanding variable X.*NameError: name 'undefined_function' is not defined/s);
  const fatal = t.throws(() => parseRecipe(config.metadata, join(f.core, "recipes-x/fatal/fatal_1.0.bb"), [], config.files));
  t.is(fatal!.name, "FatalError");
  t.is(fatal!.message, "this recipe cannot be built");
});

test("a layer declaring LAYERLANGUAGE_<name> = \"js\" keeps JavaScript in a Python build; both live in one build", async (t) => {
  const f = pythonLayers();
  t.teardown(f.cleanup);
  const jsLayer = join(f.root, "meta-js");
  write(join(jsLayer, "conf/layer.conf"), [
    'BBPATH .= ":${LAYERDIR}"',
    'BBFILES += "${LAYERDIR}/recipes-*/*/*.bb"',
    'BBFILE_COLLECTIONS += "jsl"',
    'BBFILE_PATTERN_jsl = "^${LAYERDIR}/"',
    'LAYERSERIES_COMPAT_jsl = "tiny"',
    'LAYERLANGUAGE_jsl = "js"',
    "",
  ].join("\n"));
  write(join(jsLayer, "recipes-y/jsr/jsr_3.0.bb"), [
    'LICENSE = "MIT"',
    "JS_VALUE = \"${@[d.getVar('PN'), 'js'].join('-')}\"",
    "PY_FORCED = \"${@python '-'.join([d.getVar('PN'), 'py'])}\"",
    "js () {",
    "  d.setVar('JS_ANON', d.getVar('PV') + '!');",
    "}",
    "",
  ].join("\n"));
  write(join(f.build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${f.core} ${jsLayer}"\n`);
  const config = loadBuildConfiguration({ topdir: f.build });
  const r = parseRecipe(config.metadata, join(jsLayer, "recipes-y/jsr/jsr_3.0.bb"), [], config.files);
  const d = r.metadata.d;
  t.is(d.getVar("JS_VALUE"), "jsr-js");
  t.is(d.getVar("PY_FORCED"), "jsr-py");
  t.is(d.getVar("JS_ANON"), "3.0!");
  t.is(d.getVar("FEATURE_FLAG"), "with-x11", "the Python core's classes still run Python");
});

test("d.setVarFilter: a filter expression rewrites a variable's expanded value, with a function registered by bb.filter.filter_proc", async (t) => {
  const f = pythonLayers({
    "recipes-x/filtered/filtered_1.0.bb": [
      'LICENSE = "MIT"',
      'NAMES = "a b"',
      'NAMES:append = " c"',
      "def add_suffix(val, suffix):",
      "    return ' '.join(w + suffix for w in val.split())",
      "",
      "python () {",
      "    bb.filter.filter_proc()(add_suffix)",
      "    d.setVarFilter('NAMES', \"add_suffix(val, '-x')\")",
      "}",
      "",
    ].join("\n"),
  });
  t.teardown(f.cleanup);
  const config = loadBuildConfiguration({ topdir: f.build });
  const r = parseRecipe(config.metadata, join(f.core, "recipes-x/filtered/filtered_1.0.bb"), [], config.files);
  t.is(r.metadata.d.getVar("NAMES"), "a-x b-x c-x");
  t.is(r.metadata.d.getVar("NAMES", false), "a b c", "unexpanded: the :append applied, the filter not (as data_smart)");
});

test("bb.fetch2.get_autorev marks the recipe BB_DONT_CACHE unless BB_SRCREV_POLICY is cache, as BitBake's", async (t) => {
  const f = pythonLayers({
    "recipes-x/auto/auto_1.0.bb": ['LICENSE = "MIT"', 'SRCREV = "${@bb.fetch2.get_autorev(d)}"', ""].join("\n"),
    "recipes-x/kept/kept_1.0.bb": ['LICENSE = "MIT"', 'BB_SRCREV_POLICY = "cache"', 'SRCREV = "${@bb.fetch2.get_autorev(d)}"', ""].join("\n"),
  });
  t.teardown(f.cleanup);
  for (const [pn, expected] of [["auto", "1"], ["kept", null]] as const) {
    const d = await f.recipe(pn);
    t.is(d.getVar("SRCREV"), "AUTOINC");
    t.is(d.getVar("BB_DONT_CACHE"), expected, pn);
  }
});

test("bb.fetch2.Fetch(...).ud gives each URL one .name (default \"default\"), and a list of names is a ParameterError, as BitBake 2.19's FetchData", async (t) => {
  // meta-oe's gitpkgv.bbclass reads url.name of every git entry while the recipe is parsed.
  const f = pythonLayers({
    "recipes-x/named/named_1.0.bb": [
      'LICENSE = "MIT"',
      'SRC_URI = "git://example.com/a.git;protocol=https;branch=main;name=first git://example.com/b.git;protocol=https;branch=main"',
      'SRCREV_first = "0123456789abcdef0123456789abcdef01234567"',
      'SRCREV = "89abcdef0123456789abcdef0123456789abcdef"',
      // BitBake's git fetcher names the clone under DL_DIR (a TypeError without one, as in BitBake).
      'DL_DIR = "/downloads"',
      "NAMES = \"${@' '.join(u.name for u in bb.fetch2.Fetch(d.getVar('SRC_URI').split(), d).ud.values())}\"",
      "",
    ].join("\n"),
    "recipes-x/listed/listed_1.0.bb": [
      'LICENSE = "MIT"',
      'SRC_URI = "git://example.com/a.git;protocol=https;branch=main;name=one,two"',
      "python () {",
      "    try:",
      "        bb.fetch2.Fetch(d.getVar('SRC_URI').split(), d)",
      "    except bb.fetch2.ParameterError as e:",
      "        d.setVar('REFUSED', str(e))",
      "}",
      "",
    ].join("\n"),
  });
  t.teardown(f.cleanup);
  t.is((await f.recipe("named")).getVar("NAMES"), "first default");
  t.is(
    (await f.recipe("listed")).getVar("REFUSED"),
    "URL: 'git://example.com/a.git;protocol=https;branch=main;name=one,two' has invalid parameters. The fetcher no longer supports multiple name parameters in a single url",
  );
});

test("each recipe's events reach its own handlers as its classes stand at each event, recipes with other handler sets parsed in between", async (t) => {
  // A deferred inherit adds a handler part-way through a recipe's events, so consecutive events
  // (and consecutive recipes) switch between handler sets that Python keeps once built.
  const f = pythonLayers({
    "classes/late.bbclass": [
      "addhandler late_handler",
      "python late_handler() {",
      "    d.appendVar('LATE_EVENTS', ' ' + type(e).__name__)",
      "}",
      "",
    ].join("\n"),
    "classes/other.bbclass": [
      "addhandler other_handler",
      'other_handler[eventmask] = "bb.event.RecipeParsed"',
      "python other_handler() {",
      "    d.appendVar('OTHER_EVENTS', ' ' + type(e).__name__)",
      "}",
      "",
    ].join("\n"),
    "recipes-x/deferred/deferred_1.0.bb": ['LICENSE = "MIT"', "inherit_defer late", ""].join("\n"),
    "recipes-x/bare/bare_1.0.bb": ['LICENSE = "MIT"', ""].join("\n"),
    "recipes-x/another/another_1.0.bb": ['LICENSE = "MIT"', "inherit other", ""].join("\n"),
  });
  t.teardown(f.cleanup);
  const after = " RecipePreFinalise RecipePostKeyExpansion RecipeTaskPreProcess RecipeParsed";
  for (let round = 0; round < 2; round++) {
    for (const pn of ["deferred", "bare", "another", "deferred"]) {
      const d = await f.recipe(pn);
      t.is(d.getVar("LATE_EVENTS"), pn === "deferred" ? after : null, `${pn}, round ${round}`);
      t.is(d.getVar("OTHER_EVENTS"), pn === "another" ? " RecipeParsed" : null, `${pn}, round ${round}`);
      t.is(d.getVar("EVERY_EVENT"), " ConfigParsed RecipePreDeferredInherits" + after, `${pn}, round ${round}`);
    }
  }
});
