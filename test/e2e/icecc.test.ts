// core-image-minimal compiled on an icecream cluster, against the same image built without one.
//
// A scheduler and two iceccd in network namespaces (test/helpers/icecc-cluster.ts): the build
// host's daemon takes no jobs, so every compile job of every target recipe (musl, libgcc, busybox,
// the kernel) runs on the other node, in a chroot of the environment bake packed from its own cross
// toolchain (icecc-env-x86_64:do_icecc_env). The toolchain itself comes from shared state:
// BAKE_E2E_SSTATE_DIR (default /work/bake-cache/sstate when present) as a mirror, trusting
// BAKE_E2E_SSTATE_TRUSTED_KEYS or the user's own key; downloads from BAKE_E2E_DL_DIR.
//
// 1. "local": core-image-minimal without icecc (restoring what the shared cache has).
// 2. "ice": core-image-minimal with INHERIT += "icecc", restoring only native and cross recipes
//    (a mirror of just those objects), so every target recipe compiles, on the cluster.
// Then: every job remote; `bake -S none` signs every task of both alike; the images and every
// shared-state object of the target recipes are byte-identical; and the CPU the build host spent
// in busybox's do_compile with and without icecc (the model's compile fraction, README).
import test from "ava";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { iceccUnavailable, startCluster } from "../helpers/icecc-cluster.js";
import { buildDir } from "../helpers/layer.js";
import { signatureDifferences, signatures } from "../icecc/compare.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bake = join(repo, "bin/bake.js");
const HOST_RECIPE = /^sstate:[^:]*(?:-native|-cross-[^:]*):/;

function run(cmd: string, args: readonly string[], cwd: string): Promise<{ status: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    child.on("close", (status) => done({ status, out: out.slice(-6000) }));
  });
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true }).map(String).filter((f) => statSync(join(dir, f)).isFile());
}

/** Every file of `dirs` (shared-state trees) by name: the first directory that has it wins. */
function objectsByName(dirs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of dirs) for (const f of filesUnder(dir)) if (!out.has(f.split("/").at(-1)!)) out.set(f.split("/").at(-1)!, join(dir, f));
  return out;
}

/** CPU seconds of a task in the newest build statistics of `build` (null: it did not run). */
function taskCpu(build: string, task: string): number | null {
  const base = join(build, "tmp/buildstats");
  for (const name of readdirSync(base).sort().reverse()) {
    const file = join(base, name, "tasks.jsonl");
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (line.includes(`"task":"${task}"`)) return (JSON.parse(line) as { cpu: number | null }).cpu;
    }
  }
  return null;
}

const unavailable = iceccUnavailable();

