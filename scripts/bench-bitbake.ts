// The `compare` section of `npm run bench`: bake and BitBake on the same generated layer, side by side.
//
//   npm run bench -- --against-bitbake DIR   DIR is a BitBake checkout (bin/bitbake); both tools
//   npm run bench -- compare                 bake's figures only
//
// Two comparisons, each beside the same BitBake runs: bake in its own build directory (meta-core,
// bake's core layer, with meta-bench), and bake on the very files BitBake reads (meta-bitbake-min,
// a BitBake-style core whose `${@...}` are Python, with meta-bench), in a copy of BitBake's build
// directory's conf/.
//
// Measured: a cold parse (`-p` with the parse cache removed), a warm parse (`-p` again, cache kept)
// and `-e RECIPE`. Each measurement runs RUNS times, the tools interleaved (A B A B) so that load from
// other work on the machine falls on both alike; the ratio is taken pair by pair, on wall-clock time
// (BitBake's server daemonises, so its processor time is not its parent's to read). bake's processor
// time (user+sys of it and its threads) is printed too, as the figure least disturbed by load.
//
// BitBake refuses to run as root: as root, the corpus is handed to `nobody` and BitBake run as that user.
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
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
  /** Measure processor time (through /usr/bin/time): false where the work happens in a daemon. */
  readonly cpu: boolean;
}

/** The user BitBake runs as when this runs as root. */
const UNPRIVILEGED = "nobody";

