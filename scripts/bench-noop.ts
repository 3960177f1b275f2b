// The `noop` section of `npm run bench`: `bake TARGET` where every task is current, as a user
// types it (a new bake process each time), RUNS times after one run that is not counted.
//
//   npm run bench -- noop BUILDDIR [TARGET]   in a build directory where TARGET (default
//                                             core-image-minimal) is built
//   npm run bench -- noop                     on a generated layer of shell-only recipes on
//                                             meta-core's classes, built first (no toolchain)
//
// Each run must say that every task was current (it fails otherwise: a run that built something
// measures a build, not a no-op). Printed: wall-clock and processor time (user+sys of bake, its
// threads and every process it waited for), min / median / max.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cpuSeconds } from "./cpu-time.js";
import { show, spread } from "./bench-bitbake.js";

const RUNS = Number(process.env.BAKE_BENCH_RUNS ?? 5);
/** Recipes of the generated layer: a DEPENDS chain, each with meta-core's whole task list. */
const RECIPES = Number(process.env.BAKE_BENCH_NOOP_RECIPES ?? 10);

const repo = resolve(fileURLToPath(import.meta.url), "../../..");
/** The bake timed: this checkout's, or another's (BAKE_BENCH_BAKE=…/bin/bake.js) to compare two. */
const bake = process.env.BAKE_BENCH_BAKE ? resolve(process.env.BAKE_BENCH_BAKE) : join(repo, "bin/bake.js");

const ALL_CURRENT = /Tasks Summary: Attempted (\d+) tasks of which \1 didn't need to be rerun and all succeeded/;

class NotANoop extends Error {
  override readonly name = "NotANoop";
}

interface Timing {
  readonly wall: number;
  readonly cpu: number;
  readonly tasks: number;
}

function timeBake(build: string, target: string, env: NodeJS.ProcessEnv, mustBeNoop: boolean): Timing {
  const c0 = cpuSeconds();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bake, target], { cwd: build, env, encoding: "utf8", maxBuffer: 1 << 30 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSeconds() - c0;
  const out = `${r.stdout}${r.stderr}`;
  if (r.status !== 0) throw new Error(`bake ${target} in ${build} failed (exit ${r.status}):\n${out.split("\n").slice(-30).join("\n")}`);
  const m = ALL_CURRENT.exec(out);
  if (mustBeNoop && m === null) {
    const summary = out.split("\n").find((l) => l.includes("Tasks Summary")) ?? "(no summary)";
    throw new NotANoop(`bake ${target} in ${build} was not a no-op: ${summary}\n(build it first: the no-op is measured on a complete build)`);
  }
  return { wall, cpu, tasks: m ? Number(m[1]) : 0 };
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** A layer of RECIPES shell-only recipes in a DEPENDS chain, each with a local file, and a build directory for it. */
export function generateNoopLayer(root: string): { build: string; target: string } {
  const layer = join(root, "meta-noop");
  write(
    join(layer, "conf/layer.conf"),
    `BBPATH .= ":\${LAYERDIR}"\nBBFILES += "\${LAYERDIR}/recipes/*/*.bb"\nBBFILE_COLLECTIONS += "noop"\n` +
      `BBFILE_PATTERN_noop = "^\${LAYERDIR}/"\nBBFILE_PRIORITY_noop = "6"\nLAYERDEPENDS_noop = "core"\nLAYERSERIES_COMPAT_noop = "ember"\n`,
  );
  for (let i = 0; i < RECIPES; i++) {
    const name = `noop-${i}`;
    write(join(layer, `recipes/${name}/files/${name}.txt`), `data of ${name}\n`);
    write(
      join(layer, `recipes/${name}/${name}_1.0.bb`),
      `SUMMARY = "${name}"\nLICENSE = "MIT"\nINHIBIT_DEFAULT_DEPS = "1"\nDEPENDS = "${i > 0 ? `noop-${i - 1}` : ""}"\n` +
        `SRC_URI = "file://${name}.txt"\nS = "\${UNPACKDIR}"\n\n` +
        `do_compile() {\n\tcat ${name}.txt > ${name}.out\n}\n\n` +
        `do_install() {\n\tinstall -d \${D}\${datadir}/${name}\n\tinstall -m 0644 ${name}.out \${D}\${datadir}/${name}/\n}\n`,
    );
  }
  const build = join(root, "build");
  write(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${join(repo, "meta-core")} ${layer}"\n`);
  write(join(build, "conf/local.conf"), `MACHINE = "qemux86-64"\nBB_NUMBER_THREADS = "2"\n`);
  return { build, target: `noop-${RECIPES - 1}` };
}

function measure(label: string, build: string, target: string, env: NodeJS.ProcessEnv): void {
  // The first run may still refresh caches (parse cache, configuration snapshot): not counted.
  timeBake(build, target, env, true);
  const runs: Timing[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(timeBake(build, target, env, true));
  console.log(`noop: ${label}: bake ${target}, ${runs[0]!.tasks} tasks, all current, ${RUNS} runs (min / median / max)`);
  console.log(`noop:   wall      ${show(spread(runs.map((r) => r.wall)), " s", 2)}`);
  console.log(`noop:   processor ${show(spread(runs.map((r) => r.cpu)), " s", 2)} (user+sys of bake and every process it waited for)`);
}

export async function benchNoop(buildDir: string | null, target: string | null): Promise<void> {
  if (buildDir !== null) {
    measure(resolve(buildDir), resolve(buildDir), target ?? "core-image-minimal", process.env);
    return;
  }
  const root = mkdtempSync(join(tmpdir(), "bake-bench-noop-"));
  try {
    const { build, target: top } = generateNoopLayer(root);
    // Its own shared state and signing key: nothing of the user's caches is read or written.
    const env = { ...process.env, XDG_CONFIG_HOME: join(root, "xdg"), SSTATE_DIR: join(root, "sstate"), DL_DIR: join(root, "downloads") };
    const first = timeBake(build, top, env, false);
    console.log(`noop: generated layer of ${RECIPES} recipes: first build ${first.wall.toFixed(1)} s (${first.cpu.toFixed(1)} s processor time)`);
    measure(`${RECIPES} generated recipes`, build, top, env);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
