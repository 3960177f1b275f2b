// Task dependencies and basehashes on the real datastore, from metadata files evaluated by
// lib/evaluate: what the signature stage will see in a build.

import test from "ava";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { loadConfiguration, parseRecipe } from "../../lib/evaluate/index.js";
import { computeBaseHash, taskDependencies, type TaskDependencies } from "../../lib/signature/index.js";

const files: Record<string, string> = {
  "conf/base.conf": [
    'BB_BASEHASH_IGNORE_VARS = "PATH TOPDIR TMPDIR"',
    'PATH = "/usr/bin:/bin"',
    "export PATH",
    'TMPDIR = "${TOPDIR}/tmp"',
    'OVERRIDES = "arm"',
    'DISTRO_FEATURES = "x11 ipv6"',
    "",
  ].join("\n"),
  "classes/base.bbclass": "",
  "recipes/foo_1.0.bb": [
    'CFLAGS = "-O2"',
    'CFLAGS:append:arm = " ${ARM_FLAGS}"',
    'ARM_FLAGS = "-marm"',
    'PKGS = "a b c"',
    'PKGS:remove = "${DROPPED}"',
    'DROPPED = "b"',
    'export CC = "gcc"',
    'WORK = "${TMPDIR}/work"',
    "helper() {",
    "\tmake ${CFLAGS} -C ${WORK}",
    "}",
    "do_compile() {",
    "\thelper",
    "\techo ${PKGS} ${@bb.utils.contains('DISTRO_FEATURES', 'x11', 'gui', '', d)}",
    "}",
    "js do_report() {",
    "  const v = d.getVar('REPORT_DIR');",
    "  bb.build.exec_func('helper', d);",
    "}",
    'REPORT_DIR = "/reports"',
    "addtask compile",
    "addtask report after do_compile",
    "",
  ].join("\n"),
};

function withRecipe(topdir: string, edit: (f: Record<string, string>) => void = () => {}): Map<string, TaskDependencies> {
  const dir = mkdtempSync(join(tmpdir(), "bake-signature-"));
  try {
    const all = { ...files };
    edit(all);
    for (const [path, text] of Object.entries(all)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const config = loadConfiguration({ vars: { BBPATH: dir, TOPDIR: topdir }, confFiles: ["conf/base.conf"] });
    const parsed = parseRecipe(config, join(dir, "recipes/foo_1.0.bb"), []);
    return taskDependencies(parsed.metadata.d, ["do_compile", "do_report"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("shell and js tasks on evaluated metadata", (t) => {
  const deps = withRecipe("/build/one");
  t.deepEqual(deps.get("do_compile")!.deps, ["ARM_FLAGS", "CC", "CFLAGS", "DROPPED", "PKGS", "WORK", "helper"]);
  t.true(deps.get("do_compile")!.code!.endsWith("\nDISTRO_FEATURES{x11} = Set"));
  t.is(deps.get("do_compile")!.values.get("CFLAGS"), "-O2 ${ARM_FLAGS}");
  t.is(deps.get("do_compile")!.values.get("PKGS"), "a b c\n_remove of ${DROPPED}");
  // The js task gets no exported variables of its own, but the shell function it runs does.
  t.deepEqual(deps.get("do_report")!.deps, ["ARM_FLAGS", "CC", "CFLAGS", "REPORT_DIR", "WORK", "helper"]);
});

test("basehashes do not depend on the build directory, and move with what the task reads", (t) => {
  const one = withRecipe("/build/one");
  const two = withRecipe("/elsewhere/two");
  for (const task of ["do_compile", "do_report"]) {
    t.is(computeBaseHash(two.get(task)!), computeBaseHash(one.get(task)!), task);
  }
  const changed = withRecipe("/build/one", (f) => {
    f["recipes/foo_1.0.bb"] = f["recipes/foo_1.0.bb"]!.replace('ARM_FLAGS = "-marm"', 'ARM_FLAGS = "-mthumb"');
  });
  t.not(computeBaseHash(changed.get("do_compile")!), computeBaseHash(one.get("do_compile")!));
  const unrelated = withRecipe("/build/one", (f) => {
    f["recipes/foo_1.0.bb"] += 'UNRELATED = "x"\n';
  });
  t.is(computeBaseHash(unrelated.get("do_compile")!), computeBaseHash(one.get("do_compile")!));
});
