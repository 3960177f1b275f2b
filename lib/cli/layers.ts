// `bake layers show-layers | show-recipes | show-appends | show-overlayed | show-cross-depends |
// create-layer | add-layer | remove-layer` (bitbake-layers, with its formats), and the layer set-up
// commands from layers/layers.json (fetch | lock | status).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ConfigurationError } from "../config/index.js";
import { which } from "../evaluate/index.js";
import { parseText, type Assignment } from "../parse/index.js";
import { BLOCK_BEGIN, BLOCK_END } from "../setup/index.js";
import { buildDirectory, loadConfiguration, UsageError, type CommonOptions } from "./context.js";
import { createLayer, LayerExists } from "./create-layer.js";
import { layersSetupCommand } from "./layers-setup.js";
import { showAppends, showCrossDepends, showLayers, showOverlayed, showRecipes, type LayerQuery } from "./layers-query.js";
import { prepare } from "./prepare.js";

const HELP = `usage: bake layers COMMAND

  show-layers (or show)     the layers of this build: name, path, priority
  show-recipes [-f] [-r] [-m] [-b] [-i CLASS,…] [-l LAYER] [PN…]
                            recipes (PN: shell wildcards) and their versions in each layer
  show-appends [PN…]        the bbappends applied to each recipe
  show-overlayed [-f] [-s]  recipes and classes in more than one layer (-s: the same version; -f: files)
  show-cross-depends [-f] [-i LAYER,…]
                            dependencies of one layer's recipes, classes, includes on another's files
  create-layer DIR [-a] [-i ID] [-p PRIORITY] [-e NAME] [-v VERSION]
                            a new layer (conf/layer.conf, README, an example recipe); -a adds it
  add-layer DIR…            add layers to conf/bblayers.conf (checked before writing)
  remove-layer DIR|NAME…    remove layers from conf/bblayers.conf
  fetch | lock | status     check out the layers of layers/layers.json at their pinned revisions
`;

// The configuration is loaded through the CLI's loader, which starts Python when the layers are BitBake's
// (openembedded-core's layer.conf expands ${@…} with :=).
async function show(common: CommonOptions): Promise<number> {
  const config = await loadConfiguration(common, true);
  const layers = config.layers.map((l) => ({ name: l.name, dir: config.layerDirs.find((d) => new RegExp(l.pattern).test(`${d}/`)) ?? "?", priority: l.priority }));
  for (const line of showLayers(layers)) console.log(line);
  return 0;
}

/** The parsed recipes, for the commands that ask about them. */
async function layerQuery(common: CommonOptions): Promise<{ query: LayerQuery; appends: ReadonlyMap<string, readonly string[]> }> {
  const prepared = await prepare(common);
  const d = prepared.config.metadata.d;
  const query = {
    infos: prepared.recipes.infos,
    index: prepared.index,
    prefs: prepared.prefs,
    layerDirs: prepared.config.layerDirs,
    bbpath: d.getVar("BBPATH") ?? "",
    globalInherits: (d.getVar("INHERIT") ?? "").split(/\s+/).filter(Boolean),
  };
  return { query, appends: prepared.collection.appends };
}

async function showRecipesCommand(argv: string[], common: CommonOptions): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      filenames: { type: "boolean", short: "f" },
      "recipes-only": { type: "boolean", short: "r" },
      multiple: { type: "boolean", short: "m" },
      inherits: { type: "string", short: "i" },
      layer: { type: "string", short: "l" },
      bare: { type: "boolean", short: "b" },
    },
  });
  const { query } = await layerQuery(common);
  const lines = showRecipes(query, {
    pnspec: positionals,
    filenames: values.filenames ?? false,
    recipesOnly: values["recipes-only"] ?? false,
    multiple: values.multiple ?? false,
    inherits: (values.inherits ?? "").split(",").filter(Boolean),
    layer: values.layer ?? null,
    bare: values.bare ?? false,
  });
  for (const line of lines) console.log(line);
  return 0;
}

