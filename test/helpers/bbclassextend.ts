// test/data/bbclassextend (recipes whose BBCLASSEXTEND an anonymous function or a deferred inherit
// sets) in a build directory, and what BitBake 2.19 showed for it: `-s` and the `-e` values of each
// recipe and variant. `-e` of a variant is a parse of that variant alone, in bake as in BitBake.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const BBCLASSEXTEND_DATA = resolve(dirname(fileURLToPath(import.meta.url)), "../../../test/data/bbclassextend");
export const BBCLASSEXTEND_EXPECTED = join(BBCLASSEXTEND_DATA, "expected/values");
/** The commands compared: `-s`, then `-e` of each recipe and variant. */
export const BBCLASSEXTEND_COMMANDS: readonly (readonly string[])[] = [
  ["-s"],
  ...["anon", "anon-native", "anon-nativesdk", "drop", "drop-native", "deferred", "deferred-native"].map((t) => ["-e", t]),
];

export interface BbclassextendBuild {
  readonly root: string;
  readonly build: string;
  cleanup(): void;
}

export function bbclassextendBuild(): BbclassextendBuild {
  const root = mkdtempSync(join(tmpdir(), "bake-bbclassextend-"));
  cpSync(join(BBCLASSEXTEND_DATA, "meta-extend"), join(root, "meta-extend"), { recursive: true });
  const build = join(root, "build");
  const r = spawnSync("sh", [join(BBCLASSEXTEND_DATA, "setup-build.sh"), build, root], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`setup-build.sh: ${r.stdout}${r.stderr}`);
  return { root, build, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const SHOWN = /^(R_[A-Z_]+|PN|BBCLASSEXTEND)=/;

/** `## command`, its warnings, then for `-s` the table's rows (trailing blanks cut), for `-e` the compared values, sorted. */
export function bbclassextendValues(command: readonly string[], output: string, root: string): string {
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

export function expectedBbclassextendValues(): string {
  return readFileSync(BBCLASSEXTEND_EXPECTED, "utf8");
}
