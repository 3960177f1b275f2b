import test from "ava";
import { existsSync, promises as fs } from "node:fs";
import { join } from "node:path";
import { ChecksumMismatch, FetchFailed, MalformedUrl, MissingChecksum, fetchAll, verify } from "../../lib/fetch/index.js";
import { collectEvents, fastHttp, makeCtx, serveBody, sha256, startServer, tempDir } from "./helpers.js";

const BODY = Buffer.from("hello from upstream\n".repeat(5000));
const SUM = sha256(BODY);

test("a good file lands in DL_DIR with a done stamp and progress events", async (t) => {
  const server = await startServer({ "/pub/foo-1.0.tar.gz": serveBody(BODY) });
  const dl = await tempDir();
  t.teardown(async () => {
    await server.close();
    await dl.cleanup();
  });
  const ctx = makeCtx({ DL_DIR: dl.path }, { "SRC_URI[sha256sum]": SUM });
  const { events, onEvent } = collectEvents();
  const [res] = await fetchAll(ctx, [`${server.base}/pub/foo-1.0.tar.gz`], { http: fastHttp, onEvent });
  t.is(res!.origin, "upstream");
  t.is(res!.localPath, join(dl.path, "foo-1.0.tar.gz"));
  t.deepEqual(await fs.readFile(res!.localPath), BODY);
  t.is(JSON.parse(await fs.readFile(`${res!.localPath}.done`, "utf8")).sha256, SUM);
  const last = events.filter((e) => e.type === "progress").at(-1);
  t.like(last, { type: "progress", bytes: BODY.length, total: BODY.length });

  // A second fetch trusts the stamp and makes no request.
  const again = await fetchAll(ctx, [`${server.base}/pub/foo-1.0.tar.gz`], { http: fastHttp });
  t.is(again[0]!.origin, "dl_dir");
  t.is(server.hits("/pub/foo-1.0.tar.gz"), 1);
});

test("redirects are followed, and a redirect loop fails after the limit", async (t) => {
  const server = await startServer({
    "/a": (_q, res) => res.writeHead(302, { location: "/b" }).end(),
    "/b": (_q, res) => res.writeHead(301, { location: "/real/foo.tar.gz" }).end(),
    "/real/foo.tar.gz": serveBody(BODY),
    "/loop": (_q, res) => res.writeHead(302, { location: "/loop" }).end(),
  });
  const dl = await tempDir();
  t.teardown(async () => {
    await server.close();
    await dl.cleanup();
  });
  const ctx = makeCtx({ DL_DIR: dl.path }, { "SRC_URI[a.sha256sum]": SUM, "SRC_URI[l.sha256sum]": SUM });
  const [res] = await fetchAll(ctx, [`${server.base}/a;downloadfilename=foo.tar.gz;name=a`], { http: fastHttp });
  t.deepEqual(await fs.readFile(res!.localPath), BODY);
  t.is(res!.localPath, join(dl.path, "foo.tar.gz"));

  const err = await t.throwsAsync(fetchAll(ctx, [`${server.base}/loop;downloadfilename=l.tar.gz;name=l`], { http: { ...fastHttp, maxRedirects: 3 } }), {
    instanceOf: FetchFailed,
  });
  t.regex(err!.message, /more than 3 redirects/);
  t.is(server.hits("/loop"), 4); // the first request and 3 redirects, never retried
});

test("5xx responses are retried with backoff until success", async (t) => {
  const server = await startServer({
    "/flaky.tar.gz": (req, res, hit) => {
      if (hit <= 2) {
        res.writeHead(hit === 1 ? 500 : 503).end("busy");
        return;
      }
      serveBody(BODY)(req, res, hit);
    },
    "/gone.tar.gz": (_q, res) => res.writeHead(404).end(),
  });
  const dl = await tempDir();
  t.teardown(async () => {
    await server.close();
    await dl.cleanup();
  });
  const ctx = makeCtx({ DL_DIR: dl.path }, { "SRC_URI[f.sha256sum]": SUM, "SRC_URI[g.sha256sum]": SUM });
  const { events, onEvent } = collectEvents();
  const [res] = await fetchAll(ctx, [`${server.base}/flaky.tar.gz;name=f`], { http: fastHttp, onEvent });
  t.deepEqual(await fs.readFile(res!.localPath), BODY);
  t.is(server.hits("/flaky.tar.gz"), 3);
  t.is(events.filter((e) => e.type === "warning" && /retry/.test(e.message)).length, 2);

  // A 404 is final: no retries.
  await t.throwsAsync(fetchAll(ctx, [`${server.base}/gone.tar.gz;name=g`], { http: fastHttp }), { instanceOf: FetchFailed });
  t.is(server.hits("/gone.tar.gz"), 1);
});

