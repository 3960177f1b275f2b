import test from "ava";
import { execFileSync } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import { join } from "node:path";
import { FetchFailed, InvalidRevision, fetchAll, unpackAll, type FetchEvent } from "../../lib/fetch/index.js";
import { makeCtx, tempDir } from "./helpers.js";

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
      GIT_AUTHOR_DATE: "2020-01-01T00:00:00Z",
      GIT_COMMITTER_DATE: "2020-01-01T00:00:00Z",
    },
  }).trim();
}

/** A repository with two commits on `main` and one on a side branch. */
async function makeRepo(root: string): Promise<{ repo: string; first: string; second: string; side: string }> {
  const repo = join(root, "upstream", "proj.git");
  await fs.mkdir(repo, { recursive: true });
  git(repo, "init", "-q", "-b", "main");
  await fs.writeFile(join(repo, "file.txt"), "one\n");
  git(repo, "add", "file.txt");
  git(repo, "commit", "-q", "-m", "first");
  const first = git(repo, "rev-parse", "HEAD");
  await fs.writeFile(join(repo, "file.txt"), "two\n");
  git(repo, "commit", "-q", "-am", "second");
  const second = git(repo, "rev-parse", "HEAD");
  git(repo, "checkout", "-q", "-b", "side", first);
  await fs.writeFile(join(repo, "side.txt"), "side\n");
  git(repo, "add", "side.txt");
  git(repo, "commit", "-q", "-m", "side");
  const side = git(repo, "rev-parse", "HEAD");
  git(repo, "checkout", "-q", "main");
  return { repo, first, second, side };
}

test("a git repository is fetched by SRCREV, unpacked, and packed as a deterministic mirror tarball", async (t) => {
  const tmp = await tempDir();
  t.teardown(tmp.cleanup);
  const { repo, first, side } = await makeRepo(tmp.path);
  const url = `git://${repo};protocol=file;branch=main`;
  const dl = join(tmp.path, "dl");
  const ctx = makeCtx({ DL_DIR: dl, SRCREV: first, BB_GENERATE_MIRROR_TARBALLS: "1" });

  const [res] = await fetchAll(ctx, [url]);
  t.is(res!.revision, first);
  t.is(res!.origin, "upstream");
  const name = repo.replaceAll("/", ".").slice(1);
  t.is(res!.localPath, join(dl, "git2", name));
  const tarball = join(dl, `git2_${name}.tar.gz`);
  t.true(existsSync(tarball));

  const work = join(tmp.path, "work");
  const [unpacked] = await unpackAll(ctx, [url], { rootDir: work });
  t.is(unpacked!.dir, join(work, "git/"));
  t.is(await fs.readFile(join(work, "git", "file.txt"), "utf8"), "one\n");
  t.is(git(join(work, "git"), "rev-parse", "HEAD"), first);
  t.is(git(join(work, "git"), "rev-parse", "--abbrev-ref", "HEAD"), "main");

  // The tarball does not depend on file times.
  const before = await fs.readFile(tarball);
  const later = new Date(Date.now() + 86_400_000);
  for (const f of await fs.readdir(res!.localPath)) await fs.utimes(join(res!.localPath, f), later, later);
  await fs.rm(tarball);
  await fetchAll(ctx, [url]);
  t.deepEqual(await fs.readFile(tarball), before);

  // A fresh DL_DIR, the upstream gone: the mirror tarball is found through PREMIRRORS.
  const mirrorDir = join(tmp.path, "mirror");
  await fs.mkdir(mirrorDir);
  await fs.copyFile(tarball, join(mirrorDir, `git2_${name}.tar.gz`));
  await fs.rename(repo, `${repo}.moved`);
  const dl2 = join(tmp.path, "dl2");
  const ctx2 = makeCtx({ DL_DIR: dl2, SRCREV: first, PREMIRRORS: `git://.*/.* file://${mirrorDir}/` });
  const [fromMirror] = await fetchAll(ctx2, [url]);
  t.is(fromMirror!.origin, "premirror");
  t.is(fromMirror!.fetchedFrom, `file://${mirrorDir}/git2_${name}.tar.gz`);
  const work2 = join(tmp.path, "work2");
  await unpackAll(ctx2, [`${url};destsuffix=src/proj`], { rootDir: work2 });
  t.is(await fs.readFile(join(work2, "src", "proj", "file.txt"), "utf8"), "one\n");

  // A revision that is not on the branch is refused, even though the commit exists.
  await fs.rename(`${repo}.moved`, repo);
  const offBranch = makeCtx({ DL_DIR: dl, SRCREV: side });
  const err = await t.throwsAsync(fetchAll(offBranch, [url]), { instanceOf: FetchFailed });
  t.regex(err!.message, new RegExp(`revision ${side} is not on branch main`));
  // With nobranch=1 it is accepted and checked out detached.
  await fetchAll(offBranch, [`git://${repo};protocol=file;nobranch=1`]);
  const work3 = join(tmp.path, "work3");
  await unpackAll(offBranch, [`git://${repo};protocol=file;nobranch=1`], { rootDir: work3 });
  t.is(await fs.readFile(join(work3, "git", "side.txt"), "utf8"), "side\n");
});

test("SRCREV must be a full hash; AUTOREV warns and follows the branch", async (t) => {
  const tmp = await tempDir();
  t.teardown(tmp.cleanup);
  const { repo, second } = await makeRepo(tmp.path);
  const url = `git://${repo};protocol=file;branch=main;name=proj`;
  const dl = join(tmp.path, "dl");
  for (const bad of ["main", second.slice(0, 12), "v1.0"]) {
    const err = await t.throwsAsync(fetchAll(makeCtx({ DL_DIR: dl, SRCREV_proj: bad }), [url]), { instanceOf: InvalidRevision });
    t.regex(err!.message, /SRCREV_proj = ".*" is not a full 40-hex commit hash/);
  }
  await t.throwsAsync(fetchAll(makeCtx({ DL_DIR: dl }), [`git://${repo};protocol=file`]), { message: /branch=/ });

  const events: FetchEvent[] = [];
  const [res] = await fetchAll(makeCtx({ DL_DIR: dl, SRCREV_proj: "AUTOINC" }), [url], { onEvent: (e) => events.push(e) });
  t.is(res!.revision, second);
  t.true(events.some((e) => e.type === "warning" && /AUTOREV/.test(e.message)));
});
