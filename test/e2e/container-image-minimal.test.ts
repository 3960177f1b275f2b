// The proof of meta-containers (long: `npm run test:e2e`): `bake container-image-minimal` builds
// skalibs and execline (cross-compiled, static; execline's programs run here), busybox with the
// runit applets, the demo service and the OCI image; skopeo reads the image, umoci unpacks it and
// runc runs the bundle: the supervisor is PID 1's child, httpd answers on the container's loopback
// as the httpd user, is restarted after it is killed, and the container stops cleanly on SIGTERM.
// Where runc cannot run a container here, the same checks run in `unshare` namespaces chrooted
// into the unpacked rootfs (the log says which and why). A second build directory at another path,
// with its own shared state for the image (its image tasks rerun), gives the same manifest digest.
// With CONTAINER_SUPERVISOR = "s6" the recipes still parse and the build stops at s6's do_fetch.
//
// Debian packages: skopeo umoci runc (and jq-free: the bundle's config is edited here).
// BAKE_E2E_DL_DIR and BAKE_E2E_SSTATE_DIR point at shared downloads and shared state (default: in
// the temporary build directory); BAKE_E2E_SSTATE_MIRRORS (an SSTATE_MIRRORS value) reads more.
import test, { type ExecutionContext } from "ava";
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { arch, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDir } from "../helpers/layer.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bake = join(repo, "bin/bake.js");
const root = mkdtempSync(join(process.env["BAKE_E2E_TMPDIR"] ?? tmpdir(), "bake-e2e-container-"));
const image = "container-image-minimal";
const deployOf = (build: string) => join(build, "tmp/deploy/images/qemux86-64");
const layoutOf = (build: string) => join(deployOf(build), `${image}-qemux86-64.oci`);

function makeBuildDir(name: string, sstateDir: string, mirrors: readonly string[]): string {
  return buildDir(join(root, name), ["meta-core", "meta-bootstrap", "meta-containers"].map((l) => join(repo, l)), [
    `DL_DIR = "${process.env["BAKE_E2E_DL_DIR"] ?? join(root, "downloads")}"`,
    `SSTATE_DIR = "${sstateDir}"`,
    `SSTATE_MIRRORS = "${mirrors.join(" ")}"`,
    'PREMIRRORS ??= "https?://.*/.* apt:///"',
  ]);
}

const sharedMirrors = process.env["BAKE_E2E_SSTATE_MIRRORS"] ? [process.env["BAKE_E2E_SSTATE_MIRRORS"]] : [];
const sstateA = process.env["BAKE_E2E_SSTATE_DIR"] ?? join(root, "sstate-a");
const buildA = makeBuildDir("build-a", sstateA, sharedMirrors);
// B reads A's shared state through a mirror but writes its own: everything restores except the
// image tasks, which -C rootfs makes run again.
const buildB = makeBuildDir("build-b-at-another-path", join(root, "sstate-b"), [`file://.* file://${sstateA}/PATH`, ...sharedMirrors]);

const containers: string[] = [];
const background: { kill: (s: NodeJS.Signals) => boolean }[] = [];
test.after.always(() => {
  for (const id of containers) spawnSync("runc", ["delete", "-f", id]);
  for (const p of background) p.kill("SIGKILL");
  if (!process.env["BAKE_TEST_KEEP"]) rmSync(root, { recursive: true, force: true });
});

function runBake(build: string, args: readonly string[]): { status: number | null; output: string; seconds: number } {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bake, ...args], { cwd: build, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status, output: r.stdout + r.stderr, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

/**
 * Builds the image with its image tasks run, even where a shared state already has this image:
 * `-C rootfs` invalidates do_rootfs, then the default task runs do_image and do_image_complete after it.
 */
function buildImage(build: string): { status: number | null; output: string; seconds: number } {
  return runBake(build, ["-C", "rootfs", image]);
}

function tasksRun(output: string): string[] {
  return [...output.matchAll(/^NOTE: Running task \d+ of \d+ \(([^)]+)\)/gm)].map((m) => m[1]!);
}

function run(cmd: string, args: readonly string[], opts: { cwd?: string; input?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...opts });
}

