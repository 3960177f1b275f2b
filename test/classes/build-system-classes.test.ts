// meta-core's pkgconfig, cmake and meson classes on a small synthetic layer, with the host compiler
// standing in for the cross one (no toolchain needed): the files they generate (the pkg-config
// wrapper, CMake's toolchain file, Meson's cross and native files) and real configure, compile and
// install runs through them, which must find a library and its .pc file in the recipe sysroot and
// nothing of the build host's (the host has zlib's header and zlib.pc; the sysroot has not).
import test from "ava";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bakeIn, buildDir, layerConf, write } from "../helpers/layer.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bake = join(repo, "bin/bake.js");
const root = mkdtempSync(join(tmpdir(), "bake-buildsys-"));
const layer = join(root, "meta-buildsys");
const hostHasZlib = existsSync("/usr/include/zlib.h");
const hasTool = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;

// Target recipes compiled by the build host's tools: what the cross toolchain would be.
const HOST_AS_TARGET = `CC = "\${BUILD_CC}"
CXX = "\${BUILD_CXX}"
AR = "\${BUILD_AR}"
NM = "\${BUILD_NM}"
RANLIB = "\${BUILD_RANLIB}"
STRIP = "\${BUILD_STRIP}"
OBJCOPY = "\${BUILD_OBJCOPY}"
READELF = "\${BUILD_READELF}"
INHIBIT_DEFAULT_DEPS = "1"
LICENSE = "MIT"
LIC_FILES_CHKSUM = "file://\${COMMON_LICENSE_DIR}/MIT;md5=0835ade698e0bcf8506ecda2f7b4f302"
S = "\${UNPACKDIR}"
`;

write(join(layer, "conf/layer.conf"), layerConf("buildsys"));
write(join(layer, "recipes-demo/zfake/files/zfake.c"), "int zfake_answer(void) { return 42; }\n");
write(join(layer, "recipes-demo/zfake/files/zfake.h"), "int zfake_answer(void);\n");
write(
  join(layer, "recipes-demo/zfake/zfake_1.2.bb"),
  `SUMMARY = "A static library with a pkg-config file, in the sysroot only"
${HOST_AS_TARGET}SRC_URI = "file://zfake.c file://zfake.h"
do_compile() {
\t\${CC} \${CFLAGS} -c zfake.c -o zfake.o
\t\${AR} rcs libzfake.a zfake.o
}
do_install() {
\tinstall -d \${D}\${includedir}/zfake \${D}\${libdir}/pkgconfig
\tinstall -m 0644 zfake.h \${D}\${includedir}/zfake/
\tinstall -m 0644 libzfake.a \${D}\${libdir}/
\tcat > \${D}\${libdir}/pkgconfig/zfake.pc <<EOF
Name: zfake
Description: a library of the recipe sysroot
Version: \${PV}
Cflags: -I\${includedir}/zfake -DZFAKE=1
Libs: -L\${libdir} -lzfake
EOF
}
`,
);

const MAIN_C = `#include <stdio.h>\n#include <zfake.h>\nint main(void) { printf("answer %d\\n", zfake_answer()); return 0; }\n`;

write(join(layer, "recipes-demo/pc-demo/pc-demo_1.0.bb"), `SUMMARY = "Asks pkg-config at configure time"
${HOST_AS_TARGET}inherit pkgconfig
DEPENDS = "zfake"
do_configure() {
\tpkg-config --cflags --libs zfake > "\${B}/zfake.flags"
\tpkg-config --modversion zfake > "\${B}/zfake.version"
\tif pkg-config --exists zlib; then echo found > "\${B}/zlib.host"; else echo absent > "\${B}/zlib.host"; fi
\t\${HOST_PREFIX}pkg-config --cflags zfake > "\${B}/zfake.prefixed"
}
B = "\${WORKDIR}/build"
`);

write(join(layer, "recipes-demo/cmake-demo/files/main.c"), MAIN_C);
write(
  join(layer, "recipes-demo/cmake-demo/files/CMakeLists.txt"),
  `cmake_minimum_required(VERSION 3.13)
project(cmdemo C)
include(GNUInstallDirs)
find_path(ZFAKE_INC zfake.h PATH_SUFFIXES zfake)
find_library(ZFAKE_LIB zfake)
find_path(HOST_ZLIB_INC zlib.h)
find_package(PkgConfig REQUIRED)
pkg_check_modules(ZF REQUIRED zfake)
file(WRITE \${CMAKE_BINARY_DIR}/found.txt "inc=\${ZFAKE_INC}\\nlib=\${ZFAKE_LIB}\\nzlib=\${HOST_ZLIB_INC}\\npc=\${ZF_VERSION} \${ZF_INCLUDE_DIRS}\\ncross=\${CMAKE_CROSSCOMPILING}\\n")
add_executable(cmdemo main.c)
target_include_directories(cmdemo PRIVATE \${ZFAKE_INC})
target_link_libraries(cmdemo \${ZFAKE_LIB})
install(TARGETS cmdemo DESTINATION \${CMAKE_INSTALL_BINDIR})
`,
);
write(join(layer, "recipes-demo/cmake-demo/cmake-demo_1.0.bb"), `SUMMARY = "A CMake project"
${HOST_AS_TARGET}SRC_URI = "file://CMakeLists.txt file://main.c"
inherit cmake pkgconfig
DEPENDS = "zfake"
# The host compiler has its own C library, not the recipe sysroot's: searches stay confined to
# the sysroot, the compiler is not pointed at it.
OECMAKE_SYSROOT = ""
EXTRA_OECMAKE = "-DDEMO_OPTION=ON"
`);