async function showAppendsCommand(pnspec: string[], common: CommonOptions): Promise<number> {
  const { query, appends } = await layerQuery(common);
  const { lines, warnings } = showAppends(query, appends, pnspec);
  for (const line of lines) console.log(line);
  for (const w of warnings) process.stderr.write(`WARNING: ${w}\n`);
  return 0;
}

/** The BBLAYERS assignments of bblayers.conf, with the lines each spans. */
function bblayersAssignments(text: string, path: string): { st: Assignment; first: number; last: number }[] {
  const lines = text.split("\n");
  return parseText(text, path, "conf")
    .statements.filter((s): s is Assignment => s.kind === "assignment" && s.name === "BBLAYERS" && s.flag === null)
    .map((st) => {
      let last = st.loc.line;
      while (lines[last - 1]!.trimEnd().endsWith("\\")) last++;
      return { st, first: st.loc.line, last };
    });
}

/** Whether line `n` lies in the block `bake layers fetch` generates from layers/layers.json. */
function inGeneratedBlock(lines: readonly string[], n: number): boolean {
  const begin = lines.findIndex((l) => l.startsWith(BLOCK_BEGIN));
  const end = lines.findIndex((l) => l.startsWith(BLOCK_END));
  return begin >= 0 && end > begin && n - 1 > begin && n - 1 < end;
}

/**
 * add-layer appends `BBLAYERS += "…"` lines (outside the block that `bake layers fetch` owns);
 * remove-layer takes the layer's word out of whichever assignment lists it.
 */
async function editLayers(common: CommonOptions, names: string[], add: boolean): Promise<number> {
  if (names.length === 0) throw new UsageError(`layers ${add ? "add-layer" : "remove-layer"} wants at least one layer`);
  const topdir = buildDirectory(common.cwd);
  const path = join(topdir, "conf", "bblayers.conf");
  const before = readFileSync(path, "utf8");
  const config = await loadConfiguration(common, true);
  // Paths under TOPDIR are written as ${TOPDIR}/… so the build directory can move.
  const spell = (dir: string) => {
    const rel = relative(topdir, dir);
    return rel.startsWith("..") || rel === "" ? dir : `\${TOPDIR}/${rel}`;
  };
  let text = before;
  for (const name of names) {
    if (add) {
      const dir = resolve(common.cwd, name);
      if (!existsSync(join(dir, "conf", "layer.conf"))) throw new ConfigurationError(`${dir} is not a layer: it has no conf/layer.conf`);
      if (config.layerDirs.includes(dir)) continue;
      text = `${text.replace(/\n*$/, "\n")}BBLAYERS += "${spell(dir)}"\n`;
      continue;
    }
    const layer = config.layers.find((l) => l.name === name);
    const dir = layer ? config.layerDirs.find((d) => new RegExp(layer.pattern).test(`${d}/`)) : resolve(common.cwd, name);
    if (!dir || !config.layerDirs.includes(dir)) throw new ConfigurationError(`${name} is not a layer of this build (see bake layers show)`);
    const lines = text.split("\n");
    const spellings = new Set([dir, spell(dir), `${dir}/`, `${spell(dir)}/`]);
    const holder = bblayersAssignments(text, path).find((a) => a.st.value.split(/\s+/).some((w) => spellings.has(w)));
    if (!holder) throw new ConfigurationError(`${name} is not listed literally in ${path}; edit BBLAYERS there`);
    if (inGeneratedBlock(lines, holder.first)) {
      throw new ConfigurationError(`${name} comes from layers/layers.json: take it out of "enabled" there and run bake layers fetch`);
    }
    const rest = holder.st.value.split(/\s+/).filter((w) => w !== "" && !spellings.has(w));
    const replacement = rest.length === 0 && holder.st.op === "+=" ? [] : [`BBLAYERS ${holder.st.op} "${rest.join(" ")}"`];
    lines.splice(holder.first - 1, holder.last - holder.first + 1, ...replacement);
    text = lines.join("\n");
  }
  writeFileSync(path, text);
  try {
    // The new set must still pass LAYERDEPENDS and LAYERSERIES_COMPAT; otherwise leave the file as it was.
    const after = await loadConfiguration(common, true);
    console.log(`${path}: ${after.layerDirs.length} layers`);
  } catch (err) {
    writeFileSync(path, before);
    throw err;
  }
  return 0;
}

