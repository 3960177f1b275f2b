// icecc.bbclass, with the host's gcc standing in for the cross toolchain so that npm test need not
// build one (test/e2e/icecc.test.ts does the same with bake's own toolchain).
//
// First, on any machine: `INHERIT += "icecc"` adds the environment recipe and its edges to
// core-image-minimal's task graph and changes no task's signature (`bake -S none`, nothing runs).
//
// Then, as root with Debian's icecc: a real icecream cluster (test/helpers/icecc-cluster.ts: a
// scheduler and two iceccd in network namespaces), and the same recipe built twice at once in two
// build directories with their own shared state, without icecc and with it. With icecc every
// compile job must run on the cluster's node; both builds must sign every task alike and leave the
// same bytes in shared state.
import test from "ava";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDir } from "../helpers/layer.js";
import { CWORK_FILES, HOST_COMPILER_CONF, writeIceccTestLayer } from "../helpers/icecc-layer.js";
import { iceccUnavailable, startCluster } from "../helpers/icecc-cluster.js";
import { compareBuilds, signatureDifferences, signatures } from "./compare.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bake = join(repo, "bin/bake.js");

/** The layer and two build directories, "local" and "ice" (INHERIT += "icecc", `extra` lines). */
function fixture(extra: readonly string[] = []) {
  const root = mkdtempSync(join(tmpdir(), "bake-icecc-"));
  const layer = join(root, "meta-icecc-test");
  writeIceccTestLayer(layer, { hostCompiler: true });
  // Only this layer's recipes and the environment's (meta-core's recipes-devtools).
  const common = [...HOST_COMPILER_CONF, 'BBMASK = "/meta-core/recipes-(core|kernel)/"'];
  const layers = [join(repo, "meta-core"), layer];
  return {
    root,
    local: buildDir(join(root, "local"), layers, common),
    ice: buildDir(join(root, "ice"), layers, [...common, 'INHERIT += "icecc"', 'ICECC_PARALLEL_MAKE = "-j 8"', ...extra]),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

function output(r: { stdout: string; stderr: string }): string {
  return `${r.stdout}\n${r.stderr}`.slice(-4000);
}

test("INHERIT += \"icecc\" adds the environment to core-image-minimal's build and changes no task's signature", (t) => {
  // Two parses of meta-core and meta-bootstrap and 320 signatures: a minute, several when loaded.
  t.timeout(15 * 60_000);
  const root = mkdtempSync(join(tmpdir(), "bake-icecc-sig-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const layers = ["meta-core", "meta-bootstrap"].map((l) => join(repo, l));
  const local = buildDir(join(root, "local"), layers, ['BB_HASHSERVE = ""']);
  const ice = buildDir(join(root, "ice"), layers, ['BB_HASHSERVE = ""', 'INHERIT += "icecc"']);
  // Signatures only (-S none): nothing runs, no toolchain or icecc is needed.
  for (const build of [local, ice]) {
    const r = spawnSync(process.execPath, [bake, "-S", "none", "core-image-minimal"], { cwd: build, encoding: "utf8" });
    t.is(r.status, 0, output(r));
  }
  const pns = ["gmp-native", "binutils-cross-x86_64", "gcc-cross-x86_64", "musl", "libgcc", "linux-libc-headers", "busybox", "linux", "base-files", "core-image-minimal"];
  const all = (build: string) => signatures(build, readdirSync(join(build, "tmp/stamps"), { recursive: true }).map(String).filter((p) => p.split("/").length === 2).map((p) => p.split("/")[1]!), "sigdata");
  const without = all(local);
  const withIcecc = all(ice);
  t.true(pns.every((pn) => [...without.keys()].some((k) => k.startsWith(`${pn}:`))), "every part of the image is in the build");
  t.true(without.size >= 150, `${without.size} tasks`);
  // Every task of core-image-minimal signs alike; the icecc build has the environment's tasks besides.
  const differences = signatureDifferences(without, withIcecc, ["without icecc", "with icecc"]);
  t.deepEqual(differences.filter((d) => !d.startsWith("icecc-env-x86_64:")), []);
  t.true(withIcecc.has("icecc-env-x86_64:do_icecc_env"));

  const getvar = (...args: string[]) => spawnSync(process.execPath, [bake, "getvar", "--value", ...args], { cwd: ice, encoding: "utf8" }).stdout.trim().split("\n").pop();
  for (const pn of ["musl", "libgcc", "busybox", "linux"]) {
    t.is(getvar("-r", pn, "do_compile", "--flag", "depends"), "icecc-env-x86_64:do_icecc_env", pn);
    t.is(getvar("-r", pn, "do_compile", "--flag", "network"), "1", `${pn}: icecc talks to the nodes itself`);
  }
  t.is(getvar("-r", "gcc-cross-x86_64", "ICECC_LOCAL_REASON"), "a cross recipe: built by the host compiler");
  t.is(getvar("-r", "gmp-native", "ICECC_LOCAL_REASON"), "a native recipe: built by the host compiler");
  t.is(getvar("-r", "linux-libc-headers", "ICECC_LOCAL_REASON"), "does not compile with the cross compiler");
  t.is(getvar("-r", "core-image-minimal", "ICECC_LOCAL_REASON"), "does not compile with the cross compiler");
});

const unavailable = iceccUnavailable();

(unavailable === null ? test : test.skip)("a recipe compiled on an icecc cluster: every job remote, signatures and bytes as a local build", async (t) => {
  if (unavailable !== null) return;
  // Two real builds and a compiler environment: minutes on a loaded machine.
  t.timeout(20 * 60_000);
  const cluster = await startCluster(1200);
  t.teardown(() => cluster.stop());
  const f = fixture([`ICECC_TEST_SOCKET = "${cluster.socket}"`]);
  t.teardown(f.cleanup);
  const [cmd, args] = cluster.inBuildHost(process.execPath, [bake, "cwork"]);
  const [local, ice] = await Promise.all([run(process.execPath, [bake, "cwork"], f.local), run(cmd, args, f.ice)]);
  t.is(local.status, 0, output(local));
  t.is(ice.status, 0, output(ice) + cluster.logs());

  // Every compile of cwork's Makefile went through the scheduler to the node, none stayed here.
  const jobs = cluster.jobs();
  t.log(`scheduler: compile jobs by server ${JSON.stringify(jobs.byServer)}; node's iceccd: ${jobs.nodeCompleted} remote compiles completed`);
  t.deepEqual(jobs.byServer, { node: CWORK_FILES }, cluster.logs());
  t.is(jobs.nodeCompleted, CWORK_FILES);
  const compileLog = readFileSync(join(f.ice, "tmp/work/x86_64-bake-linux-musl/cwork/1.0/temp/log.do_compile"), "utf8");
  t.regex(compileLog, /icecc: compiling through .*icecc-bin with environment .*\/deploy\/icecc\/x86_64-bake-linux-musl\/[0-9a-f]{32}\.tar\.gz/);
  t.regex(compileLog, /make -j 8/);

  const same = compareBuilds(f.local, f.ice, ["cwork", "hostgcc-cross-x86_64"]);
  t.log(`${same.stamps} task signatures equal, ${same.objects} shared-state objects byte-identical`);
  t.deepEqual(same.differences, []);
  t.true(same.objects >= 4, "cwork's populate_sysroot, package, packagedata, package_write_tar and more");
  // The environment is shared state like any other output.
  t.true(readdirSync(join(f.ice, "sstate-cache"), { recursive: true }).some((p) => /sstate:icecc-env-x86_64:.*_icecc_env\.tar\.zst$/.test(String(p))));
});

function run(cmd: string, args: readonly string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("close", (status) => done({ status, stdout, stderr }));
  });
}
