// The whole path from `bake TARGET` to installed programs: a layer of small C recipes whose
// DEPENDS form chains, built with the real meta-core classes (fetch, unpack, per-recipe sysroots,
// compile with the host compiler, install), in parallel; then again, with nothing to do.
import test from "ava";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { layerConf, write } from "../helpers/layer.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bake = join(repo, "bin/bake.js");

/** A C library recipe: one source file and a header, a static library installed for others. */
function library(layer: string, name: string, depends: string[], body: string): void {
  const dir = join(layer, `recipes-c/${name}`);
  const includes = depends.map((d) => `#include "${d}.h"\n`).join("");
  write(join(dir, "files", `${name}.h`), `const char *${name}(void);\n`);
  write(join(dir, "files", `${name}.c`), `#include "${name}.h"\n${includes}${body}\n`);
  write(
    join(dir, `${name}_1.0.bb`),
    `SUMMARY = "${name}"
LICENSE = "MIT"
DEPENDS = "${depends.join(" ")}"
SRC_URI = "file://${name}.c file://${name}.h"
S = "\${UNPACKDIR}"

do_compile() {
\trendezvous ${name}
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
}

function fixture(opts: { rendezvous: boolean }) {
  const root = mkdtempSync(join(tmpdir(), "bake-clayer-"));
  const layer = join(root, "meta-ctest");
  const build = join(root, "build");
  write(join(layer, "conf/layer.conf"), layerConf("ctest", 6));
  // libbase and libother have no dependency between them: with two threads their compiles must
  // overlap. Each waits (bounded) until the other has started, which only a parallel run allows.
  write(join(layer, "classes/rendezvous.bbclass"), `RENDEZVOUS_DIR = "\${TOPDIR}/rendezvous"
rendezvous() {
\t[ "\${RENDEZVOUS}" = "1" ] || return 0
\tmkdir -p \${RENDEZVOUS_DIR}
\ttouch \${RENDEZVOUS_DIR}/$1.started
\tcase "$1" in
\tlibbase) other=libother ;;
\tlibother) other=libbase ;;
\t*) return 0 ;;
\tesac
\ti=0
\twhile [ ! -e \${RENDEZVOUS_DIR}/$other.started ]; do
\t\ti=$((i + 1))
\t\t[ $i -lt 600 ] || bbfatal "$other did not start while $1 was compiling: tasks are not running in parallel"
\t\tsleep 0.1
\tdone
}
`);
  library(layer, "libbase", [], 'const char *libbase(void) { return "base"; }');
  library(layer, "libother", [], 'const char *libother(void) { return "other"; }');
  library(layer, "libgreet", ["libbase"], 'const char *libgreet(void) { return libbase(); }');
  const app = join(layer, "recipes-c/app");
  write(join(app, "files/main.c"), `#include <stdio.h>
#include "libgreet.h"
#include "libother.h"
int main(void) { printf("hello from %s and %s\\n", libgreet(), libother()); return 0; }
`);
  write(join(app, "app_1.0.bb"), `SUMMARY = "a program using two libraries"
LICENSE = "MIT"
DEPENDS = "libgreet libother"
SRC_URI = "file://main.c"
S = "\${UNPACKDIR}"

do_compile() {
\t\${CC} \${CFLAGS} -I\${RECIPE_SYSROOT}\${includedir} main.c -L\${RECIPE_SYSROOT}\${libdir} -lgreet -lbase -lother -o app
}

do_install() {
\tinstall -d \${D}\${bindir}
\tinstall -m 0755 app \${D}\${bindir}/
}
`);
  write(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${join(repo, "meta-core")} ${layer}"\n`);
  write(join(build, "conf/local.conf"), ['MACHINE ??= "qemux86-64"', 'INHERIT += "rendezvous"', `RENDEZVOUS = "${opts.rendezvous ? 1 : 0}"`, 'CC = "${BUILD_CC}"', 'AR = "${BUILD_AR}"', 'CFLAGS = "-O2"', 'INHIBIT_DEFAULT_DEPS = "1"', ""].join("\n"));
  return { root, build, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

function run(cwd: string, ...args: string[]) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [bake, "--quiet", ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, BB_NUMBER_THREADS: "2" },
    timeout: 240_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}`, seconds: (Date.now() - started) / 1000 };
}

function logFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (/^log\.do_.*\.\d+$/.test(e.name)) out.push(join(d, e.name));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

test("a chain of C recipes builds in parallel through per-recipe sysroots, then nothing reruns", (t) => {
  const f = fixture({ rendezvous: true });
  t.teardown(f.cleanup);
  const first = run(f.build, "app");
  t.is(first.code, 0, first.out);
  t.log(`first build: ${first.seconds} s`);
  t.regex(first.out, /Tasks Summary: Attempted \d+ tasks of which 0 didn't need to be rerun and all succeeded/);

  const image = spawnSync(join(f.build, "tmp/work/x86_64-bake-linux-musl/app/1.0/image/usr/bin/app"), { encoding: "utf8" });
  t.is(image.stdout, "hello from base and other\n");

  // app's sysroot holds what it DEPENDS on, directly and through libgreet; nothing else.
  const sysroot = join(f.build, "tmp/work/x86_64-bake-linux-musl/app/1.0/recipe-sysroot/usr/include");
  t.deepEqual(readdirSync(sysroot).sort(), ["libbase.h", "libgreet.h", "libother.h"]);

  const logsBefore = logFiles(join(f.build, "tmp/work"));
  const second = run(f.build, "app");
  t.is(second.code, 0, second.out);
  t.log(`second build (nothing to do): ${second.seconds} s`);
  t.regex(second.out, /Tasks Summary: Attempted (\d+) tasks of which \1 didn't need to be rerun and all succeeded/);
  t.deepEqual(logFiles(join(f.build, "tmp/work")), logsBefore, "no task ran a second time");
});

test("an undeclared dependency fails instead of leaking in from another recipe's output", (t) => {
  const f = fixture({ rendezvous: false });
  t.teardown(f.cleanup);
  t.is(run(f.build, "libother").code, 0);
  // libgreet includes libbase.h; without libbase in DEPENDS its sysroot lacks the header.
  const recipe = join(f.root, "meta-ctest/recipes-c/libgreet/libgreet_1.0.bb");
  const text = spawnSync("sed", ["-i", 's/^DEPENDS = "libbase"/DEPENDS = ""/', recipe]);
  t.is(text.status, 0);
  const r = run(f.build, "libgreet");
  t.is(r.code, 1);
  t.regex(r.out, /libgreet-1\.0-r0 do_compile: failed/);
  t.regex(r.out, /libbase\.h: No such file or directory/);
});