async function queryLayers(command: string, argv: string[], common: CommonOptions): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { "same-version": { type: "boolean", short: "s" }, filenames: { type: "boolean", short: "f" }, ignore: { type: "string", short: "i" } },
  });
  if (command === "show-overlayed" && values.ignore !== undefined) throw new UsageError("show-overlayed takes -f and -s, not -i");
  if (command === "show-cross-depends" && values["same-version"]) throw new UsageError("show-cross-depends takes -f and -i, not -s");
  const { query } = await layerQuery(common);
  const filenames = values.filenames ?? false;
  const lines =
    command === "show-overlayed"
      ? showOverlayed(query, { sameVersion: values["same-version"] ?? false, filenames })
      : showCrossDepends(query, { filenames, ignore: (values.ignore ?? "").split(",").filter(Boolean) });
  for (const line of lines) console.log(line);
  return 0;
}

/** The MIT licence text a layer along BBPATH ships: openembedded-core's COPYING.MIT, or meta-core's common-licenses/MIT. */
function mitLicense(bbpath: string): string | null {
  for (const name of ["COPYING.MIT", "files/common-licenses/MIT"]) {
    const found = which(bbpath, name).found;
    if (found !== null) return readFileSync(found, "utf8");
  }
  return null;
}

async function createLayerCommand(argv: string[], common: CommonOptions): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "add-layer": { type: "boolean", short: "a" },
      layerid: { type: "string", short: "i" },
      priority: { type: "string", short: "p" },
      "example-recipe-name": { type: "string", short: "e" },
      "example-recipe-version": { type: "string", short: "v" },
    },
  });
  if (positionals.length !== 1) throw new UsageError("create-layer wants one layer directory");
  const config = await loadConfiguration(common, true);
  let dir: string;
  try {
    dir = createLayer(
      {
        dir: positionals[0]!,
        series: config.metadata.d.getVar("LAYERSERIES_CORENAMES") ?? "",
        mitLicense: mitLicense(config.metadata.d.getVar("BBPATH") ?? ""),
        ...(values.layerid !== undefined ? { layerId: values.layerid } : {}),
        ...(values.priority !== undefined ? { priority: values.priority } : {}),
        ...(values["example-recipe-name"] !== undefined ? { exampleName: values["example-recipe-name"] } : {}),
        ...(values["example-recipe-version"] !== undefined ? { exampleVersion: values["example-recipe-version"] } : {}),
      },
      common.cwd,
    );
  } catch (err) {
    if (!(err instanceof LayerExists)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 1;
  }
  if (values["add-layer"]) {
    const code = await editLayers(common, [dir], true);
    if (code !== 0) return code;
    console.log(`Layer added ${dir}`);
  } else console.log(`Add your new layer with 'bake layers add-layer ${positionals[0]}'`);
  return 0;
}

export async function layersCommand(argv: string[], common: CommonOptions): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false, options: { help: { type: "boolean", short: "h" } } });
  const [command, ...rest] = positionals;
  if (values.help && !command) {
    process.stdout.write(HELP);
    return 0;
  }
  switch (command) {
    case "show":
    case "show-layers":
      return show(common);
    case "show-recipes":
      return showRecipesCommand(argv.slice(argv.indexOf(command) + 1), common);
    case "show-appends":
      return showAppendsCommand(rest, common);
    case "show-overlayed":
    case "show-cross-depends":
      return queryLayers(command, argv.slice(argv.indexOf(command) + 1), common);
    case "create-layer":
      return createLayerCommand(argv.slice(argv.indexOf(command) + 1), common);
    case "add-layer":
      return editLayers(common, rest, true);
    case "remove-layer":
      return editLayers(common, rest, false);
    case "fetch":
    case "lock":
    case "status":
      return layersSetupCommand(argv, { topdir: buildDirectory(common.cwd) });
    case undefined:
      process.stdout.write(HELP);
      return 2;
    default:
      throw new UsageError(`unknown layers command ${command} (see bake layers --help)`);
  }
}