test("a connection dropped half-way is resumed with Range", async (t) => {
  const half = Math.floor(BODY.length / 2);
  const dl = await tempDir();
  // The connection drops only once the client has written part of the body to its .part file,
  // so the second request must resume (however slowly the machine runs).
  const partWritten = async () => {
    for (let i = 0; i < 1000; i++) {
      const size = await fs.stat(join(dl.path, "big.tar.gz.part")).then((s) => s.size, () => 0);
      if (size > 0) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const server = await startServer({
    "/big.tar.gz": (req, res, hit) => {
      if (hit === 1) {
        res.writeHead(200, { "content-length": BODY.length });
        res.write(BODY.subarray(0, half), () => void partWritten().then(() => res.socket?.destroy()));
        return;
      }
      serveBody(BODY)(req, res, hit);
    },
  });
  t.teardown(async () => {
    await server.close();
    await dl.cleanup();
  });
  const ctx = makeCtx({ DL_DIR: dl.path }, { "SRC_URI[sha256sum]": SUM });
  const [res] = await fetchAll(ctx, [`${server.base}/big.tar.gz`], { http: fastHttp });
  t.deepEqual(await fs.readFile(res!.localPath), BODY);
  t.is(server.requests.length, 2);
  t.is(server.requests[0]!.range, undefined);
  t.regex(server.requests[1]!.range ?? "", /^bytes=\d+-$/);
  t.true(Number(/\d+/.exec(server.requests[1]!.range!)![0]) > 0);
  t.false(existsSync(`${res!.localPath}.part`));
});

test("a wrong body is a checksum error; the file is moved aside and never used", async (t) => {
  const bad = Buffer.from("this is not the tarball you are looking for\n");
  const server = await startServer({ "/foo-2.0.tar.gz": serveBody(bad) });
  const dl = await tempDir();
  t.teardown(async () => {
    await server.close();
    await dl.cleanup();
  });
  const ctx = makeCtx({ DL_DIR: dl.path }, { "SRC_URI[sha256sum]": SUM });
  const url = `${server.base}/foo-2.0.tar.gz`;
  const err = await t.throwsAsync(fetchAll(ctx, [url], { http: fastHttp }), { instanceOf: FetchFailed });
  const cause = err!.attempts[0]!.error;
  t.true(cause instanceof ChecksumMismatch);
  t.regex(err!.message, new RegExp(`expected: sha256 ${SUM}`));
  t.regex(err!.message, new RegExp(`actual:   sha256 ${sha256(bad)}`));
  const final = join(dl.path, "foo-2.0.tar.gz");
  t.false(existsSync(final));
  t.false(existsSync(`${final}.done`));
  t.deepEqual(await fs.readFile(`${final}_bad-checksum_${sha256(bad)}`), bad);

  // Asked again, it downloads again rather than trusting the bad copy.
  await t.throwsAsync(fetchAll(ctx, [url], { http: fastHttp }), { instanceOf: FetchFailed });
  t.is(server.hits("/foo-2.0.tar.gz"), 2);

  // A bad file placed by hand in DL_DIR is also moved aside, not used.
  await fs.writeFile(final, bad);
  await t.throwsAsync(fetchAll(ctx, [url], { http: fastHttp }), { instanceOf: FetchFailed });
  t.false(existsSync(final));
});

test("BB_STRICT_CHECKSUM: a remote file without sha256 is an error naming the URL and the line to add", async (t) => {
  const server = await startServer({ "/nosum-1.0.tar.gz": serveBody(BODY) });
  const dl = await tempDir();
  t.teardown(async () => {
    await server.close();
    await dl.cleanup();
  });
  const url = `${server.base}/nosum-1.0.tar.gz;name=nosum`;
  const strict = makeCtx({ DL_DIR: dl.path, BB_STRICT_CHECKSUM: "1" });
  const err = await t.throwsAsync(fetchAll(strict, [url], { http: fastHttp }), { instanceOf: MissingChecksum });
  t.true(err!.message.includes(`SRC_URI[nosum.sha256sum] = "${SUM}"`));
  t.true(err!.message.includes(url));
  t.false(existsSync(join(dl.path, "nosum-1.0.tar.gz.done")));

  // Without strict mode it is a warning with the same line.
  const { events, onEvent } = collectEvents();
  await fetchAll(makeCtx({ DL_DIR: dl.path }), [url], { http: fastHttp, onEvent });
  t.true(events.some((e) => e.type === "warning" && e.message.includes(`SRC_URI[nosum.sha256sum] = "${SUM}"`)));
});

test("a server that stalls mid-body hits the read timeout and the retry resumes", async (t) => {
  const half = 40_000;
  const server = await startServer({
    "/stall.tar.gz": (req, res, hit) => {
      if (hit === 1) {
        res.writeHead(200, { "content-length": BODY.length });
        res.write(BODY.subarray(0, half)); // and never another byte
        return;
      }
      serveBody(BODY)(req, res, hit);
    },
  });
  const dl = await tempDir();
  t.teardown(async () => {
    await server.close();
    await dl.cleanup();
  });
  const ctx = makeCtx({ DL_DIR: dl.path }, { "SRC_URI[sha256sum]": SUM });
  const { events, onEvent } = collectEvents();
  const [res] = await fetchAll(ctx, [`${server.base}/stall.tar.gz`], { http: { ...fastHttp, readTimeoutMs: 300 }, onEvent });
  t.deepEqual(await fs.readFile(res!.localPath), BODY);
  t.regex(server.requests[1]!.range ?? "", /^bytes=[1-9]\d*-$/);
  t.true(events.some((e) => e.type === "warning" && /connection lost/.test(e.message)));
});

test("verify re-checks files in DL_DIR against the recipe", async (t) => {
  const server = await startServer({ "/v-1.0.tar.gz": serveBody(BODY) });
  const dl = await tempDir();
  t.teardown(async () => {
    await server.close();
    await dl.cleanup();
  });
  const ctx = makeCtx({ DL_DIR: dl.path }, { "SRC_URI[sha256sum]": SUM });
  const url = `${server.base}/v-1.0.tar.gz`;
  await fetchAll(ctx, [url], { http: fastHttp });
  const [ok] = await verify(ctx, [url]);
  t.is(ok!.sha256 as string, SUM);
  await fs.appendFile(join(dl.path, "v-1.0.tar.gz"), "tampered");
  await t.throwsAsync(verify(ctx, [url]), { instanceOf: ChecksumMismatch });
});

test("a full disk while writing the download is not retried: the error names the part file and ENOSPC", async (t) => {
  const server = await startServer({ "/pub/foo-1.0.tar.gz": serveBody(BODY) });
  const dl = await tempDir();
  t.teardown(async () => {
    await server.close();
    await dl.cleanup();
  });
  // The part file leads to /dev/full: every write of it fails with ENOSPC.
  await fs.symlink("/dev/full", join(dl.path, "foo-1.0.tar.gz.part"));
  const ctx = makeCtx({ DL_DIR: dl.path }, { "SRC_URI[sha256sum]": SUM });
  const err = await t.throwsAsync(fetchAll(ctx, [`${server.base}/pub/foo-1.0.tar.gz`], { http: { ...fastHttp, retries: 3 } }), { instanceOf: FetchFailed });
  t.regex(err!.message, /cannot write .*foo-1\.0\.tar\.gz\.part .*ENOSPC/);
  t.is(server.hits("/pub/foo-1.0.tar.gz"), 1, "no retry");
  t.false(existsSync(join(dl.path, "foo-1.0.tar.gz.done")));
});

test("an http(s) entry with protocol=git is refused before any request, as BitBake's wget fetcher refuses it", async (t) => {
  const server = await startServer({ "/a.git": serveBody(BODY) });
  const dl = await tempDir();
  t.teardown(async () => {
    await server.close();
    await dl.cleanup();
  });
  const ctx = makeCtx({ DL_DIR: dl.path }, { "SRC_URI[sha256sum]": SUM });
  const url = `${server.base}/a.git;protocol=git`;
  const err = await t.throwsAsync(fetchAll(ctx, [url], { http: fastHttp }), { instanceOf: MalformedUrl });
  t.is(err!.message, `Malformed SRC_URI entry '${url}': protocol=git on an http URL: to fetch a git repository over http, write git://…;protocol=http`);
  t.is(server.hits("/a.git"), 0);
  // Another protocol= is no concern of the http fetcher.
  const [res] = await fetchAll(ctx, [`${server.base}/a.git;protocol=https;downloadfilename=foo-1.0.tar.gz`], { http: fastHttp });
  t.is(res!.origin, "upstream");
});