function manifestDigest(build: string): string {
  const index = JSON.parse(readFileSync(join(layoutOf(build), "index.json"), "utf8")) as { manifests: { digest: string }[] };
  return index.manifests[0]!.digest;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value; a generous bound only so that a hang ends the test. */
async function until<T>(what: string, probe: () => T | null, bound = 120_000): Promise<T> {
  const end = Date.now() + bound;
  for (;;) {
    const v = probe();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await sleep(250);
  }
}

let firstDigest = "";

test.serial("bake builds skalibs, execline and container-image-minimal (tar.zst, OCI)", (t) => {
  const libs = runBake(buildA, ["skalibs", "execline"]);
  t.is(libs.status, 0, libs.output.slice(-8000));
  t.log(`skalibs + execline: ${libs.seconds.toFixed(0)} s; ran: ${tasksRun(libs.output).filter((x) => /^(skalibs|execline):do_compile$/.test(x)).join(" ") || "(restored)"}`);
  const r = buildImage(buildA);
  t.is(r.status, 0, r.output.slice(-8000));
  const ran = tasksRun(r.output);
  t.true(ran.includes(`${image}:do_rootfs`) && ran.includes(`${image}:do_image`), ran.join(" "));
  t.false(ran.some((x) => /^(gcc-cross|binutils-cross)/.test(x)), "the toolchain must be restored, not rebuilt");
  const deploy = deployOf(buildA);
  const tarSize = readFileSync(join(deploy, `${image}-qemux86-64.tar.zst`)).length;
  const manifest = readFileSync(join(deploy, `${image}-qemux86-64.manifest`), "utf8");
  t.regex(manifest, /^busybox 1\.35\.0-r0 GPL-2\.0-only$/m);
  t.regex(manifest, /^httpd-demo 1\.0-r0 MIT$/m);
  t.regex(manifest, /^container-init 1\.0-r0 MIT$/m);
  firstDigest = manifestDigest(buildA);
  t.log(`image build: ${r.seconds.toFixed(0)} s; tar.zst ${tarSize} bytes; manifest ${firstDigest}\n${manifest.trim()}`);
});

test.serial("execline's programs (static, x86_64 musl) run: foreground, pipeline, backtick", (t) => {
  if (arch() !== "x64") return t.pass("not an x86_64 host: the target programs cannot run here");
  // The package as the image would install it (restored from shared state or built).
  const pkg = join(root, "execline-pkg");
  mkdirSync(pkg, { recursive: true });
  const archive = join(buildA, "tmp/deploy/tar/x86_64/execline_2.9.6.1-r0_x86_64.tar");
  t.is(run("tar", ["-xf", archive, "-C", pkg]).status, 0, archive);
  const bin = join(pkg, "usr/bin");
  t.true(existsSync(join(bin, "execlineb")));
  t.regex(run("file", [join(bin, "execlineb")]).stdout, /ELF 64-bit.*x86-64.*statically linked/);
  const env = { PATH: `${bin}:/usr/bin:/bin` };
  const r = spawnSync(join(bin, "execlineb"), ["-c", "foreground { echo one } backtick -E X { echo two } pipeline { echo $X } tr a-z A-Z"], { encoding: "utf8", env });
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, "one\nTWO\n");
  const missing = spawnSync(join(bin, "execlineb"), ["-c", "foreground { no-such-program } importas r ? echo status $r"], { encoding: "utf8", env });
  t.is(missing.stdout, "status 127\n");
  t.regex(missing.stderr, /unable to spawn no-such-program/);
});

test.serial("skopeo inspect reads the OCI layout", (t) => {
  const layout = layoutOf(buildA);
  const r = run("skopeo", ["inspect", `oci:${layout}:latest`]);
  t.is(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout) as { Digest: string; Architecture: string; Os: string; Layers: string[]; Labels: Record<string, string> };
  t.is(info.Digest, firstDigest);
  t.is(info.Architecture, "amd64");
  t.is(info.Os, "linux");
  t.is(info.Layers.length, 1);
  t.is(info.Labels["io.bake.supervisor"], "runit");
  const config = run("skopeo", ["inspect", "--config", `oci:${layout}:latest`]);
  t.is(config.status, 0, config.stderr);
  const cfg = JSON.parse(config.stdout) as { config: { Entrypoint: string[]; StopSignal: string } };
  t.deepEqual(cfg.config.Entrypoint, ["/sbin/runit-container-init"]);
  t.is(cfg.config.StopSignal, "SIGTERM");
  t.log(`skopeo inspect:\n${r.stdout.trim()}`);
});

