// The proof of meta-core (long: `npm run test:e2e`): in a fresh build directory with the
// repository's layers, `bake core-image-minimal` builds the cross toolchain, busybox, the kernel
// and the images; qemu-system-x86_64 boots the kernel with the cpio.gz as initramfs and the ext4
// as a virtio disk, and the serial console shows the banner, `busybox uname -a` and a clean
// poweroff; a second bake runs no task; after `rm -rf tmp` with the shared state kept, the
// images are restored, not compiled, and are the same bytes.
//
// BAKE_E2E_DL_DIR and BAKE_E2E_SSTATE_DIR point at shared downloads and shared state (default: in
// the temporary build directory, so everything is fetched and built). BAKE_E2E_EXTRA_LAYERS and
// BAKE_E2E_EXTRA_CONF (a file appended to local.conf) adjust the build, e.g. to try it with
// another toolchain.
import test from "ava";
import { buildDir } from "../helpers/layer.js";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bake = join(repo, "bin/bake.js");
const root = mkdtempSync(join(process.env["BAKE_E2E_TMPDIR"] ?? tmpdir(), "bake-e2e-image-"));
const build = join(root, "build");
const deploy = join(build, "tmp/deploy/images/qemux86-64");

buildDir(build, ["meta-core", "meta-bootstrap", "meta-containers"].map((l) => join(repo, l)).concat(process.env["BAKE_E2E_EXTRA_LAYERS"] ?? []), [
  `DL_DIR = "${process.env["BAKE_E2E_DL_DIR"] ?? join(build, "downloads")}"`,
  `SSTATE_DIR = "${process.env["BAKE_E2E_SSTATE_DIR"] ?? join(build, "sstate-cache")}"`,
  'PREMIRRORS ??= "https?://.*/.* apt:///"',
  process.env["BAKE_E2E_EXTRA_CONF"] ? readFileSync(process.env["BAKE_E2E_EXTRA_CONF"], "utf8") : "",
]);

test.after.always(() => {
  if (!process.env["BAKE_TEST_KEEP"]) rmSync(root, { recursive: true, force: true });
});

function runBake(): { status: number | null; output: string; seconds: number } {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bake, "core-image-minimal"], { cwd: build, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status, output: r.stdout + r.stderr, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

/** Which tasks ran ("pn:do_task"), from the build output. */
function tasksRun(output: string): string[] {
  return [...output.matchAll(/^NOTE: Running task \d+ of \d+ \(([^)]+)\)/gm)].map((m) => m[1]!);
}

function images(): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of readdirSync(deploy).sort()) {
    if (/\.rootfs\.|^bzImage-.*\.bin$/.test(name)) out.set(name, readFileSync(join(deploy, name)));
  }
  return out;
}

let firstImages: Map<string, Buffer> | undefined;

test.serial("bake core-image-minimal builds the images and the kernel", (t) => {
  const r = runBake();
  t.log(`first build: ${r.seconds.toFixed(0)} s`);
  t.is(r.status, 0, r.output.slice(-8000));
  for (const type of ["tar.zst", "cpio.gz", "ext4", "manifest"]) {
    t.notThrows(() => readFileSync(join(deploy, `core-image-minimal-qemux86-64.${type}`)), type);
  }
  t.notThrows(() => readFileSync(join(deploy, "bzImage")));
  const manifest = readFileSync(join(deploy, "core-image-minimal-qemux86-64.manifest"), "utf8");
  t.regex(manifest, /^busybox 1\.35\.0-r0 GPL-2\.0-only$/m);
  t.regex(manifest, /^initscripts 1\.0-r0 MIT$/m);
  firstImages = images();
});

test.serial("qemu boots it: banner, busybox uname -a, clean poweroff", async (t) => {
  const qemu = spawn("qemu-system-x86_64", [
    "-m", "256", "-nographic", "-no-reboot", "-monitor", "none", "-serial", "stdio",
    "-kernel", join(deploy, "bzImage"),
    "-initrd", join(deploy, "core-image-minimal-qemux86-64.cpio.gz"),
    "-drive", `file=${join(deploy, "core-image-minimal-qemux86-64.ext4")},if=virtio,format=raw,snapshot=on`,
    "-append", "console=ttyS0 rdinit=/sbin/init panic=-1",
  ], { stdio: ["pipe", "pipe", "pipe"] });
  let console = "";
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    console += chunk.toString("utf8");
    for (const w of [...waiters]) {
      if (w.re.test(console)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  qemu.stdout.on("data", onData);
  qemu.stderr.on("data", onData);
  const exited = new Promise<number | null>((res) => qemu.on("exit", (code) => res(code)));
  // No timing assertions: a generous bound only so that a hung guest ends the test.
  const waitFor = (re: RegExp, what: string) =>
    new Promise<void>((res, rej) => {
      if (re.test(console)) return res();
      waiters.push({ re, resolve: res });
      setTimeout(() => rej(new Error(`no ${what} on the console:\n${console.slice(-3000)}`)), 600_000).unref();
    });
  try {
    await waitFor(/Welcome to bake [\d.]+ \(qemux86-64\)/, "banner");
    await waitFor(/# $/m, "shell prompt");
    qemu.stdin.write("busybox uname -a\n");
    await waitFor(/Linux qemux86-64 6\.1\.176 #1 .* x86_64/, "uname output");
    qemu.stdin.write("mount -t ext4 -o ro /dev/vda /mnt && cat /mnt/etc/os-release && umount /mnt\n");
    await waitFor(/PRETTY_NAME="bake [\d.]+"/, "os-release from the ext4 disk");
    qemu.stdin.write("poweroff\n");
    await waitFor(/reboot: Power down/, "poweroff");
    t.is(await exited, 0);
    t.log(console.split("\n").filter((l) => /Welcome|Linux qemux86-64|Power down/.test(l)).join("\n"));
  } finally {
    qemu.kill("SIGKILL");
  }
});

test.serial("a second bake with nothing changed runs no task", (t) => {
  const r = runBake();
  t.is(r.status, 0, r.output.slice(-4000));
  t.deepEqual(tasksRun(r.output), []);
  t.regex(r.output, /Attempted (\d+) tasks of which \1 didn't need to be rerun/);
  t.log(`no-op build: ${r.seconds.toFixed(1)} s`);
});

test.serial("with tmp removed and the shared state kept, the images are restored, not compiled", (t) => {
  rmSync(join(build, "tmp"), { recursive: true, force: true });
  const r = runBake();
  t.is(r.status, 0, r.output.slice(-4000));
  const ran = tasksRun(r.output);
  t.deepEqual(ran.filter((x) => /:do_(compile|configure|install)$/.test(x)), []);
  const summary = /Sstate summary: Wanted (\d+) Local (\d+) Mirrors (\d+) Missed (\d+) Current (\d+)/.exec(r.output);
  t.truthy(summary, r.output.slice(-4000));
  t.true(Number(summary![2]) > 0);
  t.log(`restore build: ${r.seconds.toFixed(1)} s; ${summary![0]}; tasks run: ${ran.join(" ")}`);
  const restored = images();
  t.deepEqual([...restored.keys()], [...firstImages!.keys()]);
  for (const [name, bytes] of restored) t.true(bytes.equals(firstImages!.get(name)!), `${name} differs after restore`);
});
