// The `oe-core` section of `npm run bench`: bake and BitBake on openembedded-core itself.
//
//   npm run bench -- --oe-core DIR [--oe-layer LAYER …] [--against-bitbake DIR] [--as-user USER]
//
// DIR is an openembedded-core checkout. Two build directories are made with the same configuration
// (its `meta` layer and each LAYER after it, meta-openembedded's meta-oe for example, MACHINE = "qemux86-64", DISTRO = "nodistro", BB_NO_NETWORK = "1"), one per
// tool, and each tool runs `-p` cold (parse cache and persistent caches removed), `-p` warm (after
// one untimed `-p`, see below), and `-g core-image-minimal` (warm). With --against-bitbake, BitBake runs the same steps, interleaved
// with bake's (A B A B) so that load from other work falls on both alike; BitBake refuses to run as
// root, so a root caller names an unprivileged user with --as-user (the build directories are
// given to it).
//
// Real time is printed with CPU time (user + system) of every process the step started, BitBake's
// server included: measured through a cgroup when one can be made (v2, or v1's cpuacct), else from
// the shell's `times` (children that are waited for only, which misses BitBake's server). On a
// loaded machine the CPU figures are the ones to compare.
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const RUNS = Number(process.env.BAKE_BENCH_RUNS ?? 1);
const TARGET = "core-image-minimal";

type Step = "cold -p" | "warm -p" | `-g ${typeof TARGET}`;
const STEPS: readonly Step[] = ["cold -p", "warm -p", `-g ${TARGET}`];

interface Tool {
  readonly name: string;
  readonly build: string;
  /** argv before the tool's own arguments; run in `build`. */
  readonly command: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** What a cold parse must not find. */
  readonly caches: readonly string[];
  /** Run as this user (through runuser), or as the caller. */
  readonly user: string | null;
}

interface Measure {
  readonly real: number;
  /** user + system seconds, or null when they could not be measured. */
  readonly cpu: number | null;
  readonly load: number;
}

/** A cgroup that a step's processes join, for their CPU time (daemons included). */
interface CpuGroup {
  readonly dir: string;
  /** Total CPU seconds used in the group so far. */
  used(): number;
}

function makeGroup(): CpuGroup | null {
  const name = `bake-bench-${process.pid}-${Date.now()}`;
  const candidates: [string, (dir: string) => number][] = [
    // cgroup v2: cpu.stat is there whatever the controllers.
    ["/sys/fs/cgroup", (dir) => v2Usage(dir)],
    ["/sys/fs/cgroup/unified", (dir) => v2Usage(dir)],
    ["/sys/fs/cgroup/cpuacct", (dir) => Number(readFileSync(join(dir, "cpuacct.usage"), "utf8")) / 1e9],
    ["/sys/fs/cgroup/cpu,cpuacct", (dir) => Number(readFileSync(join(dir, "cpuacct.usage"), "utf8")) / 1e9],
  ];
  for (const [root, usage] of candidates) {
    const probe = root.endsWith("cpuacct") ? "cpuacct.usage" : "cgroup.controllers";
    if (!existsSync(join(root, probe)) && !existsSync(join(root, "cpuacct.usage"))) continue;
    const dir = join(root, name);
    try {
      mkdirSync(dir);
      usage(dir);
      return { dir, used: () => usage(dir) };
    } catch {
      rmSync(dir, { force: true, recursive: false });
    }
  }
  return null;
}

function v2Usage(dir: string): number {
  const line = readFileSync(join(dir, "cpu.stat"), "utf8").split("\n").find((l) => l.startsWith("usage_usec "));
  if (line === undefined) throw new Error("no usage_usec");
  return Number(line.split(" ")[1]) / 1e6;
}

function quote(arg: string): string {
  return `'${arg.replace(/'/g, "'\\''")}'`;
}

class StepFailed extends Error {
  constructor(tool: string, args: readonly string[], status: number | null, output: string) {
    super(`${tool} ${args.join(" ")} failed (exit ${status}):\n${output.split("\n").slice(-20).join("\n")}`);
    this.name = "StepFailed";
  }
}

