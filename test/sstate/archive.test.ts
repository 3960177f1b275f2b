import test from "ava";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, utimesSync, writeFileSync, cpSync } from "node:fs";
import { join } from "node:path";
import { ArchiveError, type ArchiveErrorReason, createArchive, restoreArchive, scanArchive } from "../../lib/sstate/index.js";
import { walkOutput } from "../../lib/sstate/walk.js";
import { craftArchive, makeTree, tempDir } from "./fixtures.js";

const EPOCH = 1_600_000_000;

function snapshot(root: string, clampTo = Infinity) {
  const out: { kind: string; rel: string; mode: string; mtime: number; content?: string; target?: string }[] = [];
  for (const e of walkOutput(root)) {
    out.push({
      kind: e.kind,
      rel: e.rel,
      mode: e.mode.toString(8),
      mtime: Math.min(e.mtime, clampTo),
      ...(e.kind === "file" ? { content: createHash("sha256").update(readFileSync(e.abs)).digest("hex") } : {}),
      ...(e.kind === "symlink" ? { target: e.target } : {}),
    });
  }
  return out;
}

test("same tree at two paths, umasks, mtimes and owners gives byte-identical archives", async (t) => {
  const d = tempDir(t);
  const a = join(d, "one/build/tmp/work/image");
  const b = join(d, "elsewhere/x/image");
  mkdirSync(a, { recursive: true });
  mkdirSync(b, { recursive: true });
  makeTree(a);
  makeTree(b);
  const extra = join(d, "extra");
  mkdirSync(extra);
  writeFileSync(join(extra, "f"), "f\n");
  // Tree b: everything newer than the epoch but at other times, and another owner.
  for (const e of walkOutput(b)) {
    if (e.kind !== "symlink") utimesSync(e.abs, EPOCH + 12345, EPOCH + 99999);
    if (process.getuid?.() === 0) chownSync(e.abs, 1234, 4321);
  }
  chmodSync(join(b, "usr/bin/suid"), 0o4711); // chown cleared the setuid bit
  const outsA = [{ name: "image", dir: a }, { name: "extra", dir: extra }];
  const outsB = [{ name: "extra", dir: extra }, { name: "image", dir: b }];
  const i1 = await createArchive(outsA, join(d, "a.tar.zst"), { sourceDateEpoch: EPOCH });
  const old = process.umask(0o077);
  let i2;
  try {
    i2 = await createArchive(outsB, join(d, "b.tar.zst"), { sourceDateEpoch: EPOCH, threads: 2 });
  } finally {
    process.umask(old);
  }
  t.is(i1.sha256, i2.sha256);
  t.deepEqual(readFileSync(join(d, "a.tar.zst")), readFileSync(join(d, "b.tar.zst")));
  const i3 = await createArchive(outsA, join(d, "c.tar.zst"), { sourceDateEpoch: EPOCH });
  t.is(i3.sha256, i1.sha256);

  // And the stream is what we promise: sorted, root-owned, clamped, readable by GNU tar.
  const list = spawnSync("sh", ["-c", `zstd -dc '${join(d, "a.tar.zst")}' | tar -tv --numeric-owner --full-time -f -`], { encoding: "utf8" });
  t.is(list.status, 0, list.stderr);
  const lines = list.stdout.trim().split("\n");
  t.true(lines.every((l) => / 0\/0 /.test(l)), list.stdout);
  t.true(lines.every((l) => l.includes("2020-09-13 12:26:40")), list.stdout);
  const names = lines.map((l) => l.split(/\s+/)[5]!);
  t.is(names[0], "extra/");
  t.true(names.indexOf("image/usr/") < names.indexOf("image/usr/bin/tool"));
  t.true(names.includes("image/usr/lib/deep/er/and/deeper/" + "n".repeat(150)));
});

