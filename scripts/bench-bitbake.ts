// The `compare` section of `npm run bench`: bake and BitBake on the same generated layer, side by side.
//
//   npm run bench -- --against-bitbake DIR   DIR is a BitBake checkout (bin/bitbake); both tools
//   npm run bench -- compare                 bake's figures only
//
// Measured: a cold parse (`-p` with the parse cache removed), a warm parse (`-p` again, cache kept)
// and `-e RECIPE`. Each measurement runs RUNS times, the tools interleaved (A B A B) so that load from
// other work on the machine falls on both alike; the ratio is taken pair by pair.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateCorpus } from "./gen-corpus.js";

const RECIPES = Number(process.env.BAKE_BENCH_COMPARE_RECIPES ?? 2000);
const RUNS = Number(process.env.BAKE_BENCH_RUNS ?? 5);
/** The recipe `-e` shows: one in the middle of the dependency DAG. */
const SHOWN = `bench-recipe-${Math.floor(RECIPES / 2)}`;

interface Tool {
  readonly name: string;
  readonly cwd: string;
  readonly command: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** Everything a cold parse must not find: the parse cache and the persistent data beside it. */
  readonly caches: readonly string[];
}

type Step = "cold parse" | "warm parse" | "-e RECIPE";
const STEPS: readonly Step[] = ["cold parse", "warm parse", "-e RECIPE"];

class CommandFailed extends Error {
  constructor(tool: string, args: readonly string[], status: number | null, output: string) {
    super(`${tool} ${args.join(" ")} failed (exit ${status}):\n${output.split("\n").slice(-20).join("\n")}`);
    this.name = "CommandFailed";
  }
}

/** A UTF-8 locale BitBake accepts (it refuses to start without one). */
function utf8Locale(): string {
  const listed = spawnSync("locale", ["-a"], { encoding: "utf8" }).stdout ?? "";
  const names = listed.split("\n").map((l) => l.trim());
  return names.find((l) => /^en_US\.utf-?8$/i.test(l)) ? "en_US.UTF-8" : (names.find((l) => /^C\.utf-?8$/i.test(l)) ?? "C.UTF-8");
}

function run(tool: Tool, step: Step): number {
  if (step === "cold parse") for (const dir of tool.caches) rmSync(dir, { recursive: true, force: true });
  const args = step === "-e RECIPE" ? ["-e", SHOWN] : ["-p"];
  const [exe, ...pre] = tool.command;
  const t0 = process.hrtime.bigint();
  const result = spawnSync(exe!, [...pre, ...args], { cwd: tool.cwd, env: tool.env, encoding: "utf8", maxBuffer: 1 << 30 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (result.status !== 0) throw new CommandFailed(tool.name, args, result.status, `${result.stdout}${result.stderr}`);
  if (step === "-e RECIPE" && !result.stdout.includes(`PN="${SHOWN}"`)) {
    throw new CommandFailed(tool.name, args, result.status, `no PN="${SHOWN}" in the output`);
  }
  return seconds;
}

interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median, max: sorted[sorted.length - 1]! };
}

function show(s: Spread, unit: string, digits: number): string {
  return `${s.min.toFixed(digits)} / ${s.median.toFixed(digits)} / ${s.max.toFixed(digits)}${unit}`;
}

export async function benchCompare(bitbakeDir: string | null): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bake-bench-compare-"));
  try {
    const corpus = generateCorpus(dir, RECIPES, { bitbake: true });
    const repo = resolve(fileURLToPath(import.meta.url), "../../..");
    const tools: Tool[] = [
      {
        name: "bake",
        cwd: corpus.build,
        command: [process.execPath, join(repo, "bin/bake.js")],
        env: { ...process.env },
        caches: [join(corpus.build, "tmp/cache"), join(corpus.build, "cache")],
      },
    ];
    if (bitbakeDir !== null) {
      const exe = join(resolve(bitbakeDir), "bin/bitbake");
      if (!existsSync(exe)) throw new Error(`${bitbakeDir}: no bin/bitbake (give the path of a BitBake checkout)`);
      tools.push({
        name: "bitbake",
        cwd: corpus.bitbakeBuild!,
        command: [exe],
        env: { ...process.env, LANG: utf8Locale(), LC_ALL: utf8Locale() },
        caches: [join(corpus.bitbakeBuild!, "tmp/cache")],
      });
    }
    console.log(
      `compare: ${RECIPES} generated recipes (classes, includes, appends, overrides), ${RUNS} runs of each, ` +
        `${tools.map((t) => t.name).join(" and ")} interleaved; -e shows ${SHOWN}`,
    );
    const times = new Map<string, number[]>();
    for (let round = 0; round < RUNS; round++) {
      for (const step of STEPS) {
        for (const tool of tools) {
          const key = `${tool.name}/${step}`;
          times.set(key, [...(times.get(key) ?? []), run(tool, step)]);
        }
      }
    }
    const header = tools.length === 2 ? "   bitbake/bake (above 1: bake is faster), pair by pair" : "";
    console.log(`compare: ${"".padEnd(11)}${tools.map((t) => `${t.name} s (min / median / max)`.padEnd(32)).join("")}${header}`);
    for (const step of STEPS) {
      const per = tools.map((t) => times.get(`${t.name}/${step}`)!);
      const cells = per.map((ts) => show(spread(ts), "", 2).padEnd(32)).join("");
      const ratio = per.length === 2 ? `   ${show(spread(per[1]!.map((b, i) => b / per[0]![i]!)), "x", 1)}` : "";
      console.log(`compare: ${step.padEnd(11)}${cells}${ratio}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
