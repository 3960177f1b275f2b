// Shared rig for the fetch-in-a-build tests: a temp layer on top of meta-core, a build directory,
// and `bin/bake.js` run as a child process. The child is spawned asynchronously: the test's HTTP
// server lives in this process and must keep answering while bake runs.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bakeJs = join(repo, "bin/bake.js");

export function write(path: string, text: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

export interface Fixture {
  readonly root: string;
  readonly layer: string;
  readonly build: string;
  readonly cleanup: () => void;
}

/**
 * A layer `meta-ftest` holding `files` (paths relative to the layer: recipes, bbappends, their
 * files) and a build directory using meta-core and it, with `localConf` lines added.
 */
export function fixture(name: string, files: Readonly<Record<string, string>>, localConf: readonly string[] = []): Fixture {
  const root = mkdtempSync(join(tmpdir(), `bake-${name}-`));
  const layer = join(root, "meta-ftest");
  const build = join(root, "build");
  write(
    join(layer, "conf/layer.conf"),
    [
      'BBPATH .= ":${LAYERDIR}"',
      'BBFILES += "${LAYERDIR}/recipes-*/*/*.bb ${LAYERDIR}/appends/*/*.bbappend"',
      'BBFILE_COLLECTIONS += "ftest"',
      'BBFILE_PATTERN_ftest = "^${LAYERDIR}/"',
      'BBFILE_PRIORITY_ftest = "6"',
      'LAYERDEPENDS_ftest = "core"',
      'LAYERSERIES_COMPAT_ftest = "ember"',
      "",
    ].join("\n"),
  );
  for (const [path, text] of Object.entries(files)) write(join(layer, path), text);
  write(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${join(repo, "meta-core")} ${layer}"\n`);
  // The test recipes compile nothing: no cross toolchain in their DEPENDS.
  write(join(build, "conf/local.conf"), ['MACHINE ??= "qemux86-64"', 'INHIBIT_DEFAULT_DEPS = "1"', ...localConf, ""].join("\n"));
  return { root, layer, build, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export interface BakeRun {
  readonly code: number | null;
  readonly out: string;
  readonly seconds: number;
}

/**
 * Runs bake in the build directory `cwd` (plain output: not a terminal), with `env` added to this
 * environment and HOME in the fixture, so that nothing bake keeps per user leaks between tests.
 */
export function bake(cwd: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<BakeRun> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bakeJs, ...args], {
      cwd,
      env: { ...process.env, HOME: dirname(cwd), BB_NUMBER_THREADS: "4", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 240_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, out, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** Task logs (`log.do_x.<pid>`) under `dir`, sorted. */
export function taskLogs(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (/^log\.do_.*\.\d+$/.test(e.name)) out.push(join(d, e.name));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

/** Whether `unshare --net --map-current-user` works here (the isolation tests need it). */
export function unshareWorks(): boolean {
  const found = ["/usr/bin/unshare", "/bin/unshare"].find((p) => existsSync(p));
  if (found === undefined) return false;
  return spawnSync(found, ["--net", "--map-current-user", "/bin/sh", "-c", "exit 0"], { stdio: "ignore" }).status === 0;
}