test("restore round trip keeps modes, symlinks, hard links and clamps mtimes", async (t) => {
  const d = tempDir(t);
  const src = join(d, "src");
  mkdirSync(src);
  makeTree(src);
  utimesSync(join(src, "usr/lib/empty"), EPOCH - 1000, EPOCH - 1000); // older than the epoch: kept
  const archive = join(d, "o.tar.zst");
  await createArchive([{ name: "image", dir: src }], archive, { sourceDateEpoch: EPOCH });
  const dest = join(d, "restored/image");
  const old = process.umask(0o077);
  let stats;
  try {
    stats = await restoreArchive(archive, [{ name: "image", dir: dest }]);
  } finally {
    process.umask(old);
  }
  t.true(stats.members > 10);
  const expected = snapshot(src, EPOCH);
  t.deepEqual(snapshot(dest), expected);
  t.is(lstatSync(join(dest, "usr/bin/suid")).mode & 0o7777, 0o4711);
  t.is(lstatSync(join(dest, "empty-dir")).mode & 0o7777, 0o750);
  t.is(readlinkSync(join(dest, "usr/lib/libfoo.so")), "libfoo.so.1");
  t.is(lstatSync(join(dest, "usr/bin/tool")).ino, lstatSync(join(dest, "usr/bin/tool-hardlink")).ino);
  t.is(lstatSync(join(dest, "usr/lib/empty")).mtimeMs / 1000, EPOCH - 1000);
  t.deepEqual(readdirSync(join(d, "restored")), ["image"]); // no staging leftovers

  // GNU tar extracts the same tree.
  const gnu = join(d, "gnu");
  mkdirSync(gnu);
  const x = spawnSync("sh", ["-c", `zstd -dc '${archive}' | tar -x -p -C '${gnu}' -f -`], { encoding: "utf8" });
  t.is(x.status, 0, x.stderr);
  t.deepEqual(snapshot(join(gnu, "image")), snapshot(dest));

  // Restoring again replaces what is there, including stray files.
  writeFileSync(join(dest, "stray"), "x");
  await restoreArchive(archive, [{ name: "image", dir: dest }]);
  t.false(existsSync(join(dest, "stray")));
  t.deepEqual(snapshot(dest), expected);
  t.is(await scanArchive(archive, ["image"]), stats.members);
});

test("creating refuses special files and bad output names", async (t) => {
  const d = tempDir(t);
  const src = join(d, "src");
  mkdirSync(src);
  t.is(spawnSync("mkfifo", [join(src, "fifo")]).status, 0);
  const e = await t.throwsAsync(createArchive([{ name: "o", dir: src }], join(d, "x.tar.zst"), { sourceDateEpoch: EPOCH }), { instanceOf: ArchiveError });
  t.is(e?.member, "o/fifo");
  await t.throwsAsync(createArchive([{ name: "../o", dir: src }], join(d, "y.tar.zst"), { sourceDateEpoch: EPOCH }), { instanceOf: ArchiveError });
});

const F = { mode: 0o644, mtime: EPOCH, size: 0, linkname: "" } as const;
const DIR = { ...F, type: "dir" as const, mode: 0o755 };
const file = (path: string, content = "pwned\n") => ({ ...F, type: "file" as const, path, size: Buffer.byteLength(content), content });

// "OUTSIDE" stands for the absolute path of a sibling of the destination; "out" maps to <d>/dest,
// so "out/../outside" and a symlink "../outside" in out/ would both reach it.
const malicious: { title: string; reason: ArchiveErrorReason; member: string; members: Parameters<typeof craftArchive>[1] }[] = [
  { title: "absolute path", reason: "absolute-path", member: "/OUTSIDE/abs", members: [{ ...DIR, path: "out" }, file("/OUTSIDE/abs")] },
  { title: "'..' component", reason: "parent-reference", member: "out/../outside/dotdot", members: [{ ...DIR, path: "out" }, file("out/../outside/dotdot")] },
  { title: "member outside the declared outputs", reason: "unknown-output", member: "other/f", members: [{ ...DIR, path: "out" }, file("other/f")] },
  {
    title: "symlink out, then a file through it",
    reason: "link-escapes",
    member: "out/link",
    members: [{ ...DIR, path: "out" }, { ...F, type: "symlink", path: "out/link", linkname: "../outside" }, file("out/link/through")],
  },
  {
    title: "absolute symlink, then a file through it",
    reason: "link-escapes",
    member: "out/link",
    members: [{ ...DIR, path: "out" }, { ...F, type: "symlink", path: "out/link", linkname: "/tmp" }, file("out/link/through")],
  },
  {
    title: "file through an in-tree symlink",
    reason: "through-non-directory",
    member: "out/link/f",
    members: [{ ...DIR, path: "out" }, { ...DIR, path: "out/sub" }, { ...F, type: "symlink", path: "out/link", linkname: "sub" }, file("out/link/f")],
  },
  {
    title: "symlinks that only escape together",
    reason: "link-escapes",
    member: "out/a",
    members: [{ ...DIR, path: "out" }, { ...F, type: "symlink", path: "out/a", linkname: "b/../x" }, { ...F, type: "symlink", path: "out/b", linkname: "." }],
  },
  {
    title: "hard link to an absolute path",
    reason: "link-escapes",
    member: "out/h",
    members: [{ ...DIR, path: "out" }, { ...F, type: "hardlink", path: "out/h", linkname: "/etc/passwd" }],
  },
  {
    title: "hard link out with '..'",
    reason: "link-escapes",
    member: "out/h",
    members: [{ ...DIR, path: "out" }, { ...F, type: "hardlink", path: "out/h", linkname: "out/../outside/x" }],
  },
  {
    title: "hard link to a member that does not exist",
    reason: "bad-hardlink",
    member: "out/h",
    members: [{ ...DIR, path: "out" }, { ...F, type: "hardlink", path: "out/h", linkname: "out/nothing" }],
  },
  {
    title: "character device",
    reason: "special-file",
    member: "out/null",
    members: [{ ...DIR, path: "out" }, { ...F, type: "file", path: "out/null", rawType: "3" }],
  },
  {
    title: "duplicate member (overwrite a symlink's target)",
    reason: "duplicate",
    member: "out/f",
    members: [{ ...DIR, path: "out" }, file("out/f"), file("out/f")],
  },
];