/** Wall-clock and processor seconds of one command. */
interface Timing {
  readonly wall: number;
  readonly cpu: number | null;
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

function run(tool: Tool, step: Step, scratch: string): Timing {
  if (step === "cold parse") for (const dir of tool.caches) rmSync(dir, { recursive: true, force: true });
  const args = step === "-e RECIPE" ? ["-e", SHOWN] : ["-p"];
  const timeFile = join(scratch, "time");
  const command = tool.cpu ? ["/usr/bin/time", "-f", "%U %S", "-o", timeFile, ...tool.command] : tool.command;
  const [exe, ...pre] = command;
  const t0 = process.hrtime.bigint();
  const result = spawnSync(exe!, [...pre, ...args], { cwd: tool.cwd, env: tool.env, encoding: "utf8", maxBuffer: 1 << 30 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (result.status !== 0) throw new CommandFailed(tool.name, args, result.status, `${result.stdout}${result.stderr}`);
  if (step === "-e RECIPE" && !result.stdout.includes(`PN="${SHOWN}"`)) {
    throw new CommandFailed(tool.name, args, result.status, `no PN="${SHOWN}" in the output`);
  }
  if (!tool.cpu) return { wall, cpu: null };
  const [user, sys] = readFileSync(timeFile, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
  return { wall, cpu: user! + sys! };
}

export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median, max: sorted[sorted.length - 1]! };
}

export function show(s: Spread, unit: string, digits: number): string {
  return `${s.min.toFixed(digits)} / ${s.median.toFixed(digits)} / ${s.max.toFixed(digits)}${unit}`;
}

/** Rows of one comparison: bake in a build directory, beside BitBake's run (when there is one). */
interface Comparison {
  readonly title: string;
  readonly bake: Tool;
}

export async function benchCompare(bitbakeDir: string | null): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bake-bench-compare-"));
  try {
    const corpus = generateCorpus(dir, RECIPES, { bitbake: true });
    const repo = resolve(fileURLToPath(import.meta.url), "../../..");
    // bake on the files BitBake reads (meta-bitbake-min + meta-bench, its Python run in Pyodide), in a
    // build directory of its own with build-bitbake's conf/: both tools keep their parse cache in
    // ${TOPDIR}/tmp/cache, and a cold run of one must not remove the other's (nor, as root, leave
    // directories in BitBake's that the user BitBake runs as cannot write).
    const sameFiles = join(dir, "build-bitbake-bake");
    cpSync(join(corpus.bitbakeBuild!, "conf"), join(sameFiles, "conf"), { recursive: true });
    const asRoot = process.getuid?.() === 0;
    if (asRoot && bitbakeDir !== null) {
      chmodSync(dir, 0o755);
      const chown = spawnSync("chown", ["-R", `${UNPRIVILEGED}:`, dir], { encoding: "utf8" });
      if (chown.status !== 0) throw new Error(`chown -R ${UNPRIVILEGED} ${dir}: ${chown.stderr}`);
    }
    const bakeIn = (name: string, build: string): Tool => ({
      name,
      cwd: build,
      command: [process.execPath, join(repo, "bin/bake.js")],
      env: { ...process.env },
      caches: [join(build, "tmp/cache"), join(build, "cache")],
      cpu: true,
    });
    const comparisons: Comparison[] = [
      { title: "meta-core: bake's own core layer (JavaScript ${@}) and meta-bench; BitBake on meta-bitbake-min and meta-bench", bake: bakeIn("bake", corpus.build) },
      { title: "same files: bake and BitBake both on meta-bitbake-min and meta-bench (bake runs its Python in Pyodide)", bake: bakeIn("bake-same", sameFiles) },
    ];
    let bitbake: Tool | null = null;
    if (bitbakeDir !== null) {
      const exe = join(resolve(bitbakeDir), "bin/bitbake");
      if (!existsSync(exe)) throw new Error(`${bitbakeDir}: no bin/bitbake (give the path of a BitBake checkout)`);
      const locale = utf8Locale();
      bitbake = {
        name: "bitbake",
        cwd: corpus.bitbakeBuild!,
        command: asRoot ? ["runuser", "-u", UNPRIVILEGED, "--", "env", `HOME=${dir}`, `LANG=${locale}`, `LC_ALL=${locale}`, exe] : [exe],
        env: { ...process.env, LANG: locale, LC_ALL: locale },
        caches: [join(corpus.bitbakeBuild!, "tmp/cache")],
        cpu: false,
      };
    }
    const tools = [...comparisons.map((c) => c.bake), ...(bitbake !== null ? [bitbake] : [])];
    console.log(
      `compare: ${RECIPES} generated recipes (classes, includes, appends, overrides), ${RUNS} runs of each, ` +
        `${tools.map((t) => t.name).join(", ")} interleaved; -e shows ${SHOWN}`,
    );
    const times = new Map<string, number[]>();
    const cpuTimes = new Map<string, number[]>();
    for (let round = 0; round < RUNS; round++) {
      for (const step of STEPS) {
        for (const tool of tools) {
          const key = `${tool.name}/${step}`;
          const t = run(tool, step, dir);
          times.set(key, [...(times.get(key) ?? []), t.wall]);
          if (t.cpu !== null) cpuTimes.set(key, [...(cpuTimes.get(key) ?? []), t.cpu]);
        }
      }
    }
    for (const c of comparisons) {
      const pair = bitbake !== null ? [c.bake, bitbake] : [c.bake];
      console.log(`compare: ${c.title}`);
      const header = pair.length === 2 ? "   bitbake/bake (above 1: bake is faster), pair by pair" : "";
      console.log(`compare: ${"".padEnd(11)}${pair.map((t) => `${t.name} s (min / median / max)`.padEnd(36)).join("")}${header}`);
      for (const step of STEPS) {
        const per = pair.map((t) => times.get(`${t.name}/${step}`)!);
        const cells = per.map((ts) => show(spread(ts), "", 2).padEnd(36)).join("");
        const ratio = per.length === 2 ? `   ${show(spread(per[1]!.map((b, i) => b / per[0]![i]!)), "x", 1)}` : "";
        console.log(`compare: ${step.padEnd(11)}${cells}${ratio}`);
      }
    }
    console.log(`compare: bake's processor time (user+sys), s (min / median / max)`);
    console.log(`compare: ${"".padEnd(11)}${comparisons.map((c) => c.bake.name.padEnd(36)).join("")}`);
    for (const step of STEPS) {
      console.log(`compare: ${step.padEnd(11)}${comparisons.map((c) => show(spread(cpuTimes.get(`${c.bake.name}/${step}`)!), "", 2).padEnd(36)).join("")}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
