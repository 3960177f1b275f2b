// A layer for icecc tests: `cwork`, a target recipe whose Makefile compiles a dozen C files into a
// static library (enough parallel compile jobs for a cluster to take some), and, for tests that
// cannot wait for bake's cross toolchain, `hostgcc-cross-<arch>`, which provides the cross compiler
// by copying the host's gcc driver (and ar) under the target's names, with its cc1 and own headers
// where the relocated driver looks for them (the assembler it finds on PATH, as the host's gcc does).
import { join } from "node:path";
import { layerConf, write } from "./layer.js";

export const CWORK_FILES = 12;

/** The C sources of cwork: no system headers, so any gcc for x86-64 compiles them, sysroot or not. */
function cworkSources(dir: string): string[] {
  const names: string[] = [];
  for (let i = 0; i < CWORK_FILES; i++) {
    const name = `part${String(i).padStart(2, "0")}`;
    names.push(name);
    // Loops the optimiser unrolls and vectorises: some compile time, code that differs per file.
    write(
      join(dir, `${name}.c`),
      [
        `#define SCALE ${i + 3}u`,
        `static const char where[] = __FILE__;`,
        `unsigned ${name}_mix(const unsigned *v, unsigned n) {`,
        `  unsigned h = 2166136261u ^ (unsigned)sizeof where;`,
        `  for (unsigned k = 0; k < n; k++) h = (h ^ v[k] * SCALE) * 16777619u + (h >> ${(i % 7) + 3});`,
        `  return h;`,
        `}`,
        `void ${name}_fill(unsigned *v, unsigned n) { for (unsigned k = 0; k < n; k++) v[k] = k * SCALE + ${i}u; }`,
        "",
      ].join("\n"),
    );
  }
  write(
    join(dir, "Makefile"),
    [
      `OBJS = ${names.map((n) => `${n}.o`).join(" ")}`,
      "libcwork.a: $(OBJS)",
      "\t$(AR) rcsD $@ $(OBJS)",
      "%.o: %.c",
      "\t$(CC) $(CFLAGS) -c $< -o $@",
      "",
    ].join("\n"),
  );
  return [...names.map((n) => `${n}.c`), "Makefile"];
}

/** Writes meta-icecc-test at `layer`; `hostCompiler` adds the host-gcc stand-in for the cross toolchain. */
export function writeIceccTestLayer(layer: string, opts: { hostCompiler: boolean }): void {
  write(join(layer, "conf/layer.conf"), layerConf("icecctest", 7));
  const files = cworkSources(join(layer, "recipes-test/cwork/files"));
  write(
    join(layer, "recipes-test/cwork/cwork_1.0.bb"),
    [
      'SUMMARY = "A static library of a dozen C files, built with make"',
      'LICENSE = "MIT"',
      `SRC_URI = "${files.map((f) => `file://${f}`).join(" ")}"`,
      'S = "${UNPACKDIR}"',
      // Only the compiler: the sources include nothing of a C library.
      'INHIBIT_DEFAULT_DEPS = "1"',
      'DEPENDS = "virtual/${TARGET_PREFIX}gcc"',
      "",
      "do_install() {",
      "\tinstall -d ${D}${libdir}",
      "\tinstall -m 0644 libcwork.a ${D}${libdir}/",
      "}",
      "",
    ].join("\n"),
  );
  if (!opts.hostCompiler) return;
  write(
    join(layer, "recipes-test/hostgcc/hostgcc-cross.bb"),
    [
      'SUMMARY = "The host gcc under the cross compiler\'s names: a stand-in for gcc-cross in tests"',
      'LICENSE = "MIT"',
      "inherit cross",
      'PN = "hostgcc-cross-${TARGET_ARCH}"',
      'PROVIDES = "virtual/${TARGET_PREFIX}gcc virtual/${TARGET_PREFIX}binutils"',
      'HOSTTOOLS += "ar"',
      "do_install() {",
      "\tinstall -d ${D}${bindir}",
      '\tcp "$(command -v gcc)" ${D}${bindir}/${TARGET_PREFIX}gcc',
      '\tcp "$(command -v ar)" ${D}${bindir}/${TARGET_PREFIX}ar',
      '\tlibexec=${D}${libdir}/gcc/$(gcc -dumpmachine)/$(gcc -dumpversion)',
      '\tinstall -d "$libexec"',
      '\tcp "$(gcc -print-prog-name=cc1)" "$libexec/cc1"',
      '\tcp -R "$(gcc -print-file-name=include)" "$libexec/include"',
      "}",
      "",
    ].join("\n"),
  );
}

/** local.conf lines choosing the host-gcc stand-in as the cross toolchain. */
export const HOST_COMPILER_CONF = [
  'PREFERRED_PROVIDER_virtual/${TARGET_PREFIX}gcc = "hostgcc-cross-${TARGET_ARCH}"',
  'PREFERRED_PROVIDER_virtual/${TARGET_PREFIX}binutils = "hostgcc-cross-${TARGET_ARCH}"',
] as const;
