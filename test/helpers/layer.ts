// Writing small layers and build directories for tests that run bake on real metadata.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

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
