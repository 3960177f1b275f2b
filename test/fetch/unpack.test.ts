import test from "ava";
import { execFileSync } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import { join } from "node:path";
import { LocalFileNotFound, fetchAll, unpackAll } from "../../lib/fetch/index.js";
import { makeCtx, tempDir } from "./helpers.js";

function sh(cwd: string, ...argv: string[]): void {
  execFileSync(argv[0]!, argv.slice(1), { cwd, stdio: "ignore" });
}

test("file:// is searched in FILESPATH in order, directories too; a miss lists every place searched", async (t) => {
  const tmp = await tempDir();
  t.teardown(tmp.cleanup);
  const [a, b] = [join(tmp.path, "a"), join(tmp.path, "b")];
  await fs.mkdir(join(b, "conf.d"), { recursive: true });
  await fs.mkdir(a);
  await fs.writeFile(join(a, "x.conf"), "from a");
  await fs.writeFile(join(b, "x.conf"), "from b");
  await fs.writeFile(join(b, "conf.d", "y.conf"), "y");
  const ctx = makeCtx({ DL_DIR: join(tmp.path, "dl"), FILESPATH: `${a}:${b}` });
  const res = await fetchAll(ctx, ["file://x.conf", "file://conf.d"]);
  t.is(res[0]!.localPath, join(a, "x.conf"));
  t.is(res[1]!.localPath, join(b, "conf.d"));

  const err = await t.throwsAsync(fetchAll(ctx, ["file://missing.patch"]), { instanceOf: LocalFileNotFound });
  t.deepEqual(err!.searched, [join(a, "missing.patch"), join(b, "missing.patch")]);
  t.true(err!.message.includes(join(b, "missing.patch")));

  const work = join(tmp.path, "work");
  await unpackAll(ctx, ["file://x.conf", "file://conf.d", "file://conf.d/y.conf;subdir=sub"], { rootDir: work });
  t.is(await fs.readFile(join(work, "x.conf"), "utf8"), "from a");
  t.is(await fs.readFile(join(work, "conf.d", "y.conf"), "utf8"), "y");
  t.is(await fs.readFile(join(work, "sub", "conf.d", "y.conf"), "utf8"), "y");
});

test("each archive type unpacks; subdir, striplevel and unpack=0 are honoured", async (t) => {
  const tmp = await tempDir();
  t.teardown(tmp.cleanup);
  const files = join(tmp.path, "files");
  const tree = join(tmp.path, "tree");
  await fs.mkdir(join(tree, "pkg-1.0", "src"), { recursive: true });
  await fs.writeFile(join(tree, "pkg-1.0", "src", "main.c"), "int main(){}\n");
  await fs.mkdir(files);
  const archives: Record<string, string[]> = {
    "a.tar": ["tar", "-cf"],
    "a.tar.gz": ["tar", "-czf"],
    "a.tgz": ["tar", "-czf"],
    "a.tar.bz2": ["tar", "-cjf"],
    "a.tar.xz": ["tar", "-cJf"],
    "a.tar.zst": ["tar", "--zstd", "-cf"],
  };
  for (const [name, cmd] of Object.entries(archives)) sh(tree, ...cmd, join(files, name), "pkg-1.0");
  sh(tree, "zip", "-qr", join(files, "a.zip"), "pkg-1.0");
  await fs.writeFile(join(files, "plain.txt"), "plain\n");
  for (const [tool, ext] of [["gzip", "gz"], ["xz", "xz"], ["bzip2", "bz2"], ["zstd", "zst"]] as const) {
    await fs.writeFile(join(files, `note-${ext}.txt`), `${tool}\n`);
    sh(files, tool, "-q", `note-${ext}.txt`);
  }

  const ctx = makeCtx({ DL_DIR: join(tmp.path, "dl"), FILESPATH: files });
  const work = join(tmp.path, "work");
  const names = [...Object.keys(archives), "a.zip"];
  await unpackAll(
    ctx,
    names.map((n) => `file://${n};subdir=${n}`),
    { rootDir: work },
  );
  for (const n of names) {
    t.is(await fs.readFile(join(work, n, "pkg-1.0", "src", "main.c"), "utf8"), "int main(){}\n", n);
  }

  await unpackAll(
    ctx,
    ["file://a.tar.xz;subdir=strip;striplevel=1", "file://a.zip;subdir=zstrip;striplevel=1", "file://a.tar.gz;unpack=0;subdir=raw"],
    { rootDir: work },
  );
  t.true(existsSync(join(work, "strip", "src", "main.c")));
  t.true(existsSync(join(work, "zstrip", "src", "main.c")));
  t.true(existsSync(join(work, "raw", "a.tar.gz")));
  t.false(existsSync(join(work, "raw", "pkg-1.0")));

  await unpackAll(ctx, ["file://plain.txt", "file://note-gz.txt.gz", "file://note-xz.txt.xz", "file://note-bz2.txt.bz2", "file://note-zst.txt.zst"], {
    rootDir: work,
  });
  t.is(await fs.readFile(join(work, "plain.txt"), "utf8"), "plain\n");
  t.is(await fs.readFile(join(work, "note-gz.txt"), "utf8"), "gzip\n");
  t.is(await fs.readFile(join(work, "note-xz.txt"), "utf8"), "xz\n");
  t.is(await fs.readFile(join(work, "note-bz2.txt"), "utf8"), "bzip2\n");
  t.is(await fs.readFile(join(work, "note-zst.txt"), "utf8"), "zstd\n");
});

test("SRC_URI[sha256sum] is the download's: a local file beside it is not checked against it; its own ;sha256sum= is", async (t) => {
  const tmp = await tempDir();
  t.teardown(tmp.cleanup);
  await fs.writeFile(join(tmp.path, "fix.patch"), "a patch\n");
  const ctx = makeCtx({ DL_DIR: join(tmp.path, "dl"), FILESPATH: tmp.path }, { "SRC_URI[sha256sum]": "0".repeat(64) });
  const [res] = await fetchAll(ctx, ["file://fix.patch"]);
  t.is(res!.localPath, join(tmp.path, "fix.patch"));
  await t.throwsAsync(fetchAll(ctx, [`file://fix.patch;sha256sum=${"1".repeat(64)}`]), { message: /fix\.patch/ });
});
