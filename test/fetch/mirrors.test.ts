import test from "ava";
import { existsSync, promises as fs } from "node:fs";
import { join } from "node:path";
import { FetchFailed, NetworkDisabled, fetchAll, mirrorCandidates } from "../../lib/fetch/index.js";
import { parseMirrorList } from "../../lib/common/mirror-list.js";
import { fastHttp, makeCtx, serveBody, sha256, startServer, tempDir } from "./helpers.js";

const parseMirrors = (value: string) => parseMirrorList("MIRRORS", value);

const BODY = Buffer.from("mirrored tarball\n".repeat(1000));
const SUM = sha256(BODY);

test("mirror rewriting follows BitBake's uri_replace", (t) => {
  const rules = parseMirrors(
    "https?://.*/.* http://mirror.example.com/sources/ \\n ftp://.*/.* file:///srv/ftp/ \n" +
      "http://downloads.yoctoproject.org/.* http://other.example.com/MIRRORNAME/BASENAME",
  );
  t.is(rules.length, 3);
  const subject = { url: "https://example.org/pub/foo-1.0.tar.gz;name=foo", localBasename: "foo-1.0.tar.gz", mirrorTarballs: [] };
  t.deepEqual(mirrorCandidates(subject, rules), ["http://mirror.example.com/sources/foo-1.0.tar.gz;name=foo"]);

  // The scheme is anchored: `http` must not match `https`.
  t.deepEqual(mirrorCandidates(subject, parseMirrors("http://.*/.* file:///m/")), []);

  // A downloadfilename is what mirrors hold.
  const renamed = { url: "https://example.org/get?id=3;downloadfilename=bar-2.tar.gz", localBasename: "bar-2.tar.gz", mirrorTarballs: [] };
  t.deepEqual(mirrorCandidates(renamed, parseMirrors("https://.*/.* file:///mirror/")), ["file:///mirror/bar-2.tar.gz;downloadfilename=bar-2.tar.gz"]);

  // TYPE/HOST/PATH/MIRRORNAME substitutions.
  t.deepEqual(
    mirrorCandidates(subject, parseMirrors("https://example.org/.* http://m.example.com/TYPE/HOST/MIRRORNAME")),
    ["http://m.example.com/https/example.org/example.org.pub.foo-1.0.tar.gz/foo-1.0.tar.gz;name=foo"],
  );

  // git: a different scheme means the mirror holds the tarball, and parameters are dropped.
  const gitSubject = { url: "git://git.example.com/repo.git;branch=main;protocol=https", localBasename: null, mirrorTarballs: ["git2_git.example.com.repo.git.tar.gz"] };
  t.deepEqual(mirrorCandidates(gitSubject, parseMirrors("git://.*/.* http://m.example.com/git/")), [
    "http://m.example.com/git/git2_git.example.com.repo.git.tar.gz",
  ]);
  // git to git keeps the path rewrite and the parameters.
  t.deepEqual(mirrorCandidates(gitSubject, parseMirrors("git://git.example.com/.* git://mirror.example.com/git/BASENAME")), [
    "git://mirror.example.com/git/repo.git;branch=main;protocol=https",
  ]);

  // Mirrors of mirrors: the rewritten URL is matched again by the remaining rules.
  t.deepEqual(
    mirrorCandidates(subject, parseMirrors("https://.*/.* http://a.example.com/ http://a.example.com/.* http://b.example.com/x/")),
    ["http://a.example.com/foo-1.0.tar.gz;name=foo", "http://b.example.com/x/foo-1.0.tar.gz;name=foo"],
  );
});

async function rig(t: import("ava").ExecutionContext) {
  const server = await startServer({
    "/first/foo-1.0.tar.gz": (_q, res) => res.writeHead(404).end(),
    "/second/foo-1.0.tar.gz": serveBody(BODY),
    "/third/foo-1.0.tar.gz": serveBody(BODY),
    "/upstream/foo-1.0.tar.gz": (_q, res) => res.writeHead(500).end(),
  });
  const dl = await tempDir();
  t.teardown(async () => {
    await server.close();
    await dl.cleanup();
  });
  return { server, dl, url: `${server.base}/upstream/foo-1.0.tar.gz` };
}

test("PREMIRRORS are tried in order before the upstream", async (t) => {
  const { server, dl, url } = await rig(t);
  const b = server.base;
  const ctx = makeCtx(
    { DL_DIR: dl.path, PREMIRRORS: `http://.*/.* ${b}/first/ \\n http://.*/.* ${b}/second/ \\n http://.*/.* ${b}/third/` },
    { "SRC_URI[sha256sum]": SUM },
  );
  const [res] = await fetchAll(ctx, [url], { http: fastHttp });
  t.is(res!.origin, "premirror");
  t.is(res!.fetchedFrom, `${b}/second/foo-1.0.tar.gz`);
  t.deepEqual(
    server.requests.map((r) => r.path),
    ["/first/foo-1.0.tar.gz", "/second/foo-1.0.tar.gz"],
  );
  t.deepEqual(await fs.readFile(join(dl.path, "foo-1.0.tar.gz")), BODY);
});

