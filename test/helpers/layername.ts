// test/data/layername (two layers, a bbappend from the second to the first's recipe, a recipe no
// layer's BBFILE_PATTERN matches) in a build directory, and BitBake's recorded `-e` values of
// FILE_LAYERNAME, OVERRIDES, BBINCLUDED and the R_* variables.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const LAYERNAME_DATA = resolve(dirname(fileURLToPath(import.meta.url)), "../../../test/data/layername");
export const LAYERNAME_EXPECTED = join(LAYERNAME_DATA, "expected/values");
/** What `-e` is asked for: the configuration (""), then recipes. */
export const LAYERNAME_TARGETS = ["", "a", "b", "stray"] as const;

export interface LayernameBuild {
  readonly root: string;
  readonly build: string;
  cleanup(): void;
}

export function layernameBuild(): LayernameBuild {
  const root = mkdtempSync(join(tmpdir(), "bake-layername-"));
  for (const l of ["meta-one", "meta-two"]) cpSync(join(LAYERNAME_DATA, l), join(root, l), { recursive: true });
  const build = join(root, "build");
  const r = spawnSync("sh", [join(LAYERNAME_DATA, "setup-build.sh"), build, root], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`setup-build.sh: ${r.stdout}${r.stderr}`);
  return { root, build, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const SHOWN = /^(R_[A-Z_]+|FILE_LAYERNAME|OVERRIDES|BBINCLUDED)=/;

/** `## target` then the compared lines as `-e` writes them, sorted, the fixture's root as @ROOT@. */
export function layernameValues(target: string, lines: readonly string[], root: string): string {
  return [`## ${target || "(configuration)"}`, ...lines.filter((l) => SHOWN.test(l)).sort()].join("\n").replaceAll(root, "@ROOT@") + "\n";
}

export function expectedLayernameValues(): string {
  return readFileSync(LAYERNAME_EXPECTED, "utf8");
}