/** Runs `args` with `tool` in its build directory and measures it. */
function measure(tool: Tool, args: readonly string[]): Measure {
  const group = makeGroup();
  const env = Object.entries(tool.env)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${quote(v!)}`)
    .join(" ");
  const command = `cd ${quote(tool.build)} && exec env -i ${env} ${[...tool.command, ...args].map(quote).join(" ")}`;
  // A shell joins the group and then becomes the tool, so everything the tool forks is counted;
  // without a group, `times` gives the CPU of the children the shell waited for.
  const inner = group ? command : `(${command}); s=$?; times; exit $s`;
  const argv = tool.user ? ["runuser", "-u", tool.user, "--", "sh", "-c", inner] : ["sh", "-c", inner];
  const load = loadavg()[0]!;
  const t0 = process.hrtime.bigint();
  const r = group
    ? spawnSync("sh", ["-c", `echo $$ > ${quote(join(group.dir, "cgroup.procs"))} && exec ${argv.map(quote).join(" ")}`], { encoding: "utf8", maxBuffer: 1 << 30 })
    : spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", maxBuffer: 1 << 30 });
  const real = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new StepFailed(tool.name, args, r.status, `${r.stdout}${r.stderr}`);
  let cpu: number | null = null;
  if (group) {
    // A daemon (BitBake's server) may still be shutting down: its CPU counts too.
    for (let i = 0; i < 120 && readFileSync(join(group.dir, "cgroup.procs"), "utf8").trim() !== ""; i++) spawnSync("sleep", ["0.5"]);
    cpu = group.used();
    rmdirSync(group.dir);
  } else {
    const times = r.stdout.trim().split("\n").slice(-1)[0]?.match(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/);
    if (times) cpu = Number(times[1]) * 60 + Number(times[2]) + Number(times[3]) * 60 + Number(times[4]);
  }
  return { real, cpu, load };
}

function buildDirectory(root: string, name: string, layers: readonly string[], owner: string | null): string {
  const build = join(root, name);
  mkdirSync(join(build, "conf"), { recursive: true });
  writeFileSync(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${layers.join(" ")}"\n`);
  writeFileSync(join(build, "conf/local.conf"), 'MACHINE = "qemux86-64"\nDISTRO = "nodistro"\nBB_NO_NETWORK = "1"\n');
  if (owner !== null) {
    const id = spawnSync("id", ["-u", owner], { encoding: "utf8" });
    const gid = spawnSync("id", ["-g", owner], { encoding: "utf8" });
    if (id.status !== 0) throw new Error(`--as-user ${owner}: no such user`);
    for (const p of [root, build, join(build, "conf"), ...readdirSync(join(build, "conf")).map((f) => join(build, "conf", f))]) {
      chownSync(p, Number(id.stdout), Number(gid.stdout));
    }
  }
  return build;
}

/** The nodes (with their labels) and edges of a task-depends.dot. */
export function readTaskDepends(text: string): { nodes: Map<string, string>; edges: Set<string> } {
  const nodes = new Map<string, string>();
  const edges = new Set<string>();
  for (const line of text.split("\n")) {
    const edge = /^"([^"]+)" -> "([^"]+)"/.exec(line);
    if (edge) {
      edges.add(`${edge[1]} -> ${edge[2]}`);
      continue;
    }
    const node = /^"([^"]+)" \[label="([^"]*)"/.exec(line);
    if (node) nodes.set(node[1]!, node[2]!);
  }
  return { nodes, edges };
}

/** "identical", or how two task-depends.dot files differ (nodes, labels, edges). */
export function describeDotDifference(ours: string, theirs: string): string {
  if (ours === theirs) return "identical, byte for byte";
  const a = readTaskDepends(ours);
  const b = readTaskDepends(theirs);
  const only = <T>(x: Iterable<T>, y: { has(v: T): boolean }) => [...x].filter((v) => !y.has(v));
  const labels = [...a.nodes].filter(([n, l]) => b.nodes.has(n) && b.nodes.get(n) !== l).length;
  return (
    `${a.nodes.size} nodes and ${a.edges.size} edges against ${b.nodes.size} and ${b.edges.size}: ` +
    `${only(a.nodes.keys(), b.nodes).length} nodes only in bake's, ${only(b.nodes.keys(), a.nodes).length} only in BitBake's, ` +
    `${labels} labels differ, ${only(a.edges, b.edges).length} edges only in bake's, ${only(b.edges, a.edges).length} only in BitBake's`
  );
}

function show(m: Measure): string {
  return `${m.real.toFixed(1)} s real, ${m.cpu === null ? "cpu n/a" : `${m.cpu.toFixed(1)} s cpu`}`;
}

