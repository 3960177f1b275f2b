// A layer written for BitBake whose configuration can be kept between runs: conf/bitbake.conf with
// Python `${@...}` that reads only the datastore (PN and PV from the file name), a base class with a
// `def` and `${@...}` calling a library added with addpylib, and no event handler.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { write } from "./layer.js";

/** The layer (`core`) and a build directory using it (`build`); `extra` adds or replaces files of the layer. */
export function keptPythonLayer(bitbakeConf: readonly string[] = [], baseClass: readonly string[] = [], extra: Record<string, string> = {}) {
  const root = mkdtempSync(join(tmpdir(), "bake-configuration-cache-python-"));
  const core = join(root, "meta-py");
  const files: Record<string, string> = {
    "conf/layer.conf": [
      'BBPATH .= ":${LAYERDIR}"',
      'BBFILES += "${LAYERDIR}/recipes-*/*/*.bb"',
      'BBFILE_COLLECTIONS += "py"',
      'BBFILE_PATTERN_py = "^${LAYERDIR}/"',
      'BBFILE_PRIORITY_py = "5"',
      'LAYERSERIES_CORENAMES = "tiny"',
      'LAYERSERIES_COMPAT_py = "tiny"',
      "addpylib ${LAYERDIR}/lib pylib",
      "",
    ].join("\n"),
    "conf/bitbake.conf": [
      'PN = "${@bb.parse.vars_from_file(d.getVar(\'FILE\', False), d)[0] or \'defaultpkgname\'}"',
      'PV = "${@bb.parse.vars_from_file(d.getVar(\'FILE\', False), d)[1] or \'1.0\'}"',
      // Expanded while the configuration is read (its PN from the file name): a result that read d alone.
      'OVERRIDES = "linux:pn-${PN}:${MACHINE}"',
      'MACHINE ??= "qemux86-64"',
      'TMPDIR = "${TOPDIR}/tmp"',
      'STAMP = "${TMPDIR}/stamps/${PN}"',
      'T = "${TMPDIR}/work/${PN}/temp"',
      'WORKDIR = "${TMPDIR}/work/${PN}"',
      ...bitbakeConf,
      "",
    ].join("\n"),
    "classes/base.bbclass": [
      "def greeting_of(d):",
      "    return pylib.util.greet(d.getVar('PN'))",
      "",
      'GREETING = "${@greeting_of(d)}"',
      'SHOUT = "${@pylib.util.shout(d.getVar(\'PV\'))}"',
      ...baseClass,
      "",
    ].join("\n"),
    "lib/pylib/__init__.py": 'BBIMPORTS = ["util"]\n',
    "lib/pylib/util.py": "def greet(pn):\n    return 'hello ' + pn\n\ndef shout(text):\n    return text.upper() + '!'\n",
    "recipes-x/hello/hello_2.5.bb": 'DESCRIPTION = "${PN} ${PV}"\n',
    ...extra,
  };
  for (const [path, text] of Object.entries(files)) write(join(core, path), text);
  const build = join(root, "build");
  write(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${core}"\n`);
  return { root, core, build, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