write(join(layer, "recipes-demo/meson-demo/files/main.c"), MAIN_C);
write(
  join(layer, "recipes-demo/meson-demo/files/meson.build"),
  `project('mdemo', 'c')
zf = dependency('zfake')
host_zlib = dependency('zlib', method: 'pkg-config', required: false)
configure_file(output: 'found.h', configuration: {'ZFAKE_VERSION': '"' + zf.version() + '"', 'HOST_ZLIB': host_zlib.found(), 'OPT': get_option('demo')})
executable('mdemo', 'main.c', dependencies: zf, install: true)
`,
);
write(join(layer, "recipes-demo/meson-demo/files/meson_options.txt"), "option('demo', type: 'boolean', value: false)\n");
write(join(layer, "recipes-demo/meson-demo/meson-demo_1.0.bb"), `SUMMARY = "A Meson project"
${HOST_AS_TARGET}SRC_URI = "file://meson.build file://meson_options.txt file://main.c"
inherit meson
DEPENDS = "zfake"
EXTRA_OEMESON = "-Ddemo=true"
`);

const build = buildDir(join(root, "build"), [join(repo, "meta-core"), layer], [
  `DL_DIR = "${root}/downloads"`,
  'BB_NUMBER_THREADS = "2"',
  'BB_HASHSERVE = ""',
  'SSTATE_SKIP_CREATION = "1"',
]);

const bakeRun = (...args: string[]): SpawnSyncReturns<string> => bakeIn(build, ...args);

const work = (pn: string) => join(build, "tmp/work/x86_64-bake-linux-musl", pn, "1.0");
const sysroot = (pn: string) => join(work(pn), "recipe-sysroot");
const read = (path: string) => readFileSync(path, "utf8");

test.after.always(() => {
  if (!process.env["BAKE_TEST_KEEP"]) rmSync(root, { recursive: true, force: true });
});

test.serial("pkgconfig: the wrapper answers from the recipe sysroot only, with sysroot-prefixed paths", (t) => {
  const r = bakeRun("-c", "configure", "pc-demo");
  t.is(r.status, 0, r.stdout + r.stderr);
  const b = join(work("pc-demo"), "build");
  t.is(read(join(b, "zfake.flags")).trim(), `-I${sysroot("pc-demo")}/usr/include/zfake -DZFAKE=1 -lzfake`);
  t.is(read(join(b, "zfake.prefixed")).trim(), `-I${sysroot("pc-demo")}/usr/include/zfake -DZFAKE=1`);
  t.is(read(join(b, "zfake.version")).trim(), "1.2");
  // zlib.pc is on the build host and not in the sysroot.
  t.is(read(join(b, "zlib.host")).trim(), "absent");
  const wrapper = read(join(work("pc-demo"), "pkgconfig-wrapper/pkg-config"));
  t.regex(wrapper, new RegExp(`PKG_CONFIG_LIBDIR="${sysroot("pc-demo")}/usr/lib/pkgconfig:${sysroot("pc-demo")}/usr/share/pkgconfig"`));
  t.regex(wrapper, new RegExp(`PKG_CONFIG_SYSROOT_DIR="${sysroot("pc-demo")}"`));
  t.regex(wrapper, /^PKG_CONFIG_PATH=$/m);
  // The wrapper sets its own environment: a caller's PKG_CONFIG_PATH pointing at the host's .pc
  // files changes nothing.
  const hostPath = spawnSync(join(work("pc-demo"), "pkgconfig-wrapper/pkg-config"), ["--exists", "zlib"], {
    env: { PATH: "/usr/bin:/bin", PKG_CONFIG_PATH: "/usr/lib/x86_64-linux-gnu/pkgconfig:/usr/share/pkgconfig" },
  });
  t.is(hostPath.status, 1);
  t.true(existsSync(join(work("pc-demo"), "pkgconfig-wrapper/x86_64-bake-linux-musl-pkg-config")));
});

