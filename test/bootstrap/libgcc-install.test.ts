// libgcc's do_install, run as `bake -e libgcc` expands it, over what gcc's own `make install`
// leaves (a stand-in oe_runmake writes that tree): the link-time libgcc_s.so in the sysroot is
// gcc's linker script where gcc makes one (aarch64: GROUP ( libgcc_s.so.1 -lgcc ), so that
// libstdc++.so gets the outline atomics that libgcc_s.so.1 keeps hidden; a plain link made every
// C++ program's link fail with "hidden symbol `__aarch64_cas8_acq_rel' … is referenced by DSO"),
// and a link to libgcc_s.so.1 where gcc installs a link (targets without t-slibgcc-libgcc; both
// machines here get the script).
import test from "ava";
import { spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bake = join(repo, "bin/bake.js");

const GROUP = "/* GNU ld script\n   Use the shared library, but some functions are only in\n   the static library.  */\nGROUP ( libgcc_s.so.1 -lgcc )\n";

/** gcc's install of libgcc into $DESTDIR: lib64, as for both machines' multilib OS directory. */
function makeInstall(solink: "script" | "link"): string {
  const dev = solink === "script" ? `printf '%s' '${GROUP}' > "$lib/libgcc_s.so"` : 'ln -s libgcc_s.so.1 "$lib/libgcc_s.so"';
  return `oe_runmake() {
	for a in "$@"; do case "$a" in DESTDIR=*) destdir=\${a#DESTDIR=} ;; esac; done
	lib="$destdir/usr/lib64"
	mkdir -p "$lib"
	echo eh > "$lib/libgcc_eh.a"
	echo so > "$lib/libgcc_s.so.1"
	${dev}
}
bbfatal() { echo "bbfatal: $*" >&2; exit 1; }
`;
}

function installAs(t: import("ava").ExecutionContext, machine: string, solink: "script" | "link"): string {
  const dir = mkdtempSync(join(tmpdir(), "bake-libgcc-install-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "conf"));
  writeFileSync(join(dir, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${join(repo, "meta-core")} ${join(repo, "meta-bootstrap")}"\n`);
  writeFileSync(join(dir, "conf/local.conf"), `MACHINE = "${machine}"\nDISTRO = "bake"\n`);
  const env = spawnSync(process.execPath, [bake, "-e", "libgcc"], { cwd: dir, encoding: "utf8", env: { ...process.env, BB_NO_NETWORK: "1" } });
  t.is(env.status, 0, env.stdout + env.stderr);
  const fn = /^do_install\(\) \{\n[\s\S]*?^\}$/m.exec(env.stdout)?.[0];
  t.truthy(fn, "do_install in bake -e");
  const d = /^D="([^"]+)"$/m.exec(env.stdout)![1]!;
  const b = /^LIBGCC_B="([^"]+)"$/m.exec(env.stdout)![1]!;
  mkdirSync(b, { recursive: true });
  const r = spawnSync("sh", ["-euc", `${makeInstall(solink)}${fn}\ndo_install`], { encoding: "utf8" });
  t.is(r.status, 0, r.stderr);
  return d;
}

test("aarch64: the sysroot's libgcc_s.so is gcc's linker script, which adds libgcc.a", (t) => {
  const d = installAs(t, "qemuarm64", "script");
  const dev = join(d, "usr/lib/libgcc_s.so");
  t.false(lstatSync(dev).isSymbolicLink());
  t.is(readFileSync(dev, "utf8"), GROUP);
  t.is(readFileSync(join(d, "lib/libgcc_s.so.1"), "utf8"), "so\n");
  t.is(readFileSync(join(d, "usr/lib/libgcc_eh.a"), "utf8"), "eh\n");
});

test("where gcc installs a link, libgcc_s.so links to /lib/libgcc_s.so.1", (t) => {
  const d = installAs(t, "qemux86-64", "link");
  const dev = join(d, "usr/lib/libgcc_s.so");
  t.true(lstatSync(dev).isSymbolicLink());
  t.is(readlinkSync(dev), "../../lib/libgcc_s.so.1");
  t.is(readFileSync(dev, "utf8"), "so\n");
});
