// test/data/bitbake-layers (two layers BitBake and bake both read) copied into a build directory, the
// commands whose output is compared with BitBake's, and BitBake's recorded answers.
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { write } from "./layer.js";

const data = resolve(dirname(fileURLToPath(import.meta.url)), "../../../test/data/bitbake-layers");

export interface Comparison {
  /** The file in test/data/bitbake-layers/expected. */
  readonly name: string;
  /** Arguments after `bitbake-layers` / `bake layers`. */
  readonly args: readonly string[];
  /** bitbake-layers' order follows its parser threads: compared sorted, each line once. */
  readonly sorted: boolean;
  /** Columns padded to a path's length: compared with runs of spaces collapsed. */
  readonly columns?: boolean;
  /** The warnings said besides (compared apart: BitBake interleaves them with the answer). */
  readonly warnings?: readonly string[];
}

export const COMPARISONS: readonly Comparison[] = [
  { name: "show-layers", args: ["show-layers"], sorted: false, columns: true },
  { name: "show-recipes", args: ["show-recipes"], sorted: false },
  { name: "show-recipes-f", args: ["show-recipes", "-f"], sorted: false },
  { name: "show-recipes-r", args: ["show-recipes", "-r"], sorted: false },
  { name: "show-recipes-m", args: ["show-recipes", "-m"], sorted: false },
  { name: "show-recipes-b-l", args: ["show-recipes", "-b", "-l", "meta-a"], sorted: false },
  { name: "show-recipes-i", args: ["show-recipes", "-i", "baseclass"], sorted: false },
  { name: "show-recipes-pnspec", args: ["show-recipes", "z*", "s?me"], sorted: false },
  { name: "show-appends", args: ["show-appends"], sorted: false, warnings: ["WARNING: zlib_1.4.bb: missing append for preferred version"] },
  { name: "show-appends-pnspec", args: ["show-appends", "zlib"], sorted: false, warnings: ["WARNING: zlib_1.4.bb: missing append for preferred version"] },
  { name: "show-overlayed", args: ["show-overlayed"], sorted: false },
  { name: "show-overlayed-f", args: ["show-overlayed", "-f"], sorted: false },
  { name: "show-overlayed-s", args: ["show-overlayed", "-s"], sorted: false },
  { name: "show-cross-depends", args: ["show-cross-depends"], sorted: true },
  { name: "show-cross-depends-f", args: ["show-cross-depends", "-f"], sorted: true },
  { name: "show-cross-depends-i", args: ["show-cross-depends", "-i", "meta-base"], sorted: true },
];

/** `bitbake -g app` / `bake -g app` writes these, compared byte for byte. */
export const GRAPH_FILES = ["task-depends.dot", "pn-buildlist"] as const;

export interface SharedLayers {
  readonly root: string;
  readonly build: string;
  readonly cleanup: () => void;
}

export function sharedLayers(): SharedLayers {
  return copyLayers(data, ["meta-base", "meta-a"], 'BB_HASHSERVE = ""\nINHERIT += "glob"\n');
}

/** test/data/recrdeptask: one layer whose `-g image` shows how [recrdeptask] follows the task graph. */
export const RECRDEPTASK_DIR = resolve(data, "../recrdeptask");
export const RECRDEPTASK_EXPECTED_DIR = join(RECRDEPTASK_DIR, "expected");

export function recrdeptaskLayers(): SharedLayers {
  return copyLayers(RECRDEPTASK_DIR, ["meta-rec"], 'BB_HASHSERVE = ""\n');
}

function copyLayers(from: string, layers: readonly string[], localConf: string): SharedLayers {
  const root = mkdtempSync(join(tmpdir(), "bake-bblayers-"));
  for (const layer of layers) cpSync(join(from, layer), join(root, layer), { recursive: true });
  const build = join(root, "build");
  write(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${layers.map((l) => join(root, l)).join(" ")}"\n`);
  write(join(build, "conf/local.conf"), localConf);
  return { root, build, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Paths under the fixture as @ROOT@, warnings left out; sorted comparisons sorted, each line once; padded columns collapsed. */
export function normalize(text: string, root: string, sorted: boolean, columns = false): string {
  const lines = text
    .replaceAll(root, "@ROOT@")
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("WARNING: "))
    .map((l) => (columns ? l.replace(/ {2,}/g, "  ") : l));
  return `${(sorted ? [...new Set(lines)].sort() : lines).join("\n")}\n`;
}

export function expected(name: string): string {
  return readFileSync(join(data, "expected", name), "utf8");
}

export const EXPECTED_DIR = join(data, "expected");
