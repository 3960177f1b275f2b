// test/data/nested (layers inside another layer's directory, whose patterns all match their files,
// and layers of other priorities providing the same recipes) in a build directory, and what
// BitBake 2.19 showed for it: `-s` (which version each priority makes preferred) and the `-e`
// values of each recipe, with the warnings of both.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const NESTED_DATA = resolve(dirname(fileURLToPath(import.meta.url)), "../../../test/data/nested");
export const NESTED_EXPECTED = join(NESTED_DATA, "expected/values");
/** The commands compared: `-s`, then `-e` of each recipe. */
export const NESTED_COMMANDS: readonly (readonly string[])[] = [["-s"], ["-e", "p"], ["-e", "q"], ["-e", "r"]];

export interface NestedBuild {
  readonly root: string;
  readonly build: string;
  cleanup(): void;
}

export function nestedBuild(): NestedBuild {
  const root = mkdtempSync(join(tmpdir(), "bake-nested-"));
  for (const l of readdirSync(NESTED_DATA).filter((f) => f.startsWith("meta-"))) cpSync(join(NESTED_DATA, l), join(root, l), { recursive: true });
  const build = join(root, "build");
  const r = spawnSync("sh", [join(NESTED_DATA, "setup-build.sh"), build, root], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`setup-build.sh: ${r.stdout}${r.stderr}`);
  return { root, build, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const SHOWN = /^(R_[A-Z_]+|FILE_LAYERNAME|PV)=/;

/**
 * `## command`, its warnings, then for `-s` the table's rows (trailing blanks cut), for `-e` the
 * compared values, sorted; the fixture's root as @ROOT@. `output` is stdout and stderr.
 */
export function nestedValues(command: readonly string[], output: string, root: string): string {
  const lines = output.split("\n");
  const warnings = lines.filter((l) => l.startsWith("WARNING: ")).sort();
  let shown: string[];
  if (command[0] === "-s") {
    const start = lines.findIndex((l) => l.startsWith("Recipe Name"));
    shown = lines.slice(start).map((l) => l.trimEnd()).filter((l) => l !== "" && !/^(Summary|NOTE|WARNING)/.test(l));
  } else {
    shown = lines.filter((l) => SHOWN.test(l)).sort();
  }
  return [`## ${command.join(" ")}`, ...warnings, ...shown].join("\n").replaceAll(root, "@ROOT@") + "\n";
}

export function expectedNestedValues(): string {
  return readFileSync(NESTED_EXPECTED, "utf8");
}
