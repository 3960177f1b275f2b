// `bake layers create-layer DIR`: a new layer, as bitbake-layers create-layer makes one: conf/layer.conf
// (collection, pattern, priority, LAYERDEPENDS on core, LAYERSERIES_COMPAT with the core layer's
// series names), a README, COPYING.MIT and an example recipe; --add-layer adds it to conf/bblayers.conf.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { BakeError } from "../common/errors.js";

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    "layer-exists": LayerExists;
  }
}

export interface CreateLayerOptions {
  readonly dir: string;
  readonly layerId?: string;
  readonly priority?: string;
  readonly exampleName?: string;
  readonly exampleVersion?: string;
  /** LAYERSERIES_CORENAMES of the configuration. */
  readonly series: string;
  /** The MIT licence's text, for COPYING.MIT (the core layer's copy), or null for none. */
  readonly mitLicense: string | null;
}

export class LayerExists extends BakeError {
  readonly kind = "layer-exists" as const;
  override readonly name = "LayerExists";
}

function layerConf(id: string, priority: string, series: string): string {
  return `# The layer's classes and conf files are found along BBPATH; its recipes are every
# recipes-*/*/*.bb (and .bbappend) below it.
BBPATH .= ":\${LAYERDIR}"
BBFILES += "\${LAYERDIR}/recipes-*/*/*.bb \\
            \${LAYERDIR}/recipes-*/*/*.bbappend"

BBFILE_COLLECTIONS += "${id}"
BBFILE_PATTERN_${id} = "^\${LAYERDIR}/"
BBFILE_PRIORITY_${id} = "${priority}"

LAYERDEPENDS_${id} = "core"
# The release series of the core layer this layer works with (its LAYERSERIES_CORENAMES).
LAYERSERIES_COMPAT_${id} = "${series}"
`;
}

const EXAMPLE = `SUMMARY = "An example recipe"
DESCRIPTION = "Prints a line when built: replace it with a recipe of your own."
LICENSE = "MIT"

# No sources and nothing to install: a task of its own, in shell, run before do_build.
do_display_banner() {
	bbplain "***********************************************"
	bbplain "*  Example recipe created by bake layers      *"
	bbplain "***********************************************"
}
# It runs alongside do_unpack, which empties UNPACKDIR (and the default directory, B, below it).
do_display_banner[dirs] = "\${T}"
addtask display_banner before do_build
`;

function readme(name: string): string {
  return `This README describes the ${name} layer.

Dependencies: meta-core (LAYERDEPENDS = "core").

Add it to a build directory with:

    bake layers add-layer ${name}

and see docs/writing-recipes.md in bake's repository for how bake recipes differ from OE's.
`;
}

/** Creates the layer; returns its absolute directory. */
export function createLayer(o: CreateLayerOptions, cwd: string): string {
  const dir = resolve(cwd, o.dir);
  if (existsSync(dir)) throw new LayerExists("Specified layer directory exists");
  const name = basename(dir);
  const id = o.layerId ?? name;
  const example = o.exampleName ?? "example";
  mkdirSync(join(dir, "conf"), { recursive: true });
  writeFileSync(join(dir, "conf/layer.conf"), layerConf(id, o.priority ?? "6", o.series));
  writeFileSync(join(dir, "README"), readme(name));
  if (o.mitLicense !== null) writeFileSync(join(dir, "COPYING.MIT"), o.mitLicense);
  const recipeDir = join(dir, `recipes-${example}`, example);
  mkdirSync(recipeDir, { recursive: true });
  writeFileSync(join(recipeDir, `${example}_${o.exampleVersion ?? "0.1"}.bb`), EXAMPLE);
  return dir;
}
