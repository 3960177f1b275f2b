// meta-core's package, rootfs and image classes on a small synthetic layer (host compiler, no
// cross toolchain): package splitting by FILES with debug info split off and shared-library
// dependencies found from ELF NEEDED entries; SOURCE_DATE_EPOCH from the newest source file; the
// tar.zst, cpio.gz and ext4 writers (sorted members, root:root, clamped mtimes, modes from the
// permissions table); the manifest; and the same image bytes from a second build directory at
// another path with another umask, TZ and LANG.
import test from "ava";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bake = join(repo, "bin/bake.js");
const SOURCE_MTIME = 1650000000;

function write(path: string, text: string, mode?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text, mode === undefined ? {} : { mode });
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...opts });
}

const LICENSE_TEXT = "Demo license: do what you like.\n";

function layer(root: string): string {
  const dir = join(root, "meta-imgtest");
  write(join(dir, "conf/layer.conf"), [
    'BBPATH .= ":${LAYERDIR}"',
    'BBFILES += "${LAYERDIR}/recipes-*/*/*.bb"',
    'BBFILE_COLLECTIONS += "imgtest"',
    'BBFILE_PATTERN_imgtest = "^${LAYERDIR}/"',
    'BBFILE_PRIORITY_imgtest = "6"',
    'LAYERDEPENDS_imgtest = "core"',
    'LAYERSERIES_COMPAT_imgtest = "ember"',
    "",
  ].join("\n"));
  // The sources as an archive whose files all have one old mtime: that is the recipe's
  // SOURCE_DATE_EPOCH.
  const src = join(root, "src/libdemo-1.0");
  write(join(src, "lib.c"), 'int demo_value(void) { return 42; }\n');
  write(join(src, "demo.h"), "int demo_value(void);\n");
  write(join(src, "main.c"), '#include <stdio.h>\n#include "demo.h"\nint main(void) { printf("%d\\n", demo_value()); return 0; }\n');
  write(join(src, "LICENSE"), LICENSE_TEXT);
  write(join(src, "README"), "libdemo\n");
  for (const f of ["lib.c", "demo.h", "main.c", "LICENSE", "README", ""]) utimesSync(join(src, f), SOURCE_MTIME, SOURCE_MTIME);
  const files = join(dir, "recipes-demo/libdemo/files");
  mkdirSync(files, { recursive: true });
  const tar = run("tar", ["-C", join(root, "src"), "-czf", join(files, "libdemo-1.0.tar.gz"), "libdemo-1.0"]);
  if (tar.status !== 0) throw new Error(tar.stderr);
  const md5 = run("md5sum", [join(src, "LICENSE")]).stdout.split(" ")[0];
  write(join(dir, "recipes-demo/libdemo/libdemo_1.0.bb"), `SUMMARY = "A shared library and a program using it"
LICENSE = "MIT"
LIC_FILES_CHKSUM = "file://LICENSE;md5=${md5}"
SRC_URI = "file://libdemo-1.0.tar.gz"
INHIBIT_DEFAULT_DEPS = "1"
PACKAGE_BEFORE_PN = "\${PN}-bin"
FILES:\${PN}-bin = "\${bindir}/demo"

do_compile() {
\t\${BUILD_CC} \${DEBUG_PREFIX_MAP} -g -O1 -fPIC -shared -Wl,-soname,libdemo.so.1 -o libdemo.so.1.0 lib.c
\tln -sf libdemo.so.1.0 libdemo.so
\t\${BUILD_CC} \${DEBUG_PREFIX_MAP} -g -O1 -o demo main.c -L. -ldemo
}

do_install() {
\tinstall -d \${D}\${libdir} \${D}\${bindir} \${D}\${includedir} \${D}\${docdir}/libdemo \${D}/opt
\tinstall -m 0755 libdemo.so.1.0 \${D}\${libdir}/
\tln -s libdemo.so.1.0 \${D}\${libdir}/libdemo.so.1
\tln -s libdemo.so.1 \${D}\${libdir}/libdemo.so
\tinstall -m 0755 demo \${D}\${bindir}/
\tinstall -m 0644 demo.h \${D}\${includedir}/
\tinstall -m 0644 README \${D}\${docdir}/libdemo/
\techo stray > \${D}/opt/stray
}
`);
  write(join(dir, "recipes-demo/test-base/files/secret"), "not for everyone\n");
  write(join(dir, "recipes-demo/test-base/test-base_1.0.bb"), `SUMMARY = "Configuration files"
LICENSE = "MIT"
SRC_URI = "file://secret"
S = "\${UNPACKDIR}"
INHIBIT_DEFAULT_DEPS = "1"
do_install() {
\tinstall -d \${D}\${sysconfdir}
\tinstall -m 0644 secret \${D}\${sysconfdir}/secret
\tinstall -m 0777 -d \${D}/srv/drop
\tinstall -d \${D}\${base_sbindir}
\tprintf '#!/bin/sh\\nexec /bin/sh\\n' > \${D}\${base_sbindir}/init
\tchmod 0755 \${D}\${base_sbindir}/init
}
FILES:\${PN} = "\${sysconfdir} /srv \${base_sbindir}"
`);
  write(join(dir, "files/test-perms.txt"), "/etc/secret 0600 root root\n/tmp 1777 root root create\n");
  write(join(dir, "recipes-demo/images/test-image.bb"), `SUMMARY = "A test image"
inherit image
IMAGE_INSTALL = "libdemo-bin test-base"
IMAGE_KERNEL = ""
IMAGE_FSTYPES = "tar.zst cpio.gz ext4"
FILESYSTEM_PERMS_TABLES = "files/test-perms.txt"
`);
  return dir;
}