test("MIRRORS are the fallback when the upstream fails; the error lists every source tried", async (t) => {
  const { server, dl, url } = await rig(t);
  const b = server.base;
  const ctx = makeCtx({ DL_DIR: dl.path, MIRRORS: `http://.*/.* ${b}/first/ http://.*/.* ${b}/third/` }, { "SRC_URI[sha256sum]": SUM });
  const [res] = await fetchAll(ctx, [url], { http: { ...fastHttp, retries: 1 } });
  t.is(res!.origin, "mirror");
  t.is(res!.fetchedFrom, `${b}/third/foo-1.0.tar.gz`);
  t.deepEqual(
    server.requests.map((r) => r.path),
    ["/upstream/foo-1.0.tar.gz", "/upstream/foo-1.0.tar.gz", "/first/foo-1.0.tar.gz", "/third/foo-1.0.tar.gz"],
  );

  const none = makeCtx({ DL_DIR: join(dl.path, "other"), MIRRORS: `http://.*/.* ${b}/first/` }, { "SRC_URI[sha256sum]": SUM });
  const err = await t.throwsAsync(fetchAll(none, [url], { http: { ...fastHttp, retries: 0 } }), { instanceOf: FetchFailed });
  t.deepEqual(
    err!.attempts.map((a) => [a.source, a.url]),
    [
      ["upstream", url],
      ["mirror", `${b}/first/foo-1.0.tar.gz`],
    ],
  );
  t.regex(err!.message, /HTTP 500/);
  t.regex(err!.message, /HTTP 404/);
});

test("a premirror with a bad checksum is moved aside and the next source is used", async (t) => {
  const server = await startServer({
    "/bad/foo-1.0.tar.gz": serveBody(Buffer.from("corrupt")),
    "/upstream/foo-1.0.tar.gz": serveBody(BODY),
  });
  const dl = await tempDir();
  t.teardown(async () => {
    await server.close();
    await dl.cleanup();
  });
  const ctx = makeCtx({ DL_DIR: dl.path, PREMIRRORS: `http://.*/.* ${server.base}/bad/` }, { "SRC_URI[sha256sum]": SUM });
  const [res] = await fetchAll(ctx, [`${server.base}/upstream/foo-1.0.tar.gz`], { http: fastHttp });
  t.is(res!.origin, "upstream");
  t.true(existsSync(join(dl.path, `foo-1.0.tar.gz_bad-checksum_${sha256("corrupt")}`)));
  t.deepEqual(await fs.readFile(res!.localPath), BODY);
});

test("BB_NO_NETWORK: a complete DL_DIR works, an empty one fails naming the URL", async (t) => {
  const server = await startServer({ "/pub/foo-1.0.tar.gz": serveBody(BODY) });
  const dl = await tempDir();
  t.teardown(async () => {
    await server.close();
    await dl.cleanup();
  });
  const url = `${server.base}/pub/foo-1.0.tar.gz`;
  const flags = { "SRC_URI[sha256sum]": SUM };
  await fetchAll(makeCtx({ DL_DIR: dl.path }, flags), [url], { http: fastHttp });
  t.is(server.requests.length, 1);

  const offline = makeCtx({ DL_DIR: dl.path, BB_NO_NETWORK: "1" }, flags);
  const [res] = await fetchAll(offline, [url], { http: fastHttp });
  t.is(res!.origin, "dl_dir");

  const empty = makeCtx({ DL_DIR: join(dl.path, "empty"), BB_NO_NETWORK: "1", MIRRORS: `http://.*/.* ${server.base}/pub/` }, flags);
  const err = await t.throwsAsync(fetchAll(empty, [url], { http: fastHttp }), { instanceOf: NetworkDisabled });
  t.true(err!.message.includes(url));
  t.is(server.requests.length, 1, "no request was made");

  // A file:// premirror needs no network.
  const mirrorDir = join(dl.path, "own-mirror");
  await fs.mkdir(mirrorDir);
  await fs.writeFile(join(mirrorDir, "foo-1.0.tar.gz"), BODY);
  const own = makeCtx({ DL_DIR: join(dl.path, "fresh"), BB_NO_NETWORK: "1", PREMIRRORS: `http://.*/.* file://${mirrorDir}/` }, flags);
  const [fromOwn] = await fetchAll(own, [url], { http: fastHttp });
  t.is(fromOwn!.origin, "premirror");
  t.deepEqual(await fs.readFile(fromOwn!.localPath), BODY);
});

test("BB_FETCH_PREMIRRORONLY: premirrors may use the network, the upstream may not", async (t) => {
  const { server, dl, url } = await rig(t);
  const flags = { "SRC_URI[sha256sum]": SUM };
  const ok = makeCtx({ DL_DIR: dl.path, BB_FETCH_PREMIRRORONLY: "1", PREMIRRORS: `http://.*/.* ${server.base}/third/` }, flags);
  t.is((await fetchAll(ok, [url], { http: fastHttp }))[0]!.origin, "premirror");

  const miss = makeCtx({ DL_DIR: join(dl.path, "x"), BB_FETCH_PREMIRRORONLY: "1", PREMIRRORS: `http://.*/.* ${server.base}/first/` }, flags);
  await t.throwsAsync(fetchAll(miss, [url], { http: fastHttp }), { instanceOf: NetworkDisabled });
  t.false(server.requests.some((r) => r.path.startsWith("/upstream")));
});