test.serial("cmake: the toolchain file names the compiler and confines searches to the sysroots", (t) => {
  if (!hasTool("cmake") || !hasTool("ninja")) return t.pass("cmake or ninja is not installed (npm run setup)");
  const r = bakeRun("cmake-demo");
  t.is(r.status, 0, r.stdout + r.stderr);
  const tc = read(join(work("cmake-demo"), "toolchain.cmake"));
  t.regex(tc, /^set\( CMAKE_C_COMPILER gcc \)$/m);
  t.regex(tc, /^set\( CMAKE_SYSTEM_NAME Linux \)$/m);
  t.regex(tc, /^set\( CMAKE_SYSTEM_PROCESSOR x86_64 \)$/m);
  t.regex(tc, /^set\( CMAKE_CROSSCOMPILING TRUE \)$/m);
  t.regex(tc, new RegExp(`^set\\( CMAKE_FIND_ROOT_PATH ${sysroot("cmake-demo")} ${work("cmake-demo")}/recipe-sysroot-native\\s*\\)$`, "m"));
  for (const mode of ["PACKAGE", "LIBRARY", "INCLUDE"]) t.regex(tc, new RegExp(`^set\\( CMAKE_FIND_ROOT_PATH_MODE_${mode} ONLY \\)$`, "m"));
  t.regex(tc, new RegExp(`^set\\( PKG_CONFIG_EXECUTABLE "${work("cmake-demo")}/pkgconfig-wrapper/pkg-config"`, "m"));
  t.regex(tc, /^set\( CMAKE_C_FLAGS "[^"]*-O2 -pipe[^"]*" CACHE STRING "CFLAGS" \)$/m);
  const found = read(join(work("cmake-demo"), "build/found.txt"));
  t.regex(found, new RegExp(`^inc=${sysroot("cmake-demo")}/usr/include/zfake$`, "m"));
  t.regex(found, new RegExp(`^lib=${sysroot("cmake-demo")}/usr/lib/libzfake.a$`, "m"));
  t.regex(found, new RegExp(`^pc=1.2 ${sysroot("cmake-demo")}/usr/include/zfake$`, "m"));
  t.regex(found, /^cross=TRUE$/m);
  if (hostHasZlib) t.regex(found, /^zlib=HOST_ZLIB_INC-NOTFOUND$/m, "the host's /usr/include/zlib.h must not be found");
  // EXTRA_OECMAKE reached cmake, and the program was built, installed and runs.
  t.regex(read(join(work("cmake-demo"), "build/CMakeCache.txt")), /^DEMO_OPTION:UNINITIALIZED=ON$/m);
  const exe = join(work("cmake-demo"), "image/usr/bin/cmdemo");
  t.is(spawnSync(exe, { encoding: "utf8" }).stdout, "answer 42\n");
});

test.serial("meson: cross and native files; dependency() finds the sysroot's .pc, not the host's", (t) => {
  if (!hasTool("meson") || !hasTool("ninja")) return t.pass("meson or ninja is not installed (npm run setup)");
  const r = bakeRun("meson-demo");
  t.is(r.status, 0, r.stdout + r.stderr);
  const cross = read(join(work("meson-demo"), "meson.cross"));
  t.regex(cross, /^c = \['gcc'\]$/m);
  t.regex(cross, /^ar = \['ar'\]$/m);
  t.regex(cross, /^c_args = \['-O2', '-pipe', /m);
  t.regex(cross, new RegExp(`^pkg-config = '${work("meson-demo")}/pkgconfig-wrapper/pkg-config'$`, "m"));
  t.regex(cross, new RegExp(`^sys_root = '${sysroot("meson-demo")}'$`, "m"));
  t.regex(cross, /^\[host_machine\]\nsystem = 'linux'\ncpu_family = 'x86_64'\ncpu = 'x86_64'\nendian = 'little'$/m);
  t.regex(cross, /^needs_exe_wrapper = true$/m);
  const native = read(join(work("meson-demo"), "meson.native"));
  t.regex(native, /^c = \['gcc'\]$/m);
  t.regex(native, new RegExp(`^pkg-config = '${work("meson-demo")}/pkgconfig-wrapper/pkg-config-native'$`, "m"));
  const found = read(join(work("meson-demo"), "build/found.h"));
  t.regex(found, /^#define ZFAKE_VERSION "1.2"$/m);
  t.regex(found, /^#undef HOST_ZLIB$/m);
  t.regex(found, /^#define OPT$/m, "EXTRA_OEMESON reached meson setup");
  const options = JSON.parse(read(join(work("meson-demo"), "build/meson-info/intro-buildoptions.json"))) as { name: string; value: unknown }[];
  t.is(options.find((o) => o.name === "prefix")?.value, "/usr");
  t.is(options.find((o) => o.name === "buildtype")?.value, "plain");
  const exe = join(work("meson-demo"), "image/usr/bin/mdemo");
  t.is(spawnSync(exe, { encoding: "utf8" }).stdout, "answer 42\n");
});