for (const m of malicious)
  test(`restore refuses: ${m.title}`, async (t) => {
    const d = tempDir(t);
    const archive = join(d, "evil.tar.zst");
    const outside = join(d, "outside");
    const members = m.members.map((x) => ({ ...x, path: x.path.replace("/OUTSIDE", outside) }));
    craftArchive(archive, members);
    mkdirSync(join(d, "outside"));
    mkdirSync(join(d, "dest"));
    writeFileSync(join(d, "dest/keep"), "previous output\n");
    const err = await t.throwsAsync(restoreArchive(archive, [{ name: "out", dir: join(d, "dest") }]), { instanceOf: ArchiveError });
    t.is(err?.reason, m.reason, err?.message);
    t.is(err?.archive, archive);
    t.true(err?.unsafe);
    const expectMember = m.member.replace("/OUTSIDE", outside);
    t.is(err?.member, expectMember);
    t.true(err!.message.includes(archive) && err!.message.includes(expectMember));
    // Nothing outside, the previous output untouched, no staging left behind.
    t.deepEqual(readdirSync(join(d, "outside")), []);
    t.deepEqual(readdirSync(join(d, "dest")), ["keep"]);
    t.deepEqual(readdirSync(d).sort(), ["dest", "evil.tar.zst", "outside"]);
    await t.throwsAsync(scanArchive(archive, ["out"]), { instanceOf: ArchiveError });
  });

test("a truncated or garbled archive is a corrupt-archive error", async (t) => {
  const d = tempDir(t);
  const src = join(d, "src");
  mkdirSync(src);
  makeTree(src);
  const archive = join(d, "o.tar.zst");
  await createArchive([{ name: "image", dir: src }], archive, { sourceDateEpoch: EPOCH });
  const bytes = readFileSync(archive);
  writeFileSync(join(d, "trunc.tar.zst"), bytes.subarray(0, bytes.length >> 1));
  const e1 = await t.throwsAsync(restoreArchive(join(d, "trunc.tar.zst"), [{ name: "image", dir: join(d, "r1") }]), { instanceOf: ArchiveError });
  t.is(e1?.reason, "corrupt");
  t.false(e1!.unsafe);
  t.false(existsSync(join(d, "r1")));
  const g = Buffer.from(bytes);
  g[g.length >> 1] ^= 0xff;
  writeFileSync(join(d, "garbled.tar.zst"), g);
  const e2 = await t.throwsAsync(restoreArchive(join(d, "garbled.tar.zst"), [{ name: "image", dir: join(d, "r2") }]), { instanceOf: ArchiveError });
  t.is(e2?.reason, "corrupt");
  t.deepEqual(readdirSync(d).sort(), ["garbled.tar.zst", "o.tar.zst", "src", "trunc.tar.zst"]);
  cpSync(src, join(d, "unused"), { recursive: true }); // (the tree stays readable after failures)
});