/** How commands run inside the unpacked image: runc, or namespaces + chroot where runc cannot. */
interface Sandbox {
  readonly kind: string;
  exec(script: string): SpawnSyncReturns<string>;
  stop(): Promise<void>;
}

// umoci writes runc's minimal default capability set (AUDIT_WRITE, KILL, NET_BIND_SERVICE); the
// supervisor starts services as other users, which needs SETUID/SETGID and CHOWN as docker and
// podman grant by default. The set below is theirs.
const defaultCaps = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",
  "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SYS_CHROOT", "CAP_MKNOD", "CAP_AUDIT_WRITE", "CAP_SETFCAP"];

async function startRunc(t: ExecutionContext, bundle: string): Promise<Sandbox | string> {
  const configPath = join(bundle, "config.json");
  const config = JSON.parse(readFileSync(configPath, "utf8")) as {
    process: { terminal: boolean; capabilities: Record<string, string[]> };
  };
  config.process.terminal = false;
  for (const set of ["bounding", "effective", "permitted"]) config.process.capabilities[set] = defaultCaps;
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const id = `bake-e2e-${process.pid}`;
  // The container's PID 1 inherits runc's stdout and stderr when detached: they go to a file (a
  // pipe would stay open for as long as the container runs).
  const logPath = join(root, "runc-run.log");
  const logFd = openSync(logPath, "w");
  const started = spawnSync("runc", ["run", "--detach", "--bundle", bundle, id], { stdio: ["ignore", logFd, logFd] });
  closeSync(logFd);
  if (started.status !== 0) return `runc run: exit ${started.status}: ${readFileSync(logPath, "utf8").trim()}`;
  containers.push(id);
  t.log(`runc run --detach: container ${id} started`);
  return {
    kind: "runc",
    exec: (script) => run("runc", ["exec", id, "/bin/sh", "-c", script]),
    stop: async () => {
      t.is(run("runc", ["kill", id, "SIGTERM"]).status, 0);
      await until("the container to stop after SIGTERM", () => {
        const s = run("runc", ["state", id]);
        return s.status === 0 && (JSON.parse(s.stdout) as { status: string }).status === "stopped" ? true : null;
      });
      t.log("runc kill SIGTERM: the container stopped (services stopped by runit-container-init)");
      t.is(run("runc", ["delete", id]).status, 0);
      containers.splice(containers.indexOf(id), 1);
    },
  };
}

async function startUnshare(t: ExecutionContext, rootfs: string): Promise<Sandbox> {
  // PID, mount, network, UTS and IPC namespaces; the entrypoint as PID 1 of its PID namespace.
  const child = spawn("unshare", ["--fork", "--pid", "--mount", "--net", "--uts", "--ipc", "--mount-proc",
    `--root=${rootfs}`, "/sbin/runit-container-init"], { stdio: "ignore" });
  background.push(child);
  const pid = await until("the unshare'd init", () => {
    const r = run("pgrep", ["-P", String(child.pid), "-f", "runit-container-init"]);
    return r.status === 0 ? r.stdout.trim().split("\n")[0]! : null;
  });
  const nsenter = (script: string) => run("nsenter", ["--target", pid, "--all", "--root", "--wd=/", "/bin/sh", "-c", script]);
  t.is(nsenter("ip link set lo up").status, 0);
  return {
    kind: "unshare+chroot",
    exec: nsenter,
    stop: async () => {
      run("kill", ["-TERM", pid]);
      await new Promise((r) => child.on("exit", r));
    },
  };
}

