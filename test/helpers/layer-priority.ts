// test/data/layer-priority (layers without BBFILE_PRIORITY on test/data/bitbake-layers/meta-base)
// copied into a build directory, and what bitbake-layers show-layers wrote for it.
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { write } from "./layer.js";

export const LAYER_PRIORITY_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../test/data/layer-priority");
/** BBLAYERS in this order (base is test/data/bitbake-layers/meta-base). */
export const PRIORITY_LAYERS = ["base", "hi", "zero", "nodeps", "onhi", "chain", "rec", "recver", "lone"] as const;

export function priorityLayers(order: readonly string[] = PRIORITY_LAYERS): { root: string; build: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), "bake-layer-priority-"));
  cpSync(join(LAYER_PRIORITY_DIR, "../bitbake-layers/meta-base"), join(root, "meta-base"), { recursive: true });
  for (const l of PRIORITY_LAYERS.slice(1)) cpSync(join(LAYER_PRIORITY_DIR, `meta-${l}`), join(root, `meta-${l}`), { recursive: true });
  const build = join(root, "build");
  write(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${order.map((l) => join(root, `meta-${l}`)).join(" ")}"\n`);
  write(join(build, "conf/local.conf"), 'BB_HASHSERVE = ""\n');
  return { root, build, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export function expectedPriorityShowLayers(): string {
  return readFileSync(join(LAYER_PRIORITY_DIR, "show-layers"), "utf8");
}
