// The useradd and update-rc.d classes and COMMON_LICENSE_DIR on a small image of recipes that
// compile nothing (no toolchain needed): the users and groups their packages declare in the
// image's /etc/passwd, /etc/group and /etc/shadow, the rc links of their init scripts, and
// LIC_FILES_CHKSUM checked against the generic texts (OE's md5s accepted), each with its errors.
import test from "ava";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bakeIn, buildDir, layerConf, write } from "../helpers/layer.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bake = join(repo, "bin/bake.js");
const root = mkdtempSync(join(tmpdir(), "bake-rootfs-classes-"));
const layer = join(root, "meta-rootfs");
const INIT_SCRIPT = '#!/bin/sh\ncase "$1" in start) echo started ;; stop) echo stopped ;; esac\n';

const NO_COMPILE = `LICENSE = "MIT"
LIC_FILES_CHKSUM = "file://\${COMMON_LICENSE_DIR}/MIT;md5=0835ade698e0bcf8506ecda2f7b4f302"
INHIBIT_DEFAULT_DEPS = "1"
S = "\${UNPACKDIR}"
`;

write(join(layer, "conf/layer.conf"), layerConf("rootfstest"));
write(join(layer, "recipes-demo/demod/files/demod"), INIT_SCRIPT);
write(join(layer, "recipes-demo/demod/files/demo-agent"), INIT_SCRIPT);
write(
  join(layer, "recipes-demo/demod/demod_1.0.bb"),
  `SUMMARY = "A daemon with a system user, a group and two init scripts"
${NO_COMPILE}SRC_URI = "file://demod file://demo-agent"
PACKAGE_BEFORE_PN = "\${PN}-agent"
FILES:\${PN}-agent = "\${sysconfdir}/init.d/demo-agent"
do_install() {
\tinstall -d \${D}\${sysconfdir}/init.d
\tinstall -m 0755 demod demo-agent \${D}\${sysconfdir}/init.d/
}
inherit useradd update-rc.d
USERADD_PACKAGES = "\${PN} \${PN}-agent"
GROUPADD_PARAM:\${PN} = "--system demo; -g 1600 staff2"
USERADD_PARAM:\${PN} = "--system --home-dir /var/lib/demod --shell /bin/false -g demo --comment 'Demo daemon' demod; \\
    -u 1500 -G staff2,wheel -m -d /home/alice alice"
USERADD_PARAM:\${PN}-agent = "--system -M agent"
GROUPMEMS_PARAM:\${PN}-agent = "-a agent -g demo"
INITSCRIPT_PACKAGES = "\${PN} \${PN}-agent"
INITSCRIPT_NAME:\${PN} = "demod"
INITSCRIPT_PARAMS:\${PN} = "defaults 30"
INITSCRIPT_NAME:\${PN}-agent = "demo-agent"
INITSCRIPT_PARAMS:\${PN}-agent = "start 05 S . stop 80 0 6 ."
`,
);
write(join(layer, "recipes-demo/images/demo-image.bb"), `SUMMARY = "users and init scripts"
inherit image
IMAGE_INSTALL = "base-passwd demod demod-agent"
IMAGE_KERNEL = ""
IMAGE_FSTYPES = "tar.zst"
`);

// Broken declarations, each in an image of its own.
write(join(layer, "recipes-demo/badparams/files/bad"), INIT_SCRIPT);
write(join(layer, "recipes-demo/badparams/badparams_1.0.bb"), `SUMMARY = "runlevels not ended by ."
${NO_COMPILE}SRC_URI = "file://bad"
do_install() {
\tinstall -d \${D}\${sysconfdir}/init.d
\tinstall -m 0755 bad \${D}\${sysconfdir}/init.d/
}
inherit update-rc.d
INITSCRIPT_NAME = "bad"
INITSCRIPT_PARAMS = "start 10 2 3 4 5"
`);
write(join(layer, "recipes-demo/badgroup/badgroup_1.0.bb"), `SUMMARY = "a user of a group nobody creates"
${NO_COMPILE}ALLOW_EMPTY:\${PN} = "1"
inherit useradd
USERADD_PACKAGES = "\${PN}"
USERADD_PARAM:\${PN} = "-g nosuchgroup lonely"
`);
for (const name of ["badparams", "badgroup"]) {
  write(join(layer, `recipes-demo/images/${name}-image.bb`), `inherit image\nIMAGE_INSTALL = "base-passwd ${name}"\nIMAGE_KERNEL = ""\nIMAGE_FSTYPES = "tar.zst"\n`);
}
// Outside BBFILES: a recipe that fails to parse would fail every build of the layer.
const noname = join(root, "unlisted/noname_1.0.bb");
write(noname, `SUMMARY = "update-rc.d without a script name"\n${NO_COMPILE}inherit update-rc.d\n`);
write(join(layer, "recipes-demo/badlic/badlic_1.0.bb"), `SUMMARY = "a wrong md5"
LICENSE = "MIT & Apache-2.0"
LIC_FILES_CHKSUM = "file://\${COMMON_LICENSE_DIR}/Apache-2.0;md5=89aea4e17d99a7cacdbeed46a0096b10 \\
    file://\${COMMON_LICENSE_DIR}/MIT;md5=00000000000000000000000000000000"
INHIBIT_DEFAULT_DEPS = "1"
S = "\${UNPACKDIR}"
`);

const PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBakeTestKeyBakeTestKeyBakeTestKeyBakeTest test@bake\n";
write(join(root, "keys/test.pub"), PUBLIC_KEY);

const build = buildDir(join(root, "build"), [join(repo, "meta-core"), layer], [
  `ROOTFS_ROOT_AUTHORIZED_KEYS = "${root}/keys/test.pub"`,
  `DL_DIR = "${root}/downloads"`,
  'BB_NUMBER_THREADS = "2"',
  'BB_HASHSERVE = ""',
  'SSTATE_SKIP_CREATION = "1"',
]);

const bakeRun = (...args: string[]): SpawnSyncReturns<string> => bakeIn(build, ...args);

let image: SpawnSyncReturns<string> | undefined;
const demoImage = () => (image ??= bakeRun("demo-image"));
const rootfs = () => join(build, "tmp/work/x86_64-bake-linux-musl/demo-image/1.0/rootfs");
const etc = (name: string) => readFileSync(join(rootfs(), "etc", name), "utf8");

test.after.always(() => {
  if (!process.env["BAKE_TEST_KEEP"]) rmSync(root, { recursive: true, force: true });
});

test.serial("useradd: the packages' groups and users in the image's passwd, group and shadow", (t) => {
  const r = demoImage();
  t.is(r.status, 0, r.stdout + r.stderr);
  const passwd = etc("passwd").split("\n");
  // base-passwd's entries stay first and unchanged.
  t.is(passwd[0], "root:x:0:0:root:/root:/bin/sh");
  t.true(passwd.includes("demod:x:999:999:Demo daemon:/var/lib/demod:/bin/false"), etc("passwd"));
  t.true(passwd.includes("alice:x:1500:1500::/home/alice:/bin/sh"), etc("passwd"));
  // A second system account takes the next id down; its own group the same number.
  t.true(passwd.includes("agent:x:998:998::/home/agent:/bin/sh"), etc("passwd"));
  const group = etc("group").split("\n");
  t.true(group.includes("demo:x:999:agent"), etc("group"));
  t.true(group.includes("staff2:x:1600:alice"), etc("group"));
  t.true(group.includes("alice:x:1500:"), etc("group"));
  t.true(group.includes("agent:x:998:"), etc("group"));
  t.true(group.includes("wheel:x:10:root,alice"), etc("group"));
  // Locked passwords, dated SOURCE_DATE_EPOCH's day (1700000000 / 86400).
  t.true(etc("shadow").split("\n").includes("demod:!:19675:0:99999:7:::"), etc("shadow"));
  t.true(existsSync(join(rootfs(), "home/alice")), "-m made the home directory");
  t.false(existsSync(join(rootfs(), "home/agent")), "-M made none");
  // The commands travel in pkgdata.
  const pkgdata = readFileSync(join(build, "tmp/pkgdata/qemux86-64/runtime/demod"), "utf8");
  t.regex(pkgdata, /^GROUPADD_PARAM: --system demo; -g 1600 staff2$/m);
  t.regex(pkgdata, /^USERADD_PARAM: --system --home-dir \/var\/lib\/demod .* demod; -u 1500 -G staff2,wheel -m -d \/home\/alice alice$/m);
});

