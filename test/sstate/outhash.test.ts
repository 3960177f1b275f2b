import test from "ava";
import { chmodSync, mkdirSync, symlinkSync, writeFileSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { computeOutHash, outHashManifest, sstatePkgSpec } from "../../lib/sstate/index.js";
import { makeTree, tempDir } from "./fixtures.js";

test("the same output at two build paths has one outhash; content, mode or link changes alter it", async (t) => {
  const d = tempDir(t);
  const a = join(d, "build-a/work/image");
  const b = join(d, "other/place/image");
  mkdirSync(a, { recursive: true });
  mkdirSync(b, { recursive: true });
  makeTree(a);
  makeTree(b);
  utimesSync(join(b, "usr/bin/tool"), 12345, 12345);
  const pkgSpec = sstatePkgSpec("zlib", "core2-64");
  const o = { pkgSpec, task: "populate_sysroot" };
  const h = await computeOutHash([{ name: "sysroot-destdir", dir: a }], o);
  t.regex(h, /^[0-9a-f]{64}$/);
  t.is(await computeOutHash([{ name: "sysroot-destdir", dir: b }], o), h);
  t.not(await computeOutHash([{ name: "sysroot-destdir", dir: b }], { pkgSpec, task: "package" }), h);

  chmodSync(join(b, "usr/bin/tool"), 0o700);
  const hMode = await computeOutHash([{ name: "sysroot-destdir", dir: b }], o);
  t.not(hMode, h);
  chmodSync(join(b, "usr/bin/tool"), 0o755);
  writeFileSync(join(b, "usr/lib/empty"), "now with content");
  t.not(await computeOutHash([{ name: "sysroot-destdir", dir: b }], o), h);
  writeFileSync(join(b, "usr/lib/empty"), "");
  t.is(await computeOutHash([{ name: "sysroot-destdir", dir: b }], o), h);
  symlinkSync("elsewhere", join(b, "usr/lib/newlink"));
  const m = await outHashManifest([{ name: "sysroot-destdir", dir: b }], o);
  t.true(m.includes("l0777 - - - sysroot-destdir/usr/lib/newlink -> elsewhere\n"), m);
});

test("build paths are normalised in selected files, also across read chunks", async (t) => {
  const d = tempDir(t);
  const mk = async (root: string) => {
    const out = join(root, "image");
    mkdirSync(join(out, "bin"), { recursive: true });
    writeFileSync(join(out, "bin/script"), `#!/bin/sh\nexec ${root}/tmp/sysroot/bin/tool "$@"\n`);
    // A large file whose build path straddles the 1 MiB read chunk boundary.
    const big = Buffer.concat([Buffer.alloc((1 << 20) - 7, 0x61), Buffer.from(`${root}/tmp/x`), Buffer.alloc(2 << 20, 0x62)]);
    writeFileSync(join(out, "bin/big"), big);
    symlinkSync(`${root}/tmp/sysroot/bin/tool`, join(out, "bin/abs-link"));
    return out;
  };
  const ra = join(d, "one");
  const rb = join(d, "a-longer-build-root");
  const oa = await mk(ra);
  const ob = await mk(rb);
  const pkgSpec = sstatePkgSpec("tool", "x86_64");
  const opts = (root: string) => ({ pkgSpec, task: "populate_sysroot", buildPaths: [`${root}/tmp`, root], normalizeContent: (m: string) => m.startsWith("sysroot-destdir/bin/") });
  const ha = await computeOutHash([{ name: "sysroot-destdir", dir: oa }], opts(ra));
  const hb = await computeOutHash([{ name: "sysroot-destdir", dir: ob }], opts(rb));
  t.is(ha, hb);
  const plain = await computeOutHash([{ name: "sysroot-destdir", dir: oa }], { pkgSpec, task: "populate_sysroot" });
  t.not(plain, ha);
  const m = await outHashManifest([{ name: "sysroot-destdir", dir: oa }], opts(ra));
  t.true(m.includes("-> <buildpath:0>/sysroot/bin/tool"), m);
});

test("two recipes with the same (empty) output have different outhashes: SSTATE_PKGSPEC is hashed, as OEOuthashBasic", async (t) => {
  const d = tempDir(t);
  const empty = join(d, "sysroot-destdir");
  mkdirSync(join(empty, "usr"), { recursive: true });
  const of = (pn: string, arch: string, task = "populate_sysroot") => computeOutHash([{ name: "sysroot-destdir", dir: empty }], { pkgSpec: sstatePkgSpec(pn, arch), task });
  const a = await of("a", "core2-64");
  t.not(await of("b", "core2-64"), a, "another recipe");
  t.not(await of("a", "x86_64"), a, "another architecture");
  t.not(await of("a", "core2-64", "package"), a, "another task");
  t.is(await of("a", "core2-64"), a);
  const m = await outHashManifest([{ name: "sysroot-destdir", dir: empty }], { pkgSpec: sstatePkgSpec("a", "core2-64"), task: "populate_sysroot" });
  t.true(m.startsWith("bake-outhash/2\nSSTATE_PKGSPEC=sstate:a:core2-64:"), m);
});
