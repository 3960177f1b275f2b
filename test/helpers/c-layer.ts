// A generated layer of C library recipes compiled with the host compiler, and a program linking
// them all: a real build of any size for tests and for the build report's screenshot.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDir, layerConf, write } from "./layer.js";

export interface CLayerBuild {
  readonly root: string;
  readonly build: string;
  /** The program's recipe: building it builds every library. */
  readonly target: string;
  readonly cleanup: () => void;
}

/**
 * `libraries` recipes lib00… each depending on up to two earlier ones (a fixed pattern, so chains
 * and fans both appear), each a C file of `functions` functions (more: longer compiles).
 */
export function generatedCLayer(repo: string, opts: { libraries: number; functions?: number }): CLayerBuild {
  const root = mkdtempSync(join(tmpdir(), "bake-gen-clayer-"));
  const layer = join(root, "meta-gen");
  write(join(layer, "conf/layer.conf"), layerConf("gen", 6));
  const names = Array.from({ length: opts.libraries }, (_, i) => `lib${String(i).padStart(2, "0")}`);
  const functions = opts.functions ?? 20;
  names.forEach((name, i) => {
    const deps = [...new Set([i >= 1 ? names[Math.floor(i / 2)] : null, i >= 3 ? names[i - 3] : null])].filter((d): d is string => d !== null && d !== name);
    const body = Array.from(
      { length: functions },
      (_, f) => `static unsigned ${name}_f${f}(unsigned x) { for (unsigned k = 0; k < ${f + 3}u; k++) x = x * 2654435761u + (x >> ${(f % 13) + 1}); return x; }`,
    ).join("\n");
    const calls = Array.from({ length: functions }, (_, f) => `${name}_f${f}(s)`).join(" ^ ");
    const dir = join(layer, `recipes-gen/${name}`);
    write(join(dir, "files", `${name}.h`), `unsigned ${name}(unsigned);\n`);
    write(
      join(dir, "files", `${name}.c`),
      `${deps.map((d) => `#include "${d}.h"\n`).join("")}#include "${name}.h"\n${body}\nunsigned ${name}(unsigned s) { return ${[calls, ...deps.map((d) => `${d}(s)`)].join(" ^ ")}; }\n`,
    );
    write(
      join(dir, `${name}_1.0.bb`),
      `SUMMARY = "${name}"
LICENSE = "MIT"
DEPENDS = "${deps.join(" ")}"
SRC_URI = "file://${name}.c file://${name}.h"
S = "\${UNPACKDIR}"

do_compile() {
\t\${CC} \${CFLAGS} -I\${RECIPE_SYSROOT}\${includedir} -c ${name}.c -o ${name}.o
\t\${AR} rcs ${name}.a ${name}.o
}

do_install() {
\tinstall -d \${D}\${includedir} \${D}\${libdir}
\tinstall -m 0644 ${name}.h \${D}\${includedir}/
\tinstall -m 0644 ${name}.a \${D}\${libdir}/
}
`,
    );
  });
  const app = join(layer, "recipes-gen/genapp");
  write(
    join(app, "files/main.c"),
    `#include <stdio.h>\n${names.map((n) => `#include "${n}.h"\n`).join("")}int main(void) { unsigned s = 1;\n${names.map((n) => `  s ^= ${n}(s);\n`).join("")}  printf("%u\\n", s); return 0; }\n`,
  );
  // Static libraries in reverse order of dependency, so each one's needs come after it.
  write(
    join(app, "genapp_1.0.bb"),
    `SUMMARY = "a program linking every generated library"
LICENSE = "MIT"
DEPENDS = "${names.join(" ")}"
SRC_URI = "file://main.c"
S = "\${UNPACKDIR}"

do_compile() {
\t\${CC} \${CFLAGS} -I\${RECIPE_SYSROOT}\${includedir} main.c -L\${RECIPE_SYSROOT}\${libdir} ${names.map((n) => `\${RECIPE_SYSROOT}\${libdir}/${n}.a`).reverse().join(" ")} -o genapp
}

do_install() {
\tinstall -d \${D}\${bindir}
\tinstall -m 0755 genapp \${D}\${bindir}/
}
`,
  );
  const build = buildDir(join(root, "build"), [join(repo, "meta-core"), layer], [
    'CC = "${BUILD_CC}"',
    'AR = "${BUILD_AR}"',
    'CFLAGS = "-O2"',
    'INHIBIT_DEFAULT_DEPS = "1"',
  ]);
  return { root, build, target: "genapp", cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
