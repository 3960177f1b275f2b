// test/data/srcrev (a layer whose recipes call bb.fetch2's revision functions and record what they
// return or raise as R_* variables) in a build directory with the git repository its protocol=file
// recipes read, and BitBake's recorded values.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const SRCREV_DATA = resolve(dirname(fileURLToPath(import.meta.url)), "../../../test/data/srcrev");
export const SRCREV_EXPECTED = join(SRCREV_DATA, "expected/values");

export interface SrcrevBuild {
  readonly root: string;
  readonly layer: string;
  readonly build: string;
  readonly recipes: readonly string[];
  cleanup(): void;
}

export function srcrevBuild(): SrcrevBuild {
  const root = mkdtempSync(join(tmpdir(), "bake-srcrev-"));
  const layer = join(root, "meta-srcrev");
  cpSync(join(SRCREV_DATA, "meta-srcrev"), layer, { recursive: true });
  const build = join(root, "build");
  const r = spawnSync("sh", [join(SRCREV_DATA, "setup-build.sh"), build, layer], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`setup-build.sh: ${r.stdout}${r.stderr}`);
  const recipes = readdirSync(join(layer, "recipes"))
    .filter((f) => f.endsWith("_1.0.bb"))
    .map((f) => f.slice(0, -"_1.0.bb".length))
    .sort();
  return { root, layer, build, recipes, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** `## recipe` then its R_* lines as `-e` writes them, the build directory as @BUILD@. */
export function srcrevValues(recipe: string, lines: readonly string[], build: string): string {
  return [`## ${recipe}`, ...lines.filter((l) => l.startsWith("R_")).sort()].join("\n").replaceAll(build, "@BUILD@") + "\n";
}

export function expectedSrcrevValues(): string {
  return readFileSync(SRCREV_EXPECTED, "utf8");
}
