// The recipe classes on real cross builds (long: `npm run test:e2e`): zlib (its zlib.pc through the
// pkgconfig wrapper), libzip with CMake against it, fribidi with Meson, dropbear with autotools and
// update-rc.d, in core-image-base; qemu-system-x86_64 boots the image with user networking and a
// forwarded port, and the host's ssh client logs in as root with a key this test makes (installed
// by ROOTFS_ROOT_AUTHORIZED_KEYS), runs `uname -a` and the cmake and meson programs, and powers
// the guest off.
//
// BAKE_E2E_DL_DIR and BAKE_E2E_SSTATE_DIR point at shared downloads and shared state, as for
// core-image-minimal's test; BAKE_E2E_SSH_PORT (default 2222) is the host port forwarded to 22.
import test from "ava";
import { e2eSstateConf } from "../helpers/e2e-sstate.js";
import { buildDir } from "../helpers/layer.js";
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bake = join(repo, "bin/bake.js");
const root = mkdtempSync(join(process.env["BAKE_E2E_TMPDIR"] ?? tmpdir(), "bake-e2e-base-"));
const build = join(root, "build");
const deploy = join(build, "tmp/deploy/images/qemux86-64");
const key = join(root, "id_ed25519");
const port = process.env["BAKE_E2E_SSH_PORT"] ?? "2222";

buildDir(build, ["meta-core", "meta-bootstrap", "meta-containers"].map((l) => join(repo, l)), [
  `DL_DIR = "${process.env["BAKE_E2E_DL_DIR"] ?? join(build, "downloads")}"`,
  ...e2eSstateConf(build),
  'PREMIRRORS ??= "https?://.*/.* apt:///"',
  `ROOTFS_ROOT_AUTHORIZED_KEYS = "${key}.pub"`,
]);

test.after.always(() => {
  if (!process.env["BAKE_TEST_KEEP"]) rmSync(root, { recursive: true, force: true });
});

function bakeRun(...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [bake, ...args], { cwd: build, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
}

const work = (pn: string, pv: string) => join(build, "tmp/work/x86_64-bake-linux-musl", pn, pv);

test.serial("bake core-image-base: zlib, libzip (cmake), fribidi (meson), dropbear, in an image", (t) => {
  const keygen = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "bake-e2e", "-f", key], { encoding: "utf8" });
  t.is(keygen.status, 0, keygen.stderr);
  const start = process.hrtime.bigint();
  const r = bakeRun("core-image-base");
  t.log(`build: ${(Number(process.hrtime.bigint() - start) / 1e9).toFixed(0)} s`);
  t.is(r.status, 0, (r.stdout + r.stderr).slice(-8000));
  const manifest = readFileSync(join(deploy, "core-image-base-qemux86-64.manifest"), "utf8");
  for (const pkg of ["dropbear 2022.83-r0", "zlib 1.2.13-r0", "init-ifupdown 1.0-r0", "busybox 1.35.0-r0", "libzip-tools 1.7.3-r0", "fribidi-bin 1.0.8-r0", "lzip 1.23-r0", "libstdc++ 12.2.0-r0"]) {
    t.true(manifest.includes(`${pkg} `), `${pkg} in the manifest:\n${manifest}`);
  }
  t.log(manifest.trim());
});