(unavailable === null ? test : test.skip)("core-image-minimal compiled on an icecc cluster is byte-identical to one compiled locally", async (t) => {
  if (unavailable !== null) return;
  const root = mkdtempSync(join(tmpdir(), "bake-e2e-icecc-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const shared = process.env["BAKE_E2E_SSTATE_DIR"] ?? (existsSync("/work/bake-cache/sstate") ? "/work/bake-cache/sstate" : null);
  const dl = process.env["BAKE_E2E_DL_DIR"] ?? (existsSync("/work/bake-cache/downloads") ? "/work/bake-cache/downloads" : join(root, "downloads"));
  const ownKey = join(homedir(), ".config/bake/sstate-key/bake-user.pub");
  const trusted = process.env["BAKE_E2E_SSTATE_TRUSTED_KEYS"] ?? (existsSync(ownKey) ? ownKey : "");
  const layers = ["meta-core", "meta-bootstrap"].map((l) => join(repo, l));
  const common = [`DL_DIR = "${dl}"`, 'PREMIRRORS ??= "https?://.*/.* apt:///"', ...(trusted ? [`SSTATE_TRUSTED_KEYS = "${trusted}"`] : [])];

  const local = buildDir(join(root, "local"), layers, [...common, ...(shared ? [`SSTATE_MIRRORS = "file://.* file://${shared}/PATH"`] : [])]);
  const r1 = await run(process.execPath, [bake, "core-image-minimal"], local);
  t.is(r1.status, 0, r1.out);

  // The toolchain's objects only (native and cross recipes), from wherever the local build found them.
  const mirror = join(root, "toolchain-sstate");
  for (const [name, path] of objectsByName([join(local, "sstate-cache"), ...(shared ? [shared] : [])])) {
    if (!HOST_RECIPE.test(name)) continue;
    const hash = /:([0-9a-f]{64})_/.exec(name)?.[1];
    if (!hash) continue;
    mkdirSync(join(mirror, hash.slice(0, 2), hash.slice(2, 4)), { recursive: true });
    symlinkSync(path, join(mirror, hash.slice(0, 2), hash.slice(2, 4), name));
  }

  const cluster = await startCluster(7000);
  t.teardown(() => cluster.stop());
  const ice = buildDir(join(root, "ice"), layers, [
    ...common,
    `SSTATE_MIRRORS = "file://.* file://${mirror}/PATH"`,
    'INHERIT += "icecc"',
    'ICECC_PARALLEL_MAKE = "-j 8"',
    `ICECC_TEST_SOCKET = "${cluster.socket}"`,
  ]);
  const [cmd, args] = cluster.inBuildHost(process.execPath, [bake, "core-image-minimal"]);
  const started = Date.now();
  const r2 = await run(cmd, args, ice);
  t.log(`core-image-minimal with icecc: ${((Date.now() - started) / 60000).toFixed(1)} min`);
  t.is(r2.status, 0, r2.out + cluster.logs());

  const jobs = cluster.jobs();
  t.log(`scheduler: compile jobs by server ${JSON.stringify(jobs.byServer)}; node's iceccd: ${jobs.nodeCompleted} remote compiles completed`);
  t.deepEqual(Object.keys(jobs.byServer), ["node"], "the build host's daemon takes no job");
  t.true(jobs.byServer["node"]! > 500, "musl, busybox and the kernel are hundreds of files");
  t.is(jobs.nodeCompleted, jobs.byServer["node"]);
  for (const pn of ["musl", "libgcc", "busybox", "linux"]) {
    const temp = spawnSync(process.execPath, [bake, "getvar", "--value", "-r", pn, "T"], { cwd: ice, encoding: "utf8" }).stdout.trim().split("\n").pop()!;
    t.regex(readFileSync(join(temp, "log.do_compile"), "utf8"), /icecc: compiling through/, `${pn} compiled through icecc`);
  }

  // The same signature for every task of both builds.
  for (const build of [local, ice]) {
    const r = await run(process.execPath, [bake, "-S", "none", "core-image-minimal"], build);
    t.is(r.status, 0, r.out);
  }
  const pns = readdirSync(join(local, "tmp/stamps"), { recursive: true }).map(String).filter((p) => p.split("/").length === 2).map((p) => p.split("/")[1]!);
  const sigLocal = signatures(local, pns, "sigdata");
  const sigIce = signatures(ice, pns, "sigdata");
  t.true(sigLocal.size > 300, `${sigLocal.size} tasks`);
  t.deepEqual(signatureDifferences(sigLocal, sigIce, ["without icecc", "with icecc"]), []);

  // The same bytes: the images, and every object the icecc build made for a target recipe.
  const images = join("tmp/deploy/images/qemux86-64");
  for (const f of ["bzImage", "core-image-minimal-qemux86-64.ext4", "core-image-minimal-qemux86-64.cpio.gz", "core-image-minimal-qemux86-64.tar.zst"]) {
    t.true(readFileSync(join(local, images, f)).equals(readFileSync(join(ice, images, f))), `${f} differs`);
  }
  const reference = objectsByName([join(local, "sstate-cache"), ...(shared ? [shared] : [])]);
  const made = [...objectsByName([join(ice, "sstate-cache")])].filter(([name]) => name.endsWith(".tar.zst") && !HOST_RECIPE.test(name) && !name.startsWith("sstate:icecc-env-"));
  const differ = made.filter(([name, path]) => !reference.has(name) || !readFileSync(reference.get(name)!).equals(readFileSync(path))).map(([name]) => name);
  t.log(`${made.length} shared-state objects of target recipes made with icecc, ${made.length - differ.length} byte-identical to the local build's`);
  t.true(made.length > 20);
  t.deepEqual(differ, []);

  // What the model calls the compile fraction: the share of busybox's compile CPU that left the
  // build host. The local build restored busybox; its compile runs again here to be measured.
  const again = await run(process.execPath, [bake, "-C", "compile", "busybox"], local);
  t.is(again.status, 0, again.out);
  const without = taskCpu(local, "busybox:do_compile");
  const withIcecc = taskCpu(ice, "busybox:do_compile");
  t.true(without !== null && withIcecc !== null);
  t.log(`busybox:do_compile, build host CPU: ${without!.toFixed(1)} s without icecc, ${withIcecc!.toFixed(1)} s with (compile fraction ${(1 - withIcecc! / without!).toFixed(2)}); ` +
    `the node's compiles: ${jobs.remoteCpu.toFixed(0)} CPU-s for the whole image`);
});