export async function benchOeCore(oeCoreDir: string, bitbakeDir: string | null, asUser: string | null, extraLayers: readonly string[] = []): Promise<void> {
  const oeCore = resolve(oeCoreDir);
  if (!existsSync(join(oeCore, "meta/conf/bitbake.conf"))) throw new Error(`${oeCoreDir}: not an openembedded-core checkout (no meta/conf/bitbake.conf)`);
  const layers = [join(oeCore, "meta"), ...extraLayers.map((l) => resolve(l))];
  for (const l of layers.slice(1)) if (!existsSync(join(l, "conf/layer.conf"))) throw new Error(`--oe-layer ${l}: not a layer (no conf/layer.conf)`);
  const root = mkdtempSync(join(tmpdir(), "bake-bench-oe-"));
  try {
    const repo = resolve(fileURLToPath(import.meta.url), "../../..");
    const locale = { LANG: "en_US.UTF-8", LC_ALL: "en_US.UTF-8" };
    const bakeBuild = buildDirectory(root, "build-bake", layers, null);
    const tools: Tool[] = [
      {
        name: "bake",
        build: bakeBuild,
        command: [process.execPath, join(repo, "bin/bake.js")],
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...locale },
        caches: [join(bakeBuild, "tmp"), join(bakeBuild, "cache")],
        user: null,
      },
    ];
    if (bitbakeDir !== null) {
      const bitbake = resolve(bitbakeDir);
      if (!existsSync(join(bitbake, "bin/bitbake"))) throw new Error(`${bitbakeDir}: no bin/bitbake (give the path of a BitBake checkout)`);
      if (process.getuid?.() === 0 && asUser === null) throw new Error("BitBake refuses to run as root: give --as-user USER");
      const bbBuild = buildDirectory(root, "build-bitbake", layers, asUser);
      tools.push({
        name: "bitbake",
        build: bbBuild,
        command: [join(bitbake, "bin/bitbake")],
        // As oe-init-build-env leaves it: BitBake's and oe-core's scripts first on PATH. The hash
        // seed pinned, and let through to BitBake's server (which keeps only the variables
        // BB_ENV_PASSTHROUGH lists): its parse draws a seed per run otherwise, oe-core's
        // COMBINED_FEATURES (a set joined) takes its word order from it, and the configuration
        // hash BitBake keys its parse cache on changes with that order, so most warm runs would
        // parse everything again.
        env: {
          PATH: `${join(bitbake, "bin")}:${join(oeCore, "scripts")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
          HOME: bbBuild,
          PYTHONHASHSEED: "0",
          BB_ENV_PASSTHROUGH_ADDITIONS: "PYTHONHASHSEED",
          ...locale,
        },
        caches: [join(bbBuild, "tmp"), join(bbBuild, "cache")],
        user: asUser,
      });
    }
    const commit = (dir: string) => spawnSync("git", ["-C", dir, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).stdout.trim() || "?";
    console.log(
      `oe-core: ${oeCore} at ${commit(oeCore)}${layers.length > 1 ? ` with ${layers.slice(1).join(", ")}` : ""}${bitbakeDir !== null ? `, BitBake at ${commit(resolve(bitbakeDir))}` : ""}; ` +
        `${RUNS} run(s) of each step, ${tools.map((t) => t.name).join(" and ")} interleaved`,
    );
    const results = new Map<string, Measure[]>();
    for (let round = 0; round < RUNS; round++) {
      for (const step of STEPS) {
        for (const tool of tools) {
          if (step === "cold -p") for (const dir of tool.caches) rmSync(dir, { recursive: true, force: true });
          // BitBake's first run in a new build directory keys its parse cache on a configuration
          // hash the second run does not reproduce (seen: the second -p parsed all 955 recipes
          // again and wrote a second cache file, the third loaded 1,985 entries in 10 s); so every
          // tool gets one untimed -p before the warm one, and "warm" means the cache it keeps.
          if (step === "warm -p") measure(tool, ["-p"]);
          const args = step === `-g ${TARGET}` ? ["-g", TARGET] : ["-p"];
          const m = measure(tool, args);
          const key = `${tool.name}/${step}`;
          results.set(key, [...(results.get(key) ?? []), m]);
          console.log(`oe-core: ${tool.name.padEnd(8)} ${step.padEnd(24)} ${show(m)} (load ${m.load.toFixed(1)})`);
        }
      }
    }
    if (tools.length === 2) {
      for (const step of STEPS) {
        const a = results.get(`bake/${step}`)!;
        const b = results.get(`bitbake/${step}`)!;
        const ratio = (f: (m: Measure) => number | null) => {
          const r = a.map((m, i) => {
            const x = f(m);
            const y = f(b[i]!);
            return x === null || y === null ? null : y / x;
          });
          return r.some((x) => x === null) ? "n/a" : `${(r as number[]).map((x) => x.toFixed(2)).join(", ")}x`;
        };
        console.log(`oe-core: ${step.padEnd(24)} bitbake/bake (above 1: bake is faster): real ${ratio((m) => m.real)}, cpu ${ratio((m) => m.cpu)}`);
      }
      const dot = (t: Tool) => readFileSync(join(t.build, "task-depends.dot"), "utf8");
      console.log(`oe-core: task-depends.dot of ${TARGET}, bake's against BitBake's: ${describeDotDifference(dot(tools[0]!), dot(tools[1]!))}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
