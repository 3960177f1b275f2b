// The from-source musl cross toolchain, end to end (long: ~40 CPU-minutes): `bake gcc-cross-x86_64
// musl hello` in an empty build directory with an empty sstate cache, then the hello a target
// recipe built is run on this machine. Downloads are reused from BAKE_E2E_DL_DIR (default
// /work/bake-cache/downloads when present); BAKE_E2E_SSTATE_DIR names a shared sstate cache.
import test from "ava";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bake = join(repo, "bin/bake.js");

function cacheDir(envName: string, fallback: string, root: string, name: string): string {
  const chosen = process.env[envName] ?? (existsSync(fallback) ? fallback : join(root, name));
  mkdirSync(chosen, { recursive: true });
  return chosen;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

test("bake gcc-cross-x86_64 musl hello: a static x86-64 hello that runs here", (t) => {
  const root = mkdtempSync(join(tmpdir(), "bake-e2e-toolchain-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const build = join(root, "build");
  mkdirSync(join(build, "conf"), { recursive: true });
  const dl = cacheDir("BAKE_E2E_DL_DIR", "/work/bake-cache/downloads", root, "downloads");
  // A private sstate cache unless one is named: the test is about building from nothing.
  const sstate = process.env["BAKE_E2E_SSTATE_DIR"] ?? join(root, "sstate-cache");
  writeFileSync(
    join(build, "conf/bblayers.conf"),
    `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${["meta-core", "meta-bootstrap", "meta-containers"].map((l) => join(repo, l)).join(" ")}"\n`,
  );
  writeFileSync(
    join(build, "conf/local.conf"),
    [`DL_DIR = "${dl}"`, `SSTATE_DIR = "${sstate}"`, 'PREMIRRORS ??= "https?://.*/.* apt:///"', ""].join("\n"),
  );

  const started = Date.now();
  const r = spawnSync(process.execPath, [bake, "gcc-cross-x86_64", "musl", "hello"], { cwd: build, encoding: "utf8" });
  t.log(`bake gcc-cross-x86_64 musl hello: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  t.is(r.status, 0, `${r.stdout}\n${r.stderr}`.slice(-6000));
  if (process.env["BAKE_E2E_SSTATE_DIR"]) {
    // A shared cache may hold musl and hello too: restored, they have no image directory. Their
    // compiles run again here, with the toolchain as the cache gave it.
    const again = spawnSync(process.execPath, [bake, "-C", "compile", "musl", "hello"], { cwd: build, encoding: "utf8" });
    t.is(again.status, 0, `${again.stdout}\n${again.stderr}`.slice(-6000));
    t.regex(again.stdout, /hello:do_compile/);
  }

  const d = spawnSync(process.execPath, [bake, "getvar", "--value", "-r", "hello", "D"], { cwd: build, encoding: "utf8" });
  const hello = join(d.stdout.trim().split("\n").pop()!, "usr/bin/hello");
  t.true(statSync(hello).isFile());

  // The driver runs binutils-cross's as and ld (gcc-cross's libexec links), not the build host's
  // found on PATH: `as` there would be x86-64's too, so only the path tells.
  const workdir = spawnSync(process.execPath, [bake, "getvar", "--value", "-r", "hello", "WORKDIR"], { cwd: build, encoding: "utf8" }).stdout.trim().split("\n").pop()!;
  const native = join(workdir, "recipe-sysroot-native/usr");
  for (const prog of ["as", "ld"]) {
    const found = spawnSync(join(native, "bin/x86_64-bake-linux-musl-gcc"), [`-print-prog-name=${prog}`], { encoding: "utf8" }).stdout.trim();
    t.is(realpathSync(found), realpathSync(join(native, `bin/x86_64-bake-linux-musl-${prog}`)), `${prog}: ${found}`);
  }

  // ELF64, little endian, x86-64 (e_machine 62), executable, and no PT_INTERP: static.
  const elf = readFileSync(hello);
  t.is(elf.subarray(0, 4).toString("latin1"), "\x7fELF");
  t.is(elf[4], 2);
  t.is(elf.readUInt16LE(18), 62);
  const phoff = Number(elf.readBigUInt64LE(32));
  const phentsize = elf.readUInt16LE(54);
  const phnum = elf.readUInt16LE(56);
  const types = Array.from({ length: phnum }, (_, i) => elf.readUInt32LE(phoff + i * phentsize));
  t.false(types.includes(3), "a static executable has no PT_INTERP");

  const out = spawnSync(hello, [], { encoding: "utf8" });
  t.is(out.status, 0);
  t.is(out.stdout, "Hello from bake's musl cross toolchain!\n");

  // No build path in target output (the toolchain's prefix maps and the recipe's).
  for (const pn of ["hello", "musl"]) {
    const dir = spawnSync(process.execPath, [bake, "getvar", "--value", "-r", pn, "D"], { cwd: build, encoding: "utf8" }).stdout.trim().split("\n").pop()!;
    for (const file of filesUnder(dir)) {
      const strings = spawnSync("strings", ["-a", file], { encoding: "utf8" });
      t.false(strings.stdout.includes(root), `${file} contains the build directory`);
    }
  }
});
