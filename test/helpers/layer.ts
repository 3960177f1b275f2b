// Writing small layers and build directories for tests that run bake on real metadata.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const bake = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "bin/bake.js");

export function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** A layer.conf for collection `name` that depends on meta-core and takes recipes and bbappends. */
export function layerConf(name: string, priority = 6, depends = "core"): string {
  return [
    'BBPATH .= ":${LAYERDIR}"',
    'BBFILES += "${LAYERDIR}/recipes-*/*/*.bb ${LAYERDIR}/recipes-*/*/*.bbappend"',
    `BBFILE_COLLECTIONS += "${name}"`,
    `BBFILE_PATTERN_${name} = "^\${LAYERDIR}/"`,
    `BBFILE_PRIORITY_${name} = "${priority}"`,
    `LAYERDEPENDS_${name} = "${depends}"`,
    `LAYERSERIES_COMPAT_${name} = "ember"`,
    "",
  ].join("\n");
}

/** A build directory at `dir` with these layers and local.conf lines (MACHINE and DISTRO first). */
export function buildDir(dir: string, layers: readonly string[], localConf: readonly string[]): string {
  write(join(dir, "conf/bblayers.conf"), ['BBPATH = "${TOPDIR}"', 'BBFILES ?= ""', `BBLAYERS = "${layers.join(" ")}"`, ""].join("\n"));
  write(join(dir, "conf/local.conf"), ['MACHINE ??= "qemux86-64"', 'DISTRO ??= "bake"', ...localConf, ""].join("\n"));
  return dir;
}

/** bake with these arguments in build directory `build`, with a config home (signing key) of its own. */
export function bakeIn(build: string, ...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [bake, ...args], {
    cwd: build,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, XDG_CONFIG_HOME: join(build, "xdg") },
  });
}
