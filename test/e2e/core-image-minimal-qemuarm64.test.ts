// The second machine (long: `npm run test:e2e`): MACHINE = "qemuarm64" in a fresh build directory,
// `bake core-image-minimal` with lzip (a C++ program, so libstdc++ too) builds the aarch64 cross
// toolchain from the same recipes, musl, busybox, the arm64 kernel (Image) and the images;
// scripts/runqemu boots it in qemu-system-aarch64 -M virt -cpu cortex-a57 (the cpio.gz as
// initramfs through its /init), where `uname -m` says aarch64, lzip compresses and decompresses,
// and poweroff ends qemu cleanly. Switching the build directory to qemux86-64 then has no native
// recipe to build. (Settings: image-build.ts.)
import test from "ava";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { boot, imageBuild, tasksRun, transcript } from "./image-build.js";

const image = imageBuild("qemuarm64", ['IMAGE_INSTALL:append:pn-core-image-minimal = " lzip"']);
const conf = join(image.deploy, "core-image-minimal-qemuarm64.qemuboot.conf");

test.after.always(() => {
  if (!process.env["BAKE_TEST_KEEP"]) rmSync(image.root, { recursive: true, force: true });
});

test.serial("bake core-image-minimal for qemuarm64 builds the aarch64 images and kernel", (t) => {
  const r = image.run(["core-image-minimal"]);
  t.log(`first build: ${r.seconds.toFixed(0)} s`);
  t.is(r.status, 0, r.output.slice(-8000));
  t.true(tasksRun(r.output).every((task) => !task.startsWith("gcc-cross-x86_64:")), "nothing of the x86-64 toolchain");
  for (const type of ["tar.zst", "cpio.gz", "ext4", "manifest", "qemuboot.conf"]) {
    t.notThrows(() => readFileSync(join(image.deploy, `core-image-minimal-qemuarm64.${type}`)), type);
  }
  // The arm64 kernel Image: its header's magic "ARM\x64" at offset 56.
  t.is(readFileSync(join(image.deploy, "Image")).subarray(56, 60).toString("latin1"), "ARM\x64");
  const manifest = readFileSync(join(image.deploy, "core-image-minimal-qemuarm64.manifest"), "utf8");
  t.regex(manifest, /^busybox 1\.35\.0-r0 GPL-2\.0-only$/m);
  t.regex(manifest, /^lzip 1\.23-r0 GPL-2\.0-or-later$/m);
  t.regex(manifest, /^libstdc\+\+ 12\.2\.0-r0 /m, "lzip's NEEDED libstdc++.so.6 brought the library");
  // lzip is an aarch64 (e_machine 183) program linked against libstdc++ and musl.
  const tar = join(image.build, "tmp/deploy/tar/aarch64/lzip_1.23-r0_aarch64.tar");
  const listing = spawnSync("tar", ["-xOf", tar, "./usr/bin/lzip"], { maxBuffer: 16 * 1024 * 1024 });
  t.is(listing.stdout.readUInt16LE(18), 183);
  const dynamic = spawnSync("sh", ["-c", 'tar -xOf "$0" ./usr/bin/lzip > "$1" && readelf -d "$1"', tar, join(image.root, "lzip")], { encoding: "utf8" });
  t.regex(dynamic.stdout, /\(NEEDED\).*\[libstdc\+\+\.so\.6\]/);
  t.regex(dynamic.stdout, /\(NEEDED\).*\[libc\.so\]/);
});

test.serial("qemu-system-aarch64 -M virt boots it: uname -m is aarch64, C++ runs, poweroff is clean", async (t) => {
  const guest = boot(conf);
  try {
    await guest.waitFor(/Welcome to bake [\d.]+ \(qemuarm64\)/, "banner");
    await guest.waitFor(/# $/m, "shell prompt");
    t.regex(guest.console(), /Machine model: linux,dummy-virt/);
    guest.type("uname -m; busybox uname -a");
    await guest.waitFor(/^aarch64\r?$/m, "uname -m");
    await guest.waitFor(/Linux qemuarm64 6\.1\.176 #1 .* aarch64/, "uname -a");
    guest.type("mount -t ext4 -o ro /dev/vda /mnt && cat /mnt/etc/os-release && umount /mnt");
    await guest.waitFor(/PRETTY_NAME="bake [\d.]+"/, "os-release from the ext4 disk");
    guest.type("lzip -V | head -n 1");
    await guest.waitFor(/^lzip 1\.23\r?$/m, "lzip's version");
    guest.type("echo made-by-bake > /tmp/a && lzip -9 -k /tmp/a && lzip -t /tmp/a.lz && lzip -dc /tmp/a.lz | sed 's/^/round trip: /'");
    await guest.waitFor(/^round trip: made-by-bake\r?$/m, "lzip round trip");
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
});

test.serial("switching MACHINE to qemux86-64 in the same build directory builds no native recipe", (t) => {
  // The native recipes of the build, present here for qemuarm64: built by the first build from
  // nothing, or (with BAKE_E2E_SSTATE_DIR, where the first build restored only what the image
  // needed) restored now. Built again for qemux86-64 they must be current: nothing runs and nothing
  // is restored, which a native task whose signature depended on MACHINE would not be.
  const graph = image.run(["-g", "core-image-minimal"]);
  t.is(graph.status, 0, graph.output.slice(-4000));
  const natives = readFileSync(join(image.build, "pn-buildlist"), "utf8").split("\n").filter((pn) => pn.endsWith("-native"));
  t.true(natives.length > 0, "the build has native recipes");
  const own = image.run(natives);
  t.is(own.status, 0, own.output.slice(-4000));
  const r = image.run(natives, { MACHINE: "qemux86-64" });
  t.is(r.status, 0, r.output.slice(-4000));
  t.regex(r.output, /^MACHINE +?= "qemux86-64"$/m);
  t.deepEqual(tasksRun(r.output), []);
  t.notRegex(r.output, /restored from shared state/);
  // Target recipes, in contrast, are the machine's own: x86-64 busybox is not current here; it
  // is still to be built, or restored when the shared state has it.
  const busybox = image.run(["-n", "busybox"], { MACHINE: "qemux86-64" });
  t.true(tasksRun(busybox.output).includes("busybox:do_compile") || /busybox:do_populate_sysroot: would be restored/.test(busybox.output), busybox.output.slice(-4000));
});