function buildDir(root: string, name: string, layerDir: string, dl: string): string {
  const build = join(root, name);
  write(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${repo}/meta-core ${layerDir}"\n`);
  write(join(build, "conf/local.conf"), `MACHINE = "qemux86-64"\nDISTRO = "bake"\nDL_DIR = "${dl}"\nBB_NUMBER_THREADS = "2"\nBB_HASHSERVE = ""\nSSTATE_SKIP_CREATION = "1"\n`);
  return build;
}

function bakeIn(build: string, args: string[], shellPrefix = ""): SpawnSyncReturns<string> {
  return run("sh", ["-c", `${shellPrefix} exec "$0" "$@"`, process.execPath, bake, ...args], { cwd: build, env: { ...process.env, XDG_CONFIG_HOME: join(build, "xdg") } });
}

const root = mkdtempSync(join(tmpdir(), "bake-image-"));
const layerDir = layer(root);
const dl = join(root, "downloads");
let first: { build: string; result: SpawnSyncReturns<string> } | undefined;

function firstBuild() {
  if (!first) {
    const build = buildDir(root, "build-a", layerDir, dl);
    first = { build, result: bakeIn(build, ["test-image"], "umask 022; TZ=UTC LANG=C") };
  }
  return first;
}

test.after.always(() => {
  if (!process.env["BAKE_TEST_KEEP"]) rmSync(root, { recursive: true, force: true });
});

function deployDir(build: string): string {
  return join(build, "tmp/deploy/images/qemux86-64");
}

function workDir(build: string, pn: string): string {
  return join(build, "tmp/work/x86_64-bake-linux-musl", pn, "1.0");
}

test.serial("the image builds from the synthetic layer", (t) => {
  const { result } = firstBuild();
  t.is(result.status, 0, result.stdout + result.stderr);
});

test.serial("packages: split by FILES, debug info in -dbg, NEEDED becomes RDEPENDS, SOURCE_DATE_EPOCH from the sources", (t) => {
  const { build } = firstBuild();
  const pkgdata = join(build, "tmp/pkgdata/qemux86-64");
  const runtime = (pkg: string) => readFileSync(join(pkgdata, "runtime", pkg), "utf8");
  const files = (pkg: string) => readFileSync(join(pkgdata, "files", pkg), "utf8").split("\n").filter(Boolean);
  t.deepEqual(files("libdemo-bin"), ["/usr/bin/demo"]);
  t.deepEqual(files("libdemo"), ["/usr/lib/libdemo.so.1", "/usr/lib/libdemo.so.1.0"]);
  t.deepEqual(files("libdemo-dev"), ["/usr/include/demo.h", "/usr/lib/libdemo.so"]);
  t.deepEqual(files("libdemo-doc"), ["/usr/share/doc/libdemo/README"]);
  t.deepEqual(files("libdemo-dbg"), ["/usr/lib/debug/usr/bin/demo.debug", "/usr/lib/debug/usr/lib/libdemo.so.1.0.debug"]);
  t.regex(runtime("libdemo-bin"), /^RDEPENDS: libdemo$/m);
  t.regex(runtime("libdemo-dev"), /^RDEPENDS: libdemo$/m);
  t.regex(runtime("libdemo-staticdev"), /^EMPTY: 1$/m);
  t.is(readFileSync(join(pkgdata, "shlibs/libdemo.list"), "utf8"), "libdemo.so.1\n");
  t.is(readFileSync(join(workDir(build, "libdemo"), "source-date-epoch"), "utf8").trim(), String(SOURCE_MTIME));
  // Stripped in the package, the symbols kept in the -dbg one.
  const split = join(workDir(build, "libdemo"), "packages-split");
  t.notRegex(run("readelf", ["-S", join(split, "libdemo-bin/usr/bin/demo")]).stdout, /\.debug_info/);
  t.regex(run("readelf", ["-S", join(split, "libdemo-dbg/usr/lib/debug/usr/bin/demo.debug")]).stdout, /\.debug_info/);
  // A package archive: sorted, root:root, mtimes clamped to the recipe's SOURCE_DATE_EPOCH.
  const archive = join(build, "tmp/deploy/tar/x86_64/libdemo-bin_1.0-r0_x86_64.tar");
  const listing = run("tar", ["--numeric-owner", "--full-time", "-tvf", archive]).stdout.trim().split("\n");
  t.true(listing.length > 0);
  for (const line of listing) {
    t.regex(line, /^\S+ 0\/0 /);
    t.true(line.includes("2022-04-15 05:20:00"), line);
  }
  t.false(existsSync(join(build, "tmp/deploy/tar/x86_64/libdemo-staticdev_1.0-r0_x86_64.tar")));
  // The license text, checked against LIC_FILES_CHKSUM.
  t.is(readFileSync(join(build, "tmp/deploy/licenses/libdemo/LICENSE"), "utf8"), LICENSE_TEXT);
});

test.serial("rootfs and manifest: the runtime closure, permissions from the table", (t) => {
  const { build } = firstBuild();
  const deploy = deployDir(build);
  const manifest = readFileSync(join(deploy, "test-image-qemux86-64.manifest"), "utf8");
  t.is(manifest, "libdemo 1.0-r0 MIT\nlibdemo-bin 1.0-r0 MIT\ntest-base 1.0-r0 MIT\n");
  for (const type of ["tar.zst", "cpio.gz", "ext4", "manifest"]) {
    t.is(readlinkSync(join(deploy, `test-image-qemux86-64.${type}`)), `test-image-qemux86-64-1.0-r0.rootfs.${type}`);
  }
});

test.serial("tar.zst: sorted members, root:root, clamped mtimes, table modes", (t) => {
  const { build } = firstBuild();
  const image = join(deployDir(build), "test-image-qemux86-64.tar.zst");
  const out = run("tar", ["--zstd", "--numeric-owner", "--full-time", "-tvf", image]).stdout.trim().split("\n");
  const names = out.map((l) => l.split(/\s+/)[5]!);
  t.deepEqual(names, [...names].sort());
  for (const line of out) {
    t.regex(line, /^\S+ 0\/0 /, line);
    const date = line.split(/\s+/).slice(3, 5).join(" ");
    t.true(date <= "2023-11-14 22:13:20", line);
  }
  const mode = (name: string) => out.find((l) => l.split(/\s+/)[5] === name)?.split(/\s+/)[0];
  t.is(mode("./etc/secret"), "-rw-------");
  t.is(mode("./tmp/"), "drwxrwxrwt");
  t.is(mode("./srv/drop/"), "drwxr-xr-x");
  t.is(mode("./usr/bin/demo"), "-rwxr-xr-x");
});

test.serial("cpio.gz: newc, root:root, table modes", (t) => {
  const { build } = firstBuild();
  const image = join(deployDir(build), "test-image-qemux86-64.cpio.gz");
  const out = run("sh", ["-c", `gzip -dc "$0" | cpio -itv --numeric-uid-gid --quiet`, image]).stdout.trim().split("\n");
  t.true(out.length > 5);
  for (const line of out) t.regex(line, /^\S+\s+\d+\s+0\s+0\s/, line);
  t.true(out.some((l) => l.startsWith("-rw-------") && l.endsWith("etc/secret")));
  // As OE's: the kernel runs /init of an initramfs, so the cpio (and only the cpio) links it to
  // /sbin/init, the rootfs having none.
  t.true(out.some((l) => l.startsWith("lrwxrwxrwx") && l.endsWith(" init -> /sbin/init")), out.join("\n"));
  t.true(out.some((l) => l.startsWith("-rwxr-xr-x") && l.endsWith(" sbin/init")));
  const tar = run("tar", ["--zstd", "-tf", join(deployDir(build), "test-image-qemux86-64.tar.zst")]).stdout.split("\n");
  t.false(tar.includes("./init"));
});

test.serial("qemuboot.conf: how runqemu boots the image, beside it", (t) => {
  const { build } = firstBuild();
  const deploy = deployDir(build);
  t.is(readlinkSync(join(deploy, "test-image-qemux86-64.qemuboot.conf")), "test-image-qemux86-64-1.0-r0.qemuboot.conf");
  const conf = readFileSync(join(deploy, "test-image-qemux86-64.qemuboot.conf"), "utf8");
  t.regex(conf, /^\[config_bsp\]\n/);
  t.regex(conf, /^image_link_name = test-image-qemux86-64$/m);
  t.regex(conf, /^qb_system_name = qemu-system-x86_64$/m);
  t.regex(conf, /^qb_kernel_cmdline = console=ttyS0 panic=-1$/m);
  t.regex(conf, /^qb_default_kernel = bzImage$/m);
});

test.serial("ext4: fixed UUID, root:root, table modes, fsck clean", (t) => {
  const { build } = firstBuild();
  const image = join(deployDir(build), "test-image-qemux86-64.ext4");
  t.is(run("e2fsck", ["-fn", image]).status, 0);
  t.regex(run("dumpe2fs", ["-h", image]).stdout, /Filesystem UUID:\s+2a1b5e6c-0d3f-4e1a-9b7c-6f5d4c3b2a10/);
  const stat = run("debugfs", ["-R", "stat /etc/secret", image]).stdout;
  t.regex(stat, /Mode:\s+0600/);
  t.regex(stat, /User:\s+0\s+Group:\s+0/);
  t.regex(run("debugfs", ["-R", "stat /tmp", image]).stdout, /Mode:\s+01777/);
  t.is(run("debugfs", ["-R", "cat /usr/lib/libdemo.so.1", image]).status, 0);
});

test.serial("a second build directory (other path, umask, TZ, LANG) gives the same image bytes", (t) => {
  const { build } = firstBuild();
  const other = buildDir(root, "elsewhere/build-b", layerDir, dl);
  const result = bakeIn(other, ["test-image"], "umask 002; TZ=Asia/Tokyo LANG=de_DE.UTF-8");
  t.is(result.status, 0, result.stdout + result.stderr);
  for (const type of ["tar.zst", "cpio.gz", "ext4", "manifest", "qemuboot.conf"]) {
    const a = readFileSync(join(deployDir(build), `test-image-qemux86-64.${type}`));
    const b = readFileSync(join(deployDir(other), `test-image-qemux86-64.${type}`));
    t.true(a.equals(b), `${type} differs`);
  }
});
