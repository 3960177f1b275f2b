// A small layer written for BitBake (Python metadata, its own conf/bitbake.conf and base.bbclass,
// a Python library added with addpylib) and a build directory using it, as openembedded-core is
// laid out, without needing oe-core itself.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { write } from "../helpers/layer.js";
import { loadBuildConfiguration, type BuildConfiguration } from "../../lib/config/index.js";
import { DataStore } from "../../lib/data/index.js";
import { parseRecipe } from "../../lib/evaluate/index.js";
import { withPython } from "../../lib/python/index.js";

export interface PythonFixture {
  readonly root: string;
  readonly core: string;
  readonly build: string;
  /**
   * The datastore of `recipes-x/PN/PN_1.0.bb` after parsing, on the build's configuration
   * (loaded on the first call, then shared, as a parse thread shares it).
   */
  recipe(pn: string): Promise<DataStore>;
  cleanup(): void;
}

export function pythonLayers(extra: Record<string, string> = {}): PythonFixture {
  const root = mkdtempSync(join(tmpdir(), "bake-python-"));
  const core = join(root, "meta");
  const build = join(root, "build");
  const files: Record<string, string> = {
    "conf/layer.conf": [
      'BBPATH .= ":${LAYERDIR}"',
      'BBFILES += "${LAYERDIR}/recipes-*/*/*.bb"',
      'BBFILE_COLLECTIONS += "pycore"',
      'BBFILE_PATTERN_pycore = "^${LAYERDIR}/"',
      'BBFILE_PRIORITY_pycore = "5"',
      'LAYERSERIES_CORENAMES = "tiny"',
      'LAYERSERIES_COMPAT_pycore = "tiny"',
      'LAYERDIR_NAME := "${@os.path.basename(d.getVar(\'LAYERDIR\'))}"',
      'BB_GLOBAL_PYMODULES = "os sys time"',
      "addpylib ${LAYERDIR}/lib tinylib",
      "",
    ].join("\n"),
    "conf/bitbake.conf": [
      'BUILD_ARCH = "${@os.uname()[4]}"',
      'PN = "${@bb.parse.vars_from_file(d.getVar(\'FILE\', False), d)[0] or \'defaultpkgname\'}"',
      'PV = "${@bb.parse.vars_from_file(d.getVar(\'FILE\', False), d)[1] or \'1.0\'}"',
      'PR = "r0"',
      'DISTRO_FEATURES = "ipv6 x11"',
      'OVERRIDES = "class-target:${MACHINE}"',
      'MACHINE ??= "qemux86-64"',
      'TMPDIR = "${TOPDIR}/tmp"',
      'T = "${TMPDIR}/work/${PN}/temp"',
      'WORKDIR = "${TMPDIR}/work/${PN}"',
      'S = "${WORKDIR}/${PN}-${PV}"',
      'B = "${S}"',
      'STAMP = "${TMPDIR}/stamps/${PN}"',
      'LICENSE ??= "INVALID"',
      'include conf/local.conf',
      "",
    ].join("\n"),
    "classes/base.bbclass": [
      "def base_dep(d):",
      "    if d.getVar('INHIBIT_DEFAULT_DEPS', False):",
      '        return ""',
      '    return "libc"',
      "",
      'DEPENDS:prepend = "${@base_dep(d)} "',
      'FEATURE_FLAG = "${@bb.utils.contains(\'DISTRO_FEATURES\', \'x11\', \'with-x11\', \'without-x11\', d)}"',
      'LIBGREETING = "${@tinylib.greeting(d)}"',
      "",
      "addhandler base_eventhandler",
      'base_eventhandler[eventmask] = "bb.event.ConfigParsed bb.event.RecipePreFinalise bb.event.RecipeParsed"',
      "python base_eventhandler() {",
      "    if isinstance(e, bb.event.ConfigParsed):",
      "        d.setVar('SEEN_CONFIG_PARSED', '1')",
      "    if isinstance(e, bb.event.RecipePreFinalise):",
      "        d.appendVar('EVENTS', ' prefinalise')",
      "    if isinstance(e, bb.event.RecipeParsed):",
      "        d.appendVar('EVENTS', ' parsed')",
      "}",
      "addhandler build_handler",
      'build_handler[eventmask] = "bb.event.BuildStarted"',
      "python build_handler() {",
      "    d.appendVar('EVENTS', ' build-started')",
      "}",
      "addhandler every_handler",
      "python every_handler() {",
      "    d.appendVar('EVERY_EVENT', ' ' + type(e).__name__)",
      "}",
      "",
      "python () {",
      "    if d.getVar('SKIP_ME'):",
      "        raise bb.parse.SkipRecipe('asked to skip: ' + d.getVar('SKIP_ME'))",
      "    d.setVar('ANON_RAN', d.getVar('PN') + '-anon')",
      "    if bb.data.inherits_class('extra', d):",
      "        d.setVarFlag('do_compile', 'depends', 'extra-native:do_populate_sysroot')",
      "}",
      "",
      "do_compile() {",
      "    echo ${FEATURE_FLAG}",
      "}",
      "addtask compile",
      "addtask build after do_compile",
      "",
    ].join("\n"),
    "classes/extra.bbclass": ['EXTRA_CLASS = "1"', ""].join("\n"),
    "lib/tinylib/__init__.py": [
      "import bb",
      "",
      "def greeting(d):",
      "    return 'hello from %s' % d.getVar('PN')",
      "",
    ].join("\n"),
    "recipes-x/plain/plain_2.1.bb": [
      'LICENSE = "MIT"',
      'SRC_URI = "https://example.org/${BPN}-${PV}.tar.gz file://fix-${@d.getVar(\'PV\').replace(\'.\', \'_\')}.patch"',
      'BPN = "${PN}"',
      'UPPER = "${@d.getVar(\'PN\').upper()}"',
      'JS_HERE = "${@js d.getVar(\'PN\') + \'-from-js\'}"',
      'BARE = "${@PV}"',
      "",
      "python set_extra() {",
      "    d.setVar('FROM_NAMED', 'named-' + d.getVar('PV'))",
      "}",
      "python () {",
      "    bb.build.exec_func('set_extra', d)",
      "    d.appendVar('DEPENDS', ' zlib')",
      "    d.setVar('KEYS_HAVE_PN', str('PN' in d.keys()))",
      "    local = d.createCopy()",
      "    local.setVar('PN', 'changed')",
      "    d.setVar('COPY_IS_SEPARATE', d.getVar('PN'))",
      "}",
      "",
    ].join("\n"),
    "recipes-x/skipped/skipped_1.0.bb": ['LICENSE = "MIT"', 'SKIP_ME = "not for this machine"', ""].join("\n"),
    "recipes-x/withextra/withextra_1.0.bb": ['LICENSE = "MIT"', "inherit extra", 'INHIBIT_DEFAULT_DEPS = "1"', ""].join("\n"),
    ...extra,
  };
  for (const [path, text] of Object.entries(files)) write(join(core, path), text);
  write(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${core}"\n`);
  write(join(build, "conf/local.conf"), 'MACHINE = "qemux86-64"\n');
  let config: BuildConfiguration | null = null;
  const recipe = async (pn: string) => {
    config ??= await withPython(() => loadBuildConfiguration({ topdir: build }));
    const loaded = config;
    return (await withPython(() => parseRecipe(loaded.metadata, join(core, `recipes-x/${pn}/${pn}_1.0.bb`), [], loaded.files))).metadata.d;
  };
  return { root, core, build, recipe, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** An empty datastore whose `${@...}` are Python, as a layer written for BitBake has them. */
export function pythonStore(): DataStore {
  const d = new DataStore();
  d.inlineLanguage = "python";
  return d;
}
