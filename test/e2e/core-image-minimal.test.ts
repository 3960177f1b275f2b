// The proof of meta-core for qemux86-64 (long: `npm run test:e2e`): in a fresh build directory
// with the repository's layers, `bake core-image-minimal` builds the cross toolchain, busybox, the
// kernel and the images; scripts/runqemu boots the kernel with the cpio.gz as initramfs (its /init,
// no rdinit=) and the ext4 as a virtio disk, and the serial console shows the banner, `uname`
// and a clean poweroff; a second bake runs no task; after `rm -rf tmp` with the shared state kept,
// the images are restored, not compiled, and are the same bytes. (Settings: image-build.ts.)
import test from "ava";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { boot, imageBuild, tasksRun, transcript } from "./image-build.js";

const image = imageBuild("qemux86-64");
const conf = join(image.deploy, "core-image-minimal-qemux86-64.qemuboot.conf");

test.after.always(() => {
  if (!process.env["BAKE_TEST_KEEP"]) rmSync(image.root, { recursive: true, force: true });
});

let firstImages: Map<string, Buffer> | undefined;

test.serial("bake core-image-minimal builds the images and the kernel", (t) => {
  const r = image.run(["core-image-minimal"]);
  t.log(`first build: ${r.seconds.toFixed(0)} s`);
  t.is(r.status, 0, r.output.slice(-8000));
  for (const type of ["tar.zst", "cpio.gz", "ext4", "manifest", "qemuboot.conf"]) {
    t.notThrows(() => readFileSync(join(image.deploy, `core-image-minimal-qemux86-64.${type}`)), type);
  }
  t.notThrows(() => readFileSync(join(image.deploy, "bzImage")));
  const manifest = readFileSync(join(image.deploy, "core-image-minimal-qemux86-64.manifest"), "utf8");
  t.regex(manifest, /^busybox 1\.35\.0-r0 GPL-2\.0-only$/m);
  t.regex(manifest, /^initscripts 1\.0-r0 MIT$/m);
  firstImages = image.images();
});

test.serial("qemu boots it as an initramfs: banner, uname, the ext4 disk, clean poweroff", async (t) => {
  const guest = boot(conf);
  try {
    await guest.waitFor(/Welcome to bake [\d.]+ \(qemux86-64\)/, "banner");
    await guest.waitFor(/# $/m, "shell prompt");
    t.notRegex(guest.console(), /rdinit=/);
    guest.type("uname -m; busybox uname -a");
    await guest.waitFor(/^x86_64\r?$/m, "uname -m");
    await guest.waitFor(/Linux qemux86-64 6\.1\.176 #1 .* x86_64/, "uname output");
    // busybox's own passwd parser (USE_BB_PWD_GRP) finds no user whose passwd field is empty.
    guest.type("whoami; ls -l /etc/passwd");
    await guest.waitFor(/^root\r?$/m, "whoami");
    await guest.waitFor(/ root +root .*\/etc\/passwd/, "the owner of /etc/passwd by name");
    guest.type("mount -t ext4 -o ro /dev/vda /mnt && cat /mnt/etc/os-release && umount /mnt");
    await guest.waitFor(/PRETTY_NAME="bake [\d.]+"/, "os-release from the ext4 disk");
    guest.type("poweroff");
    await guest.waitFor(/reboot: Power down/, "poweroff");
    t.is(await guest.exited, 0);
    transcript(t, guest);
  } finally {
    guest.kill();
  }
});

test.serial("a second bake with nothing changed runs no task", (t) => {
  const r = image.run(["core-image-minimal"]);
  t.is(r.status, 0, r.output.slice(-4000));
  t.deepEqual(tasksRun(r.output), []);
  t.regex(r.output, /Attempted (\d+) tasks of which \1 didn't need to be rerun/);
  t.log(`no-op build: ${r.seconds.toFixed(1)} s`);
});

test.serial("with tmp removed and the shared state kept, the images are restored, not compiled", (t) => {
  rmSync(join(image.build, "tmp"), { recursive: true, force: true });
  const r = image.run(["core-image-minimal"]);
  t.is(r.status, 0, r.output.slice(-4000));
  const ran = tasksRun(r.output);
  t.deepEqual(ran.filter((x) => /:do_(compile|configure|install)$/.test(x)), []);
  const summary = /Sstate summary: Wanted (\d+) Local (\d+) Mirrors (\d+) Missed (\d+) Current (\d+)/.exec(r.output);
  t.truthy(summary, r.output.slice(-4000));
  t.true(Number(summary![2]) > 0);
  t.log(`restore build: ${r.seconds.toFixed(1)} s; ${summary![0]}; tasks run: ${ran.join(" ")}`);
  const restored = image.images();
  t.deepEqual([...restored.keys()], [...firstImages!.keys()]);
  for (const [name, bytes] of restored) t.true(bytes.equals(firstImages!.get(name)!), `${name} differs after restore`);
});
