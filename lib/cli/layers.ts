// `bake layers show | show-recipes | show-appends | show-overlayed | show-cross-depends | create-layer |
// add-layer | remove-layer` (bitbake-layers), and the
// layer set-up commands from layers/layers.json (fetch | lock | status).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ConfigurationError, collectRecipes, loadBuildConfiguration } from "../config/index.js";
import { parseText, type Assignment } from "../parse/index.js";
import { BLOCK_BEGIN, BLOCK_END } from "../setup/index.js";
import { buildDirectory, UsageError, type CommonOptions } from "./context.js";
import { createLayer, LayerExists } from "./create-layer.js";
import { layersSetupCommand } from "./layers-setup.js";
import { showCrossDepends, showOverlayed } from "./layers-query.js";
import { prepare } from "./prepare.js";

const HELP = `usage: bake layers COMMAND

  show                      the layers of this build: name, path, priority
  show-recipes [PN…]        recipes and their versions, by layer
  show-appends              bbappends and the recipes they apply to
  show-overlayed [-s]       recipes with versions in more than one layer (-s: the same version)
  show-cross-depends [-f] [-i LAYER,…]
                            dependencies of a recipe on a recipe of another layer
  create-layer DIR [-a] [-i ID] [-p PRIORITY] [-e NAME] [-v VERSION]
                            a new layer (conf/layer.conf, README, an example recipe); -a adds it
  add-layer DIR…            add layers to conf/bblayers.conf (checked before writing)
  remove-layer DIR|NAME…    remove layers from conf/bblayers.conf
  fetch | lock | status     check out the layers of layers/layers.json at their pinned revisions
`;

function show(common: CommonOptions): number {
  const config = loadBuildConfiguration({ topdir: buildDirectory(common.cwd), vars: common.vars, layersOnly: true });
  const rows = config.layers.map((l) => {
    const dir = config.layerDirs.find((d) => new RegExp(l.pattern).test(`${d}/`)) ?? "?";
    return [l.name, dir, String(l.priority)];
  });
  printTable([["layer", "path", "priority"], ...rows]);
  return 0;
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd());
}

function showRecipes(common: CommonOptions, names: string[]): number {
  const config = loadBuildConfiguration({ topdir: buildDirectory(common.cwd), vars: common.vars });
  const collection = collectRecipes(config.metadata.d, config.layers);
  const pns = names.length > 0 ? names : [...new Set(collection.recipes.map((r) => r.pn))].sort();
  for (const pn of pns) {
    const files = collection.recipes.filter((r) => r.pn === pn);
    if (files.length === 0) continue;
    console.log(`${pn}:`);
    for (const f of files) console.log(`  ${(f.layer?.name ?? "?").padEnd(16)} ${f.pv ?? "(no version)"}  ${f.path}`);
  }
  return 0;
}

function showAppends(common: CommonOptions): number {
  const config = loadBuildConfiguration({ topdir: buildDirectory(common.cwd), vars: common.vars });
  const collection = collectRecipes(config.metadata.d, config.layers);
  for (const [recipe, appends] of collection.appends) {
    console.log(`${recipe}:`);
    for (const a of appends) console.log(`  ${a}`);
  }
  for (const a of collection.dangling) console.log(`(no recipe) ${a}`);
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
function editLayers(common: CommonOptions, names: string[], add: boolean): number {
  if (names.length === 0) throw new UsageError(`layers ${add ? "add-layer" : "remove-layer"} wants at least one layer`);
  const topdir = buildDirectory(common.cwd);
  const path = join(topdir, "conf", "bblayers.conf");
  const before = readFileSync(path, "utf8");
  const config = loadBuildConfiguration({ topdir, vars: common.vars, layersOnly: true });
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
    const after = loadBuildConfiguration({ topdir, vars: common.vars, layersOnly: true });
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
  const prepared = await prepare(common);
  const dirs = prepared.config.layerDirs;
  const lines =
    command === "show-overlayed"
      ? showOverlayed(prepared.recipes.infos, prepared.index, prepared.prefs, dirs, values["same-version"] ?? false)
      : showCrossDepends(prepared.recipes.infos, prepared.index, prepared.prefs, dirs, (values.ignore ?? "").split(",").filter(Boolean), values.filenames ?? false);
  for (const line of lines) console.log(line);
  return 0;
}

function createLayerCommand(argv: string[], common: CommonOptions): number {
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
  const config = loadBuildConfiguration({ topdir: buildDirectory(common.cwd), vars: common.vars, layersOnly: true });
  let dir: string;
  try {
    dir = createLayer(
      {
        dir: positionals[0]!,
        series: config.metadata.d.getVar("LAYERSERIES_CORENAMES") ?? "",
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
    const code = editLayers(common, [dir], true);
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
      return show(common);
    case "show-recipes":
      return showRecipes(common, rest);
    case "show-appends":
      return showAppends(common);
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
