// scripts/runqemu: the qemu command it runs for an image, from the image's qemuboot.conf (found
// by name or as the one in a deploy directory), and what it says when something is missing.
import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const script = join(repo, "scripts/runqemu");

/** A deploy directory as bake leaves it for a qemuarm64 core-image-minimal (empty files). */
function deployDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bake-runqemu-"));
  for (const f of ["Image", "core-image-minimal-qemuarm64.cpio.gz", "core-image-minimal-qemuarm64.ext4"]) writeFileSync(join(dir, f), "");
  writeFileSync(
    join(dir, "core-image-minimal-qemuarm64-1.0-r0.qemuboot.conf"),
    [
      "[config_bsp]",
      "machine = qemuarm64",
      "image_link_name = core-image-minimal-qemuarm64",
      "qb_system_name = qemu-system-aarch64",
      "qb_machine = -machine virt -cpu cortex-a57",
      "qb_mem = -m 256",
      "qb_kernel_cmdline = console=ttyAMA0 panic=-1",
      "qb_kernel_root = root=/dev/vda rw",
      "qb_default_kernel = Image",
      "",
    ].join("\n"),
  );
  symlinkSync("core-image-minimal-qemuarm64-1.0-r0.qemuboot.conf", join(dir, "core-image-minimal-qemuarm64.qemuboot.conf"));
  return dir;
}

function runqemu(args: string[]) {
  return spawnSync(script, args, { encoding: "utf8" });
}

test("the initramfs boot: kernel, cpio.gz, the ext4 as a throw-away virtio disk, extra options passed on", (t) => {
  const dir = deployDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = runqemu(["--print", dir, "--", "-smp", "2"]);
  t.is(r.status, 0, r.stderr);
  t.is(
    r.stdout,
    `qemu-system-aarch64 -machine virt -cpu cortex-a57 -m 256 -nographic -no-reboot -kernel ${dir}/Image -smp 2 ` +
      `-initrd ${dir}/core-image-minimal-qemuarm64.cpio.gz -drive file=${dir}/core-image-minimal-qemuarm64.ext4,if=virtio,format=raw,snapshot=on ` +
      `-append 'console=ttyAMA0 panic=-1'\n`,
  );
});

test("--root-disk boots the ext4 as root, without an initramfs", (t) => {
  const dir = deployDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = runqemu(["--print", "--root-disk", join(dir, "core-image-minimal-qemuarm64.qemuboot.conf")]);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, / -drive file=\S+\.ext4,if=virtio,format=raw,snapshot=on -append 'console=ttyAMA0 panic=-1 root=\/dev\/vda rw'\n$/);
  t.notRegex(r.stdout, /-initrd/);
});

test("a missing kernel, no qemuboot.conf and two images are errors that say so", (t) => {
  const dir = deployDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  rmSync(join(dir, "Image"));
  const noKernel = runqemu(["--print", dir]);
  t.is(noKernel.status, 2);
  t.is(noKernel.stderr, `runqemu: the kernel ${dir}/Image is missing (bake builds it with the image)\n`);

  const empty = mkdtempSync(join(tmpdir(), "bake-runqemu-"));
  t.teardown(() => rmSync(empty, { recursive: true, force: true }));
  const none = runqemu([empty]);
  t.is(none.status, 2);
  t.regex(none.stderr, /no \*\.qemuboot\.conf in .* \(was an image built for a QEMU machine\?\)/);

  symlinkSync("core-image-minimal-qemuarm64-1.0-r0.qemuboot.conf", join(dir, "core-image-base-qemuarm64.qemuboot.conf"));
  const two = runqemu([dir]);
  t.is(two.status, 2);
  t.regex(two.stderr, /holds the qemuboot\.conf of several images; name one:\n  .*core-image-base-qemuarm64\.qemuboot\.conf\n  .*core-image-minimal-qemuarm64\.qemuboot\.conf\n$/);
});