test.serial("umoci unpacks it; in a container the supervisor runs httpd as httpd and restarts it", async (t) => {
  const bundle = join(root, "bundle");
  const unpack = run("umoci", ["unpack", "--image", `${layoutOf(buildA)}:latest`, bundle]);
  t.is(unpack.status, 0, unpack.stderr);
  t.true(existsSync(join(bundle, "rootfs/etc/service/httpd/run")));
  t.regex(readFileSync(join(bundle, "rootfs/etc/passwd"), "utf8"), /^httpd:x:80:80:busybox httpd demo:\/srv\/www:\/bin\/false$/m);

  let sandbox = await startRunc(t, bundle);
  if (typeof sandbox === "string") {
    t.log(`runc cannot run a container here (${sandbox}); the same checks run with unshare + chroot`);
    sandbox = await startUnshare(t, join(bundle, "rootfs"));
  }
  const box = sandbox;
  t.log(`sandbox: ${box.kind}`);

  const page = (): string | null => {
    const r = box.exec("wget -qO- http://127.0.0.1:80/");
    return r.status === 0 && r.stdout.includes("Hello from a supervised busybox httpd") ? r.stdout : null;
  };
  const httpdPid = (): string | null => {
    const r = box.exec("pidof httpd");
    return r.status === 0 && /^\d+$/.test(r.stdout.trim()) ? r.stdout.trim() : null;
  };
  await until("httpd to answer on 127.0.0.1:80", page);
  const ps = box.exec("ps -o pid,user,args");
  t.log(`ps in the ${box.kind} sandbox:\n${ps.stdout.trim()}`);
  t.regex(ps.stdout, /^\s*1 .*runit-container-init/m);
  t.regex(ps.stdout, /runsvdir -P \/etc\/service/);
  t.regex(ps.stdout, /runsv httpd/);
  const first = (await until("httpd's pid", httpdPid));
  t.is(box.exec(`sed -n 's/^Uid:[[:space:]]*\\([0-9]*\\).*/\\1/p' /proc/${first}/status`).stdout.trim(), "80", "httpd runs as uid 80 (httpd)");

  t.is(box.exec(`kill ${first}`).status, 0);
  const second = await until("runsv to restart httpd", () => {
    const p = httpdPid();
    return p !== null && p !== first ? p : null;
  });
  await until("the restarted httpd to answer", page);
  const status = box.exec("sv status /etc/service/httpd");
  t.regex(status.stdout, /^run: \/etc\/service\/httpd: \(pid \d+\)/);
  t.log(`httpd pid ${first} killed; restarted as pid ${second}; ${status.stdout.trim()}`);
  const log = box.exec("cat /var/log/httpd/current");
  t.regex(log.stdout, /response:200/);
  await box.stop();
});

test.serial("a second build directory at another path gives the same manifest digest", (t) => {
  const r = buildImage(buildB);
  t.is(r.status, 0, r.output.slice(-8000));
  const ran = tasksRun(r.output);
  t.true(ran.includes(`${image}:do_rootfs`) && ran.includes(`${image}:do_image`), ran.join(" "));
  t.deepEqual(ran.filter((x) => /:do_(compile|configure)$/.test(x)), [], "everything but the image is restored");
  const digest = manifestDigest(buildB);
  t.is(digest, firstDigest);
  const blobs = (b: string) => readdirSync(join(layoutOf(b), "blobs/sha256")).sort();
  t.deepEqual(blobs(buildB), blobs(buildA));
  t.log(`second build: ${r.seconds.toFixed(0)} s; tasks run: ${ran.join(" ")}; manifest ${digest}`);
});

test.serial("CONTAINER_SUPERVISOR = \"s6\": parsing succeeds, the build stops at s6's do_fetch", (t) => {
  const build = makeBuildDir("build-s6", join(root, "sstate-b"), [`file://.* file://${sstateA}/PATH`, ...sharedMirrors]);
  writeFileSync(join(build, "conf/local.conf"), readFileSync(join(build, "conf/local.conf"), "utf8") + 'CONTAINER_SUPERVISOR = "s6"\n');
  const entry = runBake(build, ["getvar", "-r", image, "--value", "OCI_IMAGE_ENTRYPOINT"]);
  t.is(entry.status, 0, entry.output);
  t.is(entry.output.trim().split("\n").pop(), "s6-svscan /etc/service");
  const r = runBake(build, [image, "--runall=fetch"]);
  t.not(r.status, 0);
  t.notRegex(r.output, /failed to parse/);
  t.regex(r.output, /s6_2\.11\.3\.2\.bb:do_fetch\) failed/);
  t.regex(r.output, /https:\/\/skarnet\.org\/software\/s6\/s6-2\.11\.3\.2\.tar\.gz/);
  t.log(r.output.split("\n").filter((l) => /ERROR/.test(l)).slice(0, 6).join("\n"));
});