test.serial("update-rc.d: start and stop links of each package's script", (t) => {
  t.is(demoImage().status, 0);
  const link = (p: string) => spawnSync("readlink", [join(rootfs(), "etc", p)], { encoding: "utf8" }).stdout.trim();
  for (const level of ["2", "3", "4", "5"]) t.is(link(`rc${level}.d/S30demod`), "../init.d/demod");
  for (const level of ["0", "1", "6"]) t.is(link(`rc${level}.d/K30demod`), "../init.d/demod");
  t.is(link("rcS.d/S05demo-agent"), "../init.d/demo-agent");
  t.is(link("rc0.d/K80demo-agent"), "../init.d/demo-agent");
  t.is(link("rc6.d/K80demo-agent"), "../init.d/demo-agent");
  t.false(existsSync(join(rootfs(), "etc/rc5.d/S05demo-agent")));
  // The links are in the image archive too.
  const image = join(build, "tmp/deploy/images/qemux86-64/demo-image-qemux86-64.tar.zst");
  const listing = spawnSync("tar", ["--zstd", "-tvf", image], { encoding: "utf8" }).stdout;
  t.regex(listing, /\.\/etc\/rc5\.d\/S30demod -> \.\.\/init\.d\/demod/);
});

test.serial("ROOTFS_ROOT_AUTHORIZED_KEYS: root's authorized_keys, 0600 in a 0700 .ssh", (t) => {
  t.is(demoImage().status, 0);
  t.is(readFileSync(join(rootfs(), "root/.ssh/authorized_keys"), "utf8"), PUBLIC_KEY);
  const image = join(build, "tmp/deploy/images/qemux86-64/demo-image-qemux86-64.tar.zst");
  const listing = spawnSync("tar", ["--zstd", "-tvf", image], { encoding: "utf8" }).stdout;
  t.regex(listing, /^drwx------ 0\/0 .* \.\/root\/\.ssh\/$/m);
  t.regex(listing, /^-rw------- 0\/0 .* \.\/root\/\.ssh\/authorized_keys$/m);
});

test.serial("update-rc.d and useradd: a broken declaration is an error naming the package and the fault", (t) => {
  const params = bakeRun("badparams-image");
  t.not(params.status, 0);
  t.regex(params.stdout + params.stderr, /update-rc\.d: badparams: INITSCRIPT_PARAMS: the runlevels of S10 are not ended by '\.'/);
  const group = bakeRun("badgroup-image");
  t.not(group.status, 0);
  t.regex(group.stdout + group.stderr, /badgroup: USERADD_PARAM: group nosuchgroup of user lonely does not exist/);
  const unnamed = bakeRun("-b", noname, "-e");
  t.not(unnamed.status, 0);
  t.regex(unnamed.stdout + unnamed.stderr, /noname_1\.0\.bb inherits update-rc\.d but does not set INITSCRIPT_NAME/);
});

test.serial("COMMON_LICENSE_DIR: SPDX texts, OE's md5s accepted, a mismatch names the file, expected and actual md5", (t) => {
  const dir = join(repo, "meta-core/files/common-licenses");
  const md5 = (path: string) => createHash("md5").update(readFileSync(path)).digest("hex");
  t.regex(readFileSync(join(dir, "MIT"), "utf8"), /^MIT License\n\nCopyright \(c\) <year> <copyright holders>\n/);
  t.regex(readFileSync(join(dir, "GPL-2.0-only"), "utf8"), /GNU GENERAL PUBLIC LICENSE\s+Version 2, June 1991/);
  // OE's md5s of its generic texts, as recipes written for OE give them.
  const oe = new Map(
    readFileSync(join(repo, "meta-core/files/common-licenses.oe-md5"), "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => l.split(" ") as [string, string]),
  );
  const known: Record<string, string> = {
    MIT: "0835ade698e0bcf8506ecda2f7b4f302",
    "GPL-2.0-only": "801f80980d171dd6425610833a22dbe6",
    "GPL-2.0-or-later": "fed54355545ffd980b814dab4a3b312c",
    "LGPL-2.1-only": "1a6d268fd218675ffea8be556788b780",
    "Apache-2.0": "89aea4e17d99a7cacdbeed46a0096b10",
    "BSD-3-Clause": "550794465ba0ec5312d6919e203a55f9",
    Zlib: "87f239f408daca8a157858e192597633",
    ISC: "f3b90e78ea0cffb20bf5cca7947a896d",
  };
  for (const [name, sum] of Object.entries(known)) {
    t.is(oe.get(name), sum, name);
    t.true(existsSync(join(dir, name)), name);
  }
  // A recipe with OE's md5 for MIT built above (demod); base-files too, with meta-core's own.
  t.is(demoImage().status, 0);
  t.true(existsSync(join(build, "tmp/deploy/licenses/demod/MIT")));
  const bad = bakeRun("-c", "populate_lic", "badlic");
  t.not(bad.status, 0);
  const actual = md5(join(dir, "MIT"));
  t.regex(
    bad.stdout + bad.stderr,
    new RegExp(`badlic: LIC_FILES_CHKSUM: md5 mismatch for ${dir}/MIT: expected 00000000000000000000000000000000, actual ${actual}`),
  );
});
