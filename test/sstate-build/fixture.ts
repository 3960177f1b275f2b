// A small layer of shell-only recipes a <- b <- c (DEPENDS chain) on the real meta-core classes,
// build directories sharing (or not) an SSTATE_DIR, and a way to run bake without blocking the
// test's event loop (a test may serve a mirror over HTTP meanwhile). Tasks append `PN:task` to
// ${TOPDIR}/trace, so a test asserts exactly which ran.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bake = join(repo, "bin/bake.js");

export function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function recipe(layer: string, name: string, depends: string[]): void {
  const dir = join(layer, `recipes-st/${name}`);
  write(join(dir, "files", `${name}.txt`), `data of ${name}\n`);
  write(
    join(dir, `${name}_1.0.bb`),
    `SUMMARY = "${name}"
LICENSE = "MIT"
INHIBIT_DEFAULT_DEPS = "1"
DEPENDS = "${depends.join(" ")}"
SRC_URI = "file://${name}.txt"
S = "\${UNPACKDIR}"

do_compile() {
\techo "\${PN}:do_compile" >> \${TOPDIR}/trace
\t# a comment
\tcat ${name}.txt > ${name}.out
\tif [ -d \${RECIPE_SYSROOT}\${datadir} ]; then ls \${RECIPE_SYSROOT}\${datadir} >> ${name}.out; fi
}

do_install() {
\techo "\${PN}:do_install" >> \${TOPDIR}/trace
\tinstall -d \${D}\${datadir}/${name}
\tinstall -m 0644 ${name}.out \${D}\${datadir}/${name}/
}
`,
  );
}

/**
 * A recipe compiled with the host compiler (BUILD_CC) that installs only into ${D}${bindir}: its
 * sysroot output is empty, the same for every such recipe (issue 13's four-recipe chain).
 */
function ccRecipe(layer: string, name: string, depends: string[], share: boolean): void {
  const dir = join(layer, `recipes-st/${name}`);
  write(join(dir, "files", `${name}.c`), `#include <stdio.h>\nint main(void) { puts("${name}"); return 0; }\n`);
  write(
    join(dir, `${name}_1.0.bb`),
    `SUMMARY = "${name}"
LICENSE = "MIT"
INHIBIT_DEFAULT_DEPS = "1"
DEPENDS = "${depends.join(" ")}"
SRC_URI = "file://${name}.c"
S = "\${UNPACKDIR}"

do_compile() {
\techo "\${PN}:do_compile" >> \${TOPDIR}/trace
\t\${BUILD_CC} -O2 -o ${name} ${name}.c
}

do_install() {
\techo "\${PN}:do_install" >> \${TOPDIR}/trace
\tinstall -d \${D}\${bindir}
\tinstall -m 0755 ${name} \${D}\${bindir}/
${share ? `\tinstall -d \${D}\${datadir}/${name}\n\tinstall -m 0755 ${name} \${D}\${datadir}/${name}/\n` : ""}}
`,
  );
}

export interface FixtureOptions {
  /** Host-cc recipes in a DEPENDS chain (first has none) instead of the shell-only a <- b <- c. */
  readonly ccChain?: readonly string[];
  /** The cc recipes also install their program into ${datadir}, so their sysroot object holds a compiled file. */
  readonly ccShare?: boolean;
}

export interface Fixture {
  readonly root: string;
  readonly layer: string;
  /** A build directory with this local.conf (SSTATE_DIR etc.). */
  buildDir(name: string, localConf: string[]): string;
  cleanup(): void;
}

export function fixture(o: FixtureOptions = {}): Fixture {
  const root = mkdtempSync(join(tmpdir(), "bake-sstate-"));
  const layer = join(root, "meta-st");
  write(join(layer, "conf/layer.conf"), [
    'BBPATH .= ":${LAYERDIR}"',
    'BBFILES += "${LAYERDIR}/recipes-*/*/*.bb"',
    'BBFILE_COLLECTIONS += "st"',
    'BBFILE_PATTERN_st = "^${LAYERDIR}/"',
    'BBFILE_PRIORITY_st = "6"',
    'LAYERDEPENDS_st = "core"',
    'LAYERSERIES_COMPAT_st = "ember"',
    "",
  ].join("\n"));
  if (o.ccChain) o.ccChain.forEach((name, i) => ccRecipe(layer, name, i === 0 ? [] : [o.ccChain![i - 1]!], o.ccShare ?? false));
  else {
    recipe(layer, "a", []);
    recipe(layer, "b", ["a"]);
    recipe(layer, "c", ["b"]);
  }
  return {
    root,
    layer,
    buildDir(name, localConf) {
      const build = join(root, name);
      write(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${join(repo, "meta-core")} ${layer}"\n`);
      write(join(build, "conf/local.conf"), ['MACHINE ??= "qemux86-64"', ...localConf, ""].join("\n"));
      return build;
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export interface Run {
  readonly code: number | null;
  readonly out: string;
}

/** bake in `cwd`, asynchronously; XDG_CONFIG_HOME points into the fixture (the user's key). */
export function runBake(f: Fixture, cwd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [bake, ...args], {
      cwd,
      env: { ...process.env, BB_NUMBER_THREADS: "1", XDG_CONFIG_HOME: join(f.root, "xdg"), ...env },
    });
    let out = "";
    child.stdout.on("data", (b) => (out += b));
    child.stderr.on("data", (b) => (out += b));
    // Only against a hang: on two cores shared by many, a 30-task build has taken over 120 s.
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, out });
    });
  });
}

/** The tasks that ran, from ${TOPDIR}/trace. */
export function trace(build: string): string[] {
  const path = join(build, "trace");
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean).sort() : [];
}