test.serial("the cross builds: the target's ELF, zlib found in the sysroot by pkg-config and CMake", (t) => {
  const readelf = (file: string) => spawnSync("readelf", ["-h", "-d", file], { encoding: "utf8" }).stdout;
  // The programs as the image has them (built here or restored from shared state alike).
  const rootfs = mkdtempSync(join(root, "rootfs-"));
  const untar = spawnSync("tar", ["--zstd", "-xf", join(deploy, "core-image-base-qemux86-64.tar.zst"), "-C", rootfs, "./usr/sbin/dropbear", "./usr/bin/ziptool", "./usr/bin/fribidi", "./usr/bin/lzip"], { encoding: "utf8" });
  t.is(untar.status, 0, untar.stderr);
  const dropbear = readelf(join(rootfs, "usr/sbin/dropbear"));
  t.regex(dropbear, /Machine:\s+Advanced Micro Devices X86-64/);
  t.regex(dropbear, /NEEDED.*\[libz\.so\.1\]/);
  t.regex(dropbear, /NEEDED.*\[libc\.so\]/, "linked against musl");
  t.regex(readelf(join(rootfs, "usr/bin/ziptool")), /NEEDED.*\[libzip\.so\.5\]/);
  t.regex(readelf(join(rootfs, "usr/bin/fribidi")), /NEEDED.*\[libfribidi\.so\.0\]/);
  t.regex(readelf(join(rootfs, "usr/bin/lzip")), /NEEDED.*\[libstdc\+\+\.so\.6\]/);
  // How they were configured, where this build compiled them (a restore leaves no work directory).
  const libzip = work("libzip", "1.7.3");
  if (existsSync(join(libzip, "build/CMakeCache.txt"))) {
    // pkg-config through libzip's wrapper: the cross-built zlib.pc of the sysroot.
    const pc = spawnSync(join(libzip, "pkgconfig-wrapper/pkg-config"), ["--cflags", "--libs", "--modversion", "zlib"], { encoding: "utf8" });
    t.is(pc.status, 0, pc.stderr);
    t.is(pc.stdout.trim().split("\n").at(-1), "1.2.13");
    // CMake's FindZLIB took the sysroot's library, not the host's.
    const cache = readFileSync(join(libzip, "build/CMakeCache.txt"), "utf8");
    t.regex(cache, new RegExp(`^ZLIB_LIBRARY_RELEASE:FILEPATH=${libzip}/recipe-sysroot/usr/lib/libz\\.so$`, "m"));
    t.regex(cache, /^CMAKE_C_COMPILER:[A-Z]+=.*x86_64-bake-linux-musl-gcc$/m);
  } else t.log("libzip restored from shared state: its CMake cache is not here to inspect");
  const fribidi = work("fribidi", "1.0.8");
  // Meson built fribidi's tables with the build host's compiler and the library with the cross one.
  if (existsSync(join(fribidi, "meson.cross"))) t.regex(readFileSync(join(fribidi, "meson.cross"), "utf8"), /^c = \['x86_64-bake-linux-musl-gcc', '--sysroot=/m);
  else t.log("fribidi restored from shared state: its meson cross file is not here to inspect");
});

test.serial("core-image-base: passwd and rc links in the image", (t) => {
  const listing = spawnSync("tar", ["--zstd", "-tvf", join(deploy, "core-image-base-qemux86-64.tar.zst")], { encoding: "utf8" }).stdout;
  t.regex(listing, /\.\/etc\/rc5\.d\/S10dropbear -> \.\.\/init\.d\/dropbear/);
  t.regex(listing, /\.\/etc\/rc0\.d\/K10dropbear -> \.\.\/init\.d\/dropbear/);
  t.regex(listing, /\.\/etc\/rc5\.d\/S01networking -> \.\.\/init\.d\/networking/);
  t.regex(listing, /^-rw------- 0\/0 .* \.\/root\/\.ssh\/authorized_keys$/m);
});

test.serial("qemu boots it, the host's ssh logs in with the key, runs uname -a, powers off", async (t) => {
  if (!existsSync(join(deploy, "bzImage"))) return t.fail("no kernel deployed");
  const qemu = spawn("qemu-system-x86_64", [
    "-m", "256", "-nographic", "-no-reboot", "-monitor", "none", "-serial", "stdio",
    "-kernel", join(deploy, "bzImage"),
    "-initrd", join(deploy, "core-image-base-qemux86-64.cpio.gz"),
    "-append", "console=ttyS0 rdinit=/sbin/init panic=-1",
    "-nic", `user,hostfwd=tcp:127.0.0.1:${port}-:22`,
  ], { stdio: ["pipe", "pipe", "pipe"] });
  let console = "";
  qemu.stdout.on("data", (c: Buffer) => (console += c.toString("utf8")));
  qemu.stderr.on("data", (c: Buffer) => (console += c.toString("utf8")));
  const exited = new Promise<number | null>((res) => qemu.on("exit", (code) => res(code)));
  const until = async (what: string, ok: () => boolean, seconds = 600) => {
    // A generous bound only so that a hung guest ends the test; no timing is asserted.
    for (let i = 0; i < seconds * 2; i++) {
      if (ok()) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`no ${what}:\n${console.slice(-4000)}`);
  };
  const ssh = (command: string) =>
    spawnSync("ssh", [
      "-i", key, "-p", port, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
      "-o", "BatchMode=yes", "-o", "ConnectTimeout=20", "-o", "LogLevel=ERROR", "root@127.0.0.1", command,
    ], { encoding: "utf8", timeout: 120_000 });
  try {
    await until("banner", () => /Welcome to bake [\d.]+ \(qemux86-64\)/.test(console));
    await until("dropbear started", () => /Starting Dropbear SSH server/.test(console));
    let login: SpawnSyncReturns<string> | undefined;
    await until("ssh login", () => {
      login = ssh("uname -a");
      return login.status === 0;
    }, 300);
    t.regex(login!.stdout, /^Linux qemux86-64 6\.1\.176 #1 .* x86_64/);
    const more = ssh("id; cat /proc/net/route | wc -l; ziptool 2>&1 | head -n 1; echo abc | fribidi --nopad; echo c++ round trip | lzip -9 | lzip -d");
    t.is(more.status, 0, more.stderr);
    t.regex(more.stdout, /^uid=0\(root\) gid=0\(root\)/m);
    t.regex(more.stdout, /usage: ziptool/);
    t.regex(more.stdout, /^abc$/m);
    t.regex(more.stdout, /^c\+\+ round trip$/m, "lzip (C++, libstdc++.so.6 from the image) compressed and decompressed");
    t.log(`$ ssh -p ${port} root@127.0.0.1 uname -a\n${login!.stdout.trim()}`);
    const off = ssh("poweroff");
    t.true(off.status === 0 || off.status === 255, off.stderr);
    await until("poweroff", () => /reboot: Power down/.test(console), 300);
    t.is(await exited, 0);
    t.log(console.split("\n").filter((l) => /Welcome|Starting|Configuring|lease|Power down/.test(l)).join("\n"));
  } finally {
    qemu.kill("SIGKILL");
  }
});
