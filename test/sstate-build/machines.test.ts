// Two machines in one build: native recipes are built once and shared (their output runs on the
// build host, whatever the machine), target recipes once per machine, each in its own sysroot
// component directory, so switching MACHINE back and forth in one TMPDIR rebuilds nothing and
// mixes nothing. On the shipped layers, every task of every native recipe of the toolchain has the
// same signature for qemux86-64 and qemuarm64.
import test from "ava";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildDir } from "../helpers/layer.js";
import { fixture, repo, runBake, trace, write } from "./fixture.js";

const hostArch = process.arch === "x64" ? "x86_64" : process.arch === "arm64" ? "aarch64" : process.arch;

/** tool-native (a host program), thing (target, runs the tool) and user (target, reads thing). */
function machineLayer(layer: string): void {
  write(join(layer, "recipes-m/tool/files/tool.c"), '#include <stdio.h>\nint main(int c, char **v) { printf("tool saw %s\\n", c > 1 ? v[1] : "?"); return 0; }\n');
  write(join(layer, "recipes-m/tool/tool-native_1.0.bb"), `SUMMARY = "a program for the build host"
LICENSE = "MIT"
inherit native
SRC_URI = "file://tool.c"
S = "\${UNPACKDIR}"
do_compile() {
\techo "\${PN}:do_compile" >> \${TOPDIR}/trace
\t\${BUILD_CC} -O2 -o tool tool.c
}
do_install() {
\techo "\${PN}:do_install" >> \${TOPDIR}/trace
\tinstall -d \${D}\${bindir}
\tinstall -m 0755 tool \${D}\${bindir}/
}
`);
  write(join(layer, "recipes-m/thing/thing_1.0.bb"), `SUMMARY = "made by tool-native, for the machine's architecture"
LICENSE = "MIT"
INHIBIT_DEFAULT_DEPS = "1"
DEPENDS = "tool-native"
do_compile() {
\techo "\${PN}:do_compile" >> \${TOPDIR}/trace
\ttool \${TARGET_ARCH} > thing.out
}
do_install() {
\techo "\${PN}:do_install" >> \${TOPDIR}/trace
\tinstall -d \${D}\${datadir}/thing
\tinstall -m 0644 thing.out \${D}\${datadir}/thing/
}
`);
  write(join(layer, "recipes-m/user/user_1.0.bb"), `SUMMARY = "reads thing from its sysroot"
LICENSE = "MIT"
INHIBIT_DEFAULT_DEPS = "1"
DEPENDS = "thing"
do_compile() {
\techo "\${PN}:do_compile" >> \${TOPDIR}/trace
\t{ echo "user for \${TARGET_ARCH}"; cat \${RECIPE_SYSROOT}\${datadir}/thing/thing.out; } > user.out
}
do_install() {
\techo "\${PN}:do_install" >> \${TOPDIR}/trace
\tinstall -d \${D}\${datadir}/user
\tinstall -m 0644 user.out \${D}\${datadir}/user/
}
`);
}

const userOut = (build: string, arch: string) => readFileSync(join(build, `tmp/sysroots-components/${arch}/user/usr/share/user/user.out`), "utf8");

test("switching MACHINE rebuilds no native recipe, and each machine keeps its own target output", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  machineLayer(f.layer);
  const sstate = join(f.root, "sstate");
  const build = f.buildDir("build", [`SSTATE_DIR = "${sstate}"`, 'BB_HASHSERVE = ""']);

  const x86 = await runBake(f, build, ["user"], { MACHINE: "qemux86-64" });
  t.is(x86.code, 0, x86.out);
  t.deepEqual(trace(build), ["thing:do_compile", "thing:do_install", "tool-native:do_compile", "tool-native:do_install", "user:do_compile", "user:do_install"]);
  t.is(userOut(build, "x86_64"), "user for x86_64\ntool saw x86_64\n");

  write(join(build, "trace"), "");
  const arm = await runBake(f, build, ["user"], { MACHINE: "qemuarm64" });
  t.is(arm.code, 0, arm.out);
  t.deepEqual(trace(build), ["thing:do_compile", "thing:do_install", "user:do_compile", "user:do_install"], "tool-native is not built again");
  t.is(userOut(build, "aarch64"), "user for aarch64\ntool saw aarch64\n");
  t.true(existsSync(join(build, `tmp/sysroots-components/${hostArch}/tool-native/usr/bin/tool`)));

  // Back to the first machine: everything is current, and its components were left alone.
  write(join(build, "trace"), "");
  const back = await runBake(f, build, ["user"], { MACHINE: "qemux86-64" });
  t.is(back.code, 0, back.out);
  t.deepEqual(trace(build), []);
  t.regex(back.out, /Attempted (\d+) tasks of which \1 didn't need to be rerun/);
  t.is(userOut(build, "x86_64"), "user for x86_64\ntool saw x86_64\n");

  // Another build directory for the second machine: the native recipe comes from shared state.
  const other = f.buildDir("other", [`SSTATE_DIR = "${sstate}"`, 'BB_HASHSERVE = ""']);
  const restored = await runBake(f, other, ["user"], { MACHINE: "qemuarm64" });
  t.is(restored.code, 0, restored.out);
  t.deepEqual(trace(other), [], "every task restored, tool-native included");
  t.regex(restored.out, /tool-native:do_populate_sysroot: restored from shared state \(local\)/);
});

/** The signature files -S wrote for the tasks of native recipes: "recipe/version.task.sigdata.hash". */
function nativeSignatures(build: string): string[] {
  const dir = join(build, `tmp/stamps/${hostArch}-linux`);
  return readdirSync(dir)
    .filter((pn) => pn.endsWith("-native"))
    .flatMap((pn) => readdirSync(join(dir, pn)).filter((f) => f.includes(".sigdata.")).map((f) => `${pn}/${f}`))
    .sort();
}

test("the shipped toolchain's native recipes have the same signatures for qemux86-64 and qemuarm64", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const layers = ["meta-core", "meta-bootstrap"].map((l) => join(repo, l));
  const signatures = async (machine: string) => {
    const build = buildDir(join(f.root, machine), layers, [`MACHINE = "${machine}"`, `DL_DIR = "${join(f.root, "downloads")}"`]);
    const arch = machine === "qemuarm64" ? "aarch64" : "x86_64";
    const r = await runBake(f, build, ["-S", "none", `gcc-cross-${arch}`]);
    t.is(r.code, 0, r.out);
    return nativeSignatures(build);
  };
  const x86 = await signatures("qemux86-64");
  const arm = await signatures("qemuarm64");
  for (const pn of ["gmp-native", "mpfr-native", "mpc-native"]) {
    t.true(x86.some((s) => s.startsWith(`${pn}/`) && s.includes(".do_populate_sysroot.sigdata.")), `${pn} has signatures`);
  }
  t.deepEqual(arm, x86);
});
