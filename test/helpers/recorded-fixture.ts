// A fixture under test/data whose expected output was written by BitBake 2.19: its `meta-*` layers
// copied into a temporary directory with a build directory made by its setup-build.sh, the
// commands compared (`-s`, `-e RECIPE`…), the `-e` values shown, and the record
// (expected/values), which test/e2e/bitbake-layers.test.ts checks against BitBake again.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bakeIn } from "./layer.js";

export interface RecordedFixture {
  /** test/data/<name>. */
  readonly data: string;
  /** Its record: what BitBake printed, as `values` renders it. */
  readonly expected: string;
  readonly commands: readonly (readonly string[])[];
  /** The `-e` lines compared (sorted), or a function choosing them from the output's lines (kept in order). */
  readonly shown: RegExp | ((lines: readonly string[]) => string[]);
}

export interface FixtureBuild {
  readonly root: string;
  readonly build: string;
  cleanup(): void;
}

export function recordedFixture(name: string, commands: readonly (readonly string[])[], shown: RecordedFixture["shown"]): RecordedFixture {
  const data = resolve(dirname(fileURLToPath(import.meta.url)), "../../../test/data", name);
  return { data, expected: join(data, "expected/values"), commands, shown };
}

export function fixtureBuild(f: RecordedFixture): FixtureBuild {
  const root = mkdtempSync(join(tmpdir(), `bake-${f.data.split("/").at(-1)}-`));
  for (const l of readdirSync(f.data).filter((n) => n.startsWith("meta-"))) cpSync(join(f.data, l), join(root, l), { recursive: true });
  const build = join(root, "build");
  const r = spawnSync("sh", [join(f.data, "setup-build.sh"), build, root], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`setup-build.sh: ${r.stdout}${r.stderr}`);
  return { root, build, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * `## command`, its warnings, then for `-s` the table's rows (trailing blanks cut), for `-e` the
 * compared values, sorted; the fixture's root as @ROOT@. `output` is stdout and stderr.
 */
export function fixtureValues(f: RecordedFixture, command: readonly string[], output: string, root: string): string {
  // BitBake's first message while parsing follows its progress on the same line ("Parsing recipes...WARNING: …").
  const lines = output.replace(/^(Parsing recipes\.\.\.)(?=(WARNING|ERROR): )/gm, "$1\n").split("\n");
  const warnings = lines.filter((l) => l.startsWith("WARNING: ")).sort();
  let shown: string[];
  if (command[0] === "-s") {
    const start = lines.findIndex((l) => l.startsWith("Recipe Name"));
    shown = lines.slice(start).map((l) => l.trimEnd()).filter((l) => l !== "" && !/^(Summary|NOTE|WARNING)/.test(l));
  } else if (typeof f.shown === "function") {
    shown = f.shown(lines);
  } else {
    const pattern = f.shown;
    shown = lines.filter((l) => pattern.test(l)).sort();
  }
  return [`## ${command.join(" ")}`, ...warnings, ...shown].join("\n").replaceAll(root, "@ROOT@") + "\n";
}

export function expectedValues(f: RecordedFixture): string {
  return readFileSync(f.expected, "utf8");
}

/** What bake prints for the fixture's commands, as fixtureValues renders it (a command that fails throws). */
export function bakeValues(f: RecordedFixture): string {
  const b = fixtureBuild(f);
  try {
    let out = "";
    for (const command of f.commands) {
      const r = bakeIn(b.build, ...command);
      if (r.status !== 0) throw new Error(`bake ${command.join(" ")}: ${r.stdout}${r.stderr}`);
      out += fixtureValues(f, command, r.stdout + r.stderr, b.root);
    }
    return out;
  } finally {
    b.cleanup();
  }
}
