// Publishing shared state: `bake sstate push` to a directory and to an HTTP server accepting PUT
// (nginx with its dav module, where installed), and `bake sstate serve` as the read-only mirror
// that bake's own SSTATE_MIRRORS client restores from.
import test from "ava";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer, Socket } from "node:net";
import { join } from "node:path";
import { request } from "undici";
import {
  CACHE_CONTROL,
  fetchSstateObject,
  checkAvailability,
  generateKeyPair,
  loadSigningKey,
  objectRelPath,
  parseRange,
  parseSstateMirrors,
  parseTrustedKeys,
  pushSstate,
  directoryDestination,
  httpDestination,
  restoreSstateObject,
  startMirrorServer,
  writeSstateObject,
  writeEquivalence,
  findEquivalences,
  equivalenceRelPath,
  type SstateObjectId,
} from "../../lib/sstate/index.js";
import { sstateCommand, type SstateCommandIO } from "../../lib/cli/sstate.js";
import { asTaskHash, asUniHash, asOutHash } from "../../lib/common/hashes.js";
import { makeTree, tempDir } from "./fixtures.js";

const id = (c: string, pn = "zlib"): SstateObjectId => ({ pn, pkgArch: "core2-64", task: "populate_sysroot", uniHash: asUniHash(c.repeat(64)) });

interface Cache {
  readonly dir: string;
  readonly sstate: string;
  readonly trusted: string;
  readonly good: readonly SstateObjectId[];
}

/**
 * An SSTATE_DIR with three objects signed by the trusted key, and one each unsigned, signed by a
 * stranger and tampered with after signing: only the three may ever be published.
 */
async function cache(t: Parameters<typeof tempDir>[0]): Promise<Cache> {
  const dir = tempDir(t);
  generateKeyPair(dir, "trusted");
  generateKeyPair(dir, "stranger");
  const src = join(dir, "image");
  mkdirSync(src);
  makeTree(src);
  const sstate = join(dir, "sstate");
  const make = (oid: SstateObjectId, key: string | null) =>
    writeSstateObject({
      sstateDir: sstate,
      id: oid,
      taskId: `${oid.pn}:do_populate_sysroot`,
      taskHash: asTaskHash("1".repeat(64)),
      outHash: null,
      outputs: [{ name: "sysroot-destdir", dir: src }],
      sourceDateEpoch: 1_600_000_000,
      ...(key === null ? {} : { signingKey: loadSigningKey(join(dir, `${key}.key`)) }),
    });
  const good = [id("a"), id("b", "busybox"), id("c", "musl")];
  for (const g of good) await make(g, "trusted");
  await make(id("d"), null);
  await make(id("e"), "stranger");
  const tampered = await make(id("f"), "trusted");
  const bytes = readFileSync(tampered.archivePath);
  bytes[bytes.length - 20] ^= 0x55;
  writeFileSync(tampered.archivePath, bytes);
  return { dir, sstate, trusted: join(dir, "trusted.pub"), good };
}

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(dir.length + 1))
    .sort();
}

const committed = (c: Cache) => c.good.flatMap((g) => [objectRelPath(g), `${objectRelPath(g)}.siginfo`]).sort();

test("push to a directory: only verified objects signed by a trusted key, then nothing twice", async (t) => {
  const c = await cache(t);
  const dest = join(c.dir, "www");
  const trust = { trustedKeys: parseTrustedKeys(c.trusted) };
  const r = await pushSstate({ sstateDir: c.sstate, destination: directoryDestination(dest), trust });
  t.is(r.total, 6);
  t.is(r.pushed, 3);
  t.is(r.present, 0);
  t.deepEqual(r.failed, []);
  t.deepEqual(r.refused.map((x) => x.reason).sort(), ["checksum-mismatch", "unsigned", "untrusted-key"]);
  t.deepEqual(files(dest), committed(c));
  for (const g of c.good) t.deepEqual(readFileSync(join(dest, objectRelPath(g))), readFileSync(join(c.sstate, objectRelPath(g))));

  const again = await pushSstate({ sstateDir: c.sstate, destination: directoryDestination(dest), trust });
  t.is(again.pushed, 0);
  t.is(again.present, 3);
});

test("an interrupted push continues: an archive without metadata is sent again, temporaries are never served", async (t) => {
  const c = await cache(t);
  const dest = join(c.dir, "www");
  const trust = { trustedKeys: parseTrustedKeys(c.trusted) };
  await pushSstate({ sstateDir: c.sstate, destination: directoryDestination(dest), trust });
  // What a push killed mid-way leaves: one object's archive cut short and its metadata not yet
  // written, another's archive still under its temporary name.
  const [a, b] = c.good.map((g) => join(dest, objectRelPath(g)));
  unlinkSync(`${a}.siginfo`);
  writeFileSync(a!, readFileSync(a!).subarray(0, 100));
  unlinkSync(`${b}.siginfo`);
  unlinkSync(b!);
  writeFileSync(join(dest, objectRelPath(c.good[1]!), "..", `.tmp-123456-x.tar.zst`), "partial");

  const r = await pushSstate({ sstateDir: c.sstate, destination: directoryDestination(dest), trust });
  t.is(r.pushed, 2);
  t.is(r.present, 1);
  for (const g of c.good) t.deepEqual(readFileSync(join(dest, objectRelPath(g))), readFileSync(join(c.sstate, objectRelPath(g))));

  // A reader of the mirror never sees the leftover.
  const s = await startMirrorServer({ root: dest, bind: "127.0.0.1:0" });
  t.teardown(() => s.close());
  const leftover = await request(new URL(`${objectRelPath(c.good[1]!).split("/").slice(0, 2).join("/")}/.tmp-123456-x.tar.zst`, s.url));
  t.is(leftover.statusCode, 404);
  await leftover.body.dump();
});

test("bake sstate push: the command line, and its summary", async (t) => {
  const c = await cache(t);
  const lines: string[] = [];
  const io: SstateCommandIO = { out: (l) => lines.push(l), err: (l) => lines.push(`ERR ${l}`), env: {}, cwd: c.dir };
  t.is(await sstateCommand(["push", "www", "--sstate-dir", "sstate", "--trusted-key", c.trusted], io), 0, lines.join("\n"));
  t.regex(lines.at(-1)!, /^6 objects: 3 pushed \(.*\), 0 already there, 3 not verified or not signed by a trusted key, 0 failed; equivalence records: 0 pushed, 0 already there$/);
  t.true(lines.some((l) => /^ERR not pushed \(untrusted-key\): .*sstate:zlib:core2-64:\d+:e{64}_populate_sysroot\.tar\.zst\.siginfo/.test(l)), lines.join("\n"));
  t.deepEqual(files(join(c.dir, "www")), committed(c));
  // Outside a build directory and without --sstate-dir there is nothing to push from.
  t.is(await sstateCommand(["push", "www", "--trusted-key", c.trusted], io), 2);
  t.regex(lines.at(-1)!, /no SSTATE_DIR/);
});

// ---------------------------------------------------------------------------------------------
// bake sstate serve

async function get(url: string, headers: Record<string, string> = {}, method: "GET" | "HEAD" | "PUT" = "GET") {
  const r = await request(url, { method, headers, ...(method === "PUT" ? { body: "x" } : {}) });
  const body = Buffer.from(await r.body.arrayBuffer());
  return { status: r.statusCode, headers: r.headers, body };
}

test("serve: GET, HEAD, ETag, Last-Modified, ranges, cache headers", async (t) => {
  const c = await cache(t);
  const s = await startMirrorServer({ root: c.sstate, bind: "127.0.0.1:0" });
  t.teardown(() => s.close());
  const rel = objectRelPath(c.good[0]!);
  const bytes = readFileSync(join(c.sstate, rel));
  const url = new URL(rel.replace(/:/g, "%3A"), s.url).href;

  const full = await get(url);
  t.is(full.status, 200);
  t.deepEqual(full.body, bytes);
  t.is(full.headers["content-length"], String(bytes.length));
  t.is(full.headers["content-type"], "application/zstd");
  t.is(full.headers["accept-ranges"], "bytes");
  t.is(full.headers["cache-control"], CACHE_CONTROL.archive);
  t.is(full.headers["last-modified"], new Date(Math.floor(statSync(join(c.sstate, rel)).mtimeMs / 1000) * 1000).toUTCString());
  const etag = full.headers.etag as string;
  t.regex(etag, /^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);

  const head = await get(url, {}, "HEAD");
  t.is(head.status, 200);
  t.is(head.headers["content-length"], String(bytes.length));
  t.is(head.body.length, 0);
  t.is(head.headers.etag, etag);

  const meta = await get(`${url}.siginfo`);
  t.is(meta.headers["content-type"], "application/json");
  t.is(meta.headers["cache-control"], CACHE_CONTROL.metadata);
  t.deepEqual(meta.body, readFileSync(join(c.sstate, `${rel}.siginfo`)));

  t.is((await get(url, { "if-none-match": etag })).status, 304);
  t.is((await get(url, { "if-none-match": `W/${etag}, "other"` })).status, 304);
  t.is((await get(url, { "if-none-match": '"other"' })).status, 200);
  t.is((await get(url, { "if-modified-since": full.headers["last-modified"] as string })).status, 304);
  t.is((await get(url, { "if-modified-since": new Date(0).toUTCString() })).status, 200);

  const part = await get(url, { range: "bytes=10-109" });
  t.is(part.status, 206);
  t.is(part.headers["content-range"], `bytes 10-109/${bytes.length}`);
  t.is(part.headers["content-length"], "100");
  t.deepEqual(part.body, bytes.subarray(10, 110));
  const tail = await get(url, { range: "bytes=-50" });
  t.deepEqual(tail.body, bytes.subarray(bytes.length - 50));
  const open = await get(url, { range: `bytes=${bytes.length - 7}-` });
  t.deepEqual(open.body, bytes.subarray(bytes.length - 7));
  const beyond = await get(url, { range: `bytes=${bytes.length}-` });
  t.is(beyond.status, 416);
  t.is(beyond.headers["content-range"], `bytes */${bytes.length}`);
  // If-Range: a range of another version of the file is not what the client wants.
  t.is((await get(url, { range: "bytes=0-9", "if-range": '"stale"' })).status, 200);
  t.is((await get(url, { range: "bytes=0-9", "if-range": etag })).status, 206);
  // Several ranges are answered with the whole file.
  t.is((await get(url, { range: "bytes=0-1,5-6" })).status, 200);

  t.deepEqual(parseRange("bytes=5-", 10), { start: 5, end: 9 });
  t.deepEqual(parseRange("bytes=-20", 10), { start: 0, end: 9 });
  t.is(parseRange("bytes=-0", 10), "unsatisfiable");
  t.is(parseRange("items=1-2", 10), null);
});

test("serve: 404 for what is missing or outside the tree, 405 for writes", async (t) => {
  const c = await cache(t);
  writeFileSync(join(c.dir, "secret"), "outside\n");
  symlinkSync(join(c.dir, "secret"), join(c.sstate, "link-out"));
  writeFileSync(join(c.sstate, "inside"), "inside\n");
  symlinkSync("inside", join(c.sstate, "link-in"));
  const s = await startMirrorServer({ root: c.sstate, bind: "127.0.0.1:0" });
  t.teardown(() => s.close());
  const base = s.url.replace(/\/$/, "");
  const missing = await get(`${base}/aa/bb/sstate:nothing:x:1:${"9".repeat(64)}_populate_sysroot.tar.zst.siginfo`);
  t.is(missing.status, 404);
  t.is(missing.headers["cache-control"], CACHE_CONTROL.missing);
  t.is((await get(`${base}/link-in`)).status, 200);
  for (const p of ["/link-out", "/../secret", "/%2e%2e/secret", "/aa/%2E%2E/%2E%2E/secret", "/..%2fsecret", "/", `/${objectRelPath(c.good[0]!).split("/")[0]}/`, "/%00", "/%zz"]) {
    // undici normalises literal dot segments: send the raw request line over a socket as well.
    const r = await rawGet(base, p);
    t.regex(r, /^HTTP\/1\.1 404 /, p);
    t.false(r.includes("outside"), p);
  }
  const put = await get(`${base}/inside`, {}, "PUT");
  t.is(put.status, 405);
  t.is(put.headers.allow, "GET, HEAD");
  t.is(readFileSync(join(c.sstate, "inside"), "utf8"), "inside\n");
});

function rawGet(base: string, path: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = new Socket();
    let out = "";
    sock.on("data", (d: Buffer) => (out += d.toString("latin1")));
    sock.on("end", () => resolve(out));
    sock.on("error", reject);
    sock.connect(Number(port), hostname, () => sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
  });
}

test("bake's SSTATE_MIRRORS client restores from bake sstate serve", async (t) => {
  const c = await cache(t);
  const www = join(c.dir, "www");
  const trust = { trustedKeys: parseTrustedKeys(c.trusted) };
  await pushSstate({ sstateDir: c.sstate, destination: directoryDestination(www), trust });
  const s = await startMirrorServer({ root: www, bind: "127.0.0.1:0" });
  t.teardown(() => s.close());
  const opts = { sstateDir: join(c.dir, "consumer"), mirrors: parseSstateMirrors(`file://.* ${s.url}PATH`), timeoutMs: 5000 };
  const wanted = [...c.good, id("d"), id("e")];
  const avail = await checkAvailability(wanted, opts);
  t.deepEqual(wanted.map((w) => avail.get(objectRelPath(w))!.kind), ["mirror", "mirror", "mirror", "missing", "missing"]);
  for (const g of c.good) {
    const f = await fetchSstateObject(g, trust, opts);
    t.true(f.ok, JSON.stringify(f));
    const out = join(c.dir, "restored", g.pn);
    const r = await restoreSstateObject(opts.sstateDir, g, [{ name: "sysroot-destdir", dir: out }], trust);
    t.true(r.ok, JSON.stringify(r));
    t.is(readFileSync(join(out, "usr/bin/tool"), "utf8"), "#!/bin/sh\necho tool\n");
  }
});

test("bake sstate serve: the command prints its URL and the SSTATE_MIRRORS line, and stops", async (t) => {
  const c = await cache(t);
  const lines: string[] = [];
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const printed = new Promise<string>((resolve) => {
    const io: SstateCommandIO = {
      out: (l) => {
        lines.push(l);
        const m = /^SSTATE_MIRRORS = "file:\/\/\.\* (\S+)PATH"$/.exec(l);
        if (m) resolve(m[1]!);
      },
      err: (l) => lines.push(`ERR ${l}`),
      env: {},
      cwd: c.dir,
      stopped,
    };
    void sstateCommand(["serve", "sstate", "--bind", "127.0.0.1:0"], io).then((code) => lines.push(`exit ${code}`));
  });
  const url = await printed;
  const r = await get(new URL(`${objectRelPath(c.good[0]!)}.siginfo`, url).href);
  t.is(r.status, 200);
  stop();
  await new Promise((r) => setImmediate(r));
  t.true(lines.some((l) => l.startsWith("ERR 127.0.0.1")), lines.join("\n")); // the access log
  const inUse = new URL(url).host;
  const io2: SstateCommandIO = { out: () => {}, err: (l) => lines.push(`ERR ${l}`), env: {}, cwd: c.dir };
  const blocker = await startMirrorServer({ root: c.sstate, bind: "127.0.0.1:0" });
  t.teardown(() => blocker.close());
  t.is(await sstateCommand(["serve", "sstate", "--bind", new URL(blocker.url).host], io2), 2);
  t.regex(lines.at(-1)!, /is in use/);
  t.truthy(inUse);
});

// ---------------------------------------------------------------------------------------------
// nginx with the dav module: the HTTP server users put in front of a shared mirror

function nginxBinary(): string | null {
  const r = spawnSync("nginx", ["-V"], { encoding: "utf8" });
  return r.status === 0 && /--with-http_dav_module/.test(r.stderr) ? "nginx" : null;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const withNginx = nginxBinary() === null ? test.skip : test;

withNginx("push over HTTP PUT to nginx (dav), skip what is there, restore through nginx", async (t) => {
  const c = await cache(t);
  const root = join(c.dir, "nginx");
  const www = join(root, "www");
  mkdirSync(join(root, "tmp"), { recursive: true });
  mkdirSync(www);
  const port = await freePort();
  // The README's location block (without its upload password), with the paths of this test.
  const conf = `
daemon off;
master_process off;
worker_processes 1;
error_log ${root}/error.log;
pid ${root}/nginx.pid;
events { worker_connections 64; }
http {
  access_log ${root}/access.log;
  client_body_temp_path ${root}/tmp;
  proxy_temp_path ${root}/tmp; fastcgi_temp_path ${root}/tmp; uwsgi_temp_path ${root}/tmp; scgi_temp_path ${root}/tmp;
  types { application/zstd zst; application/json siginfo; }
  server {
    listen 127.0.0.1:${port};
    root ${www};
    location /sstate/ {
      alias ${www}/;
      dav_methods PUT;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
      client_max_body_size 0;
      location ~ /\\. { return 404; }
      location ~ \\.(siginfo|unihash)$ { add_header Cache-Control "public, max-age=60"; }
      add_header Cache-Control "public, max-age=31536000, immutable";
    }
  }
}
`;
  writeFileSync(join(root, "nginx.conf"), conf);
  const nginx = spawn("nginx", ["-p", root, "-c", join(root, "nginx.conf")], { stdio: ["ignore", "ignore", "pipe"] });
  let nginxErr = "";
  nginx.stderr.on("data", (d: Buffer) => (nginxErr += d.toString()));
  t.teardown(() => void nginx.kill());
  const base = `http://127.0.0.1:${port}/sstate/`;
  for (let i = 0; ; i++) {
    try {
      await (await request(base, { method: "HEAD" })).body.dump();
      break;
    } catch (e) {
      if (i > 100 || nginx.exitCode !== null) throw new Error(`nginx did not start: ${nginxErr} ${existsSync(join(root, "error.log")) ? readFileSync(join(root, "error.log"), "utf8") : ""} ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const trust = { trustedKeys: parseTrustedKeys(c.trusted) };
  const r = await pushSstate({ sstateDir: c.sstate, destination: httpDestination(base), trust });
  t.deepEqual(r.failed, []);
  t.is(r.pushed, 3);
  t.deepEqual(files(www), committed(c));
  for (const g of c.good) t.deepEqual(readFileSync(join(www, objectRelPath(g))), readFileSync(join(c.sstate, objectRelPath(g))));
  const log = () => readFileSync(join(root, "access.log"), "utf8").trim().split("\n");
  // Each object: the archive PUT strictly before its metadata PUT (the commit point).
  for (const g of c.good) {
    const name = objectRelPath(g).split("/").pop()!;
    const lines = log();
    const archive = lines.findIndex((l) => l.includes(`"PUT `) && l.includes(`${name} `));
    const meta = lines.findIndex((l) => l.includes(`"PUT `) && l.includes(`${name}.siginfo `));
    t.true(archive >= 0 && meta > archive, lines.join("\n"));
  }

  // Pushing again asks (HEAD, for each of the six objects) and sends nothing.
  const before = log().length;
  const again = await pushSstate({ sstateDir: c.sstate, destination: httpDestination(base), trust });
  t.is(again.pushed, 0);
  t.is(again.present, 3);
  t.deepEqual(log().slice(before).map((l) => l.split('"')[1]!.split(" ")[0]), Array(6).fill("HEAD"));

  // Resume: an object whose metadata never arrived is sent again.
  unlinkSync(join(www, `${objectRelPath(c.good[2]!)}.siginfo`));
  const resumed = await pushSstate({ sstateDir: c.sstate, destination: httpDestination(base), trust });
  t.is(resumed.pushed, 1);
  t.is(resumed.present, 2);

  // And the mirror works for a consumer.
  const opts = { sstateDir: join(c.dir, "consumer"), mirrors: parseSstateMirrors(`file://.* ${base}PATH`), timeoutMs: 5000 };
  for (const g of c.good) t.true((await fetchSstateObject(g, trust, opts)).ok);
  const got = await request(`${base}${objectRelPath(c.good[0]!)}`);
  t.is(got.headers["cache-control"], CACHE_CONTROL.archive);
  await got.body.dump();

  rmSync(join(root, "tmp"), { recursive: true, force: true });
});

test("push to a read-only mirror (bake sstate serve) fails with a clear message", async (t) => {
  const empty = tempDir(t);
  const s = await startMirrorServer({ root: empty, bind: "127.0.0.1:0" });
  t.teardown(() => s.close());
  const other = await cache(t);
  const lines: string[] = [];
  const io: SstateCommandIO = { out: (l) => lines.push(l), err: (l) => lines.push(`ERR ${l}`), env: {}, cwd: other.dir };
  t.is(await sstateCommand(["push", `${s.url}`, "--sstate-dir", "sstate", "--trusted-key", other.trusted], io), 1);
  t.true(lines.some((l) => /FAILED: .*PUT answered HTTP 405 \(the server does not accept uploads/.test(l)), lines.join("\n"));
  t.regex(lines.at(-1)!, /0 pushed .* 3 failed;/);
});

test("a download from bake sstate serve that breaks is resumed with a range request", async (t) => {
  const c = await cache(t);
  const s = await startMirrorServer({ root: c.sstate, bind: "127.0.0.1:0" });
  t.teardown(() => s.close());
  // A proxy that cuts the first transfer of each archive half-way, as a flaky link would.
  const seen: string[] = [];
  const cut = new Set<string>();
  const proxy = createHttpServer(async (req, res) => {
    const headers: Record<string, string> = {};
    for (const h of ["range", "if-range"]) if (typeof req.headers[h] === "string") headers[h] = req.headers[h] as string;
    seen.push(`${req.method} ${req.url} ${headers.range ?? ""} ${headers["if-range"] ?? ""}`.trim());
    const up = await request(new URL(req.url!, s.url).href, { method: req.method as "GET", headers });
    const body = Buffer.from(await up.body.arrayBuffer());
    res.writeHead(up.statusCode, Object.fromEntries(Object.entries(up.headers).filter(([k]) => k !== "connection" && k !== "keep-alive")) as Record<string, string>);
    if (req.method === "GET" && req.url!.endsWith(".tar.zst") && !cut.has(req.url!)) {
      cut.add(req.url!);
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket!.destroy());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
  t.teardown(() => void proxy.close());
  const port = (proxy.address() as { port: number }).port;
  const trust = { trustedKeys: parseTrustedKeys(c.trusted) };
  const opts = { sstateDir: join(c.dir, "consumer"), mirrors: parseSstateMirrors(`file://.* http://127.0.0.1:${port}/PATH`), timeoutMs: 5000 };
  const g = c.good[0]!;
  const f = await fetchSstateObject(g, trust, opts);
  t.true(f.ok, JSON.stringify(f));
  t.deepEqual(readFileSync(join(opts.sstateDir, objectRelPath(g))), readFileSync(join(c.sstate, objectRelPath(g))));
  const archiveRequests = seen.filter((l) => l.includes(".tar.zst ") || l.endsWith(".tar.zst"));
  const size = statSync(join(c.sstate, objectRelPath(g))).size;
  t.is(archiveRequests.length, 2, seen.join("\n"));
  t.regex(archiveRequests[1]!, new RegExp(`^GET \\S+\\.tar\\.zst bytes=${Math.floor(size / 2)}- "[0-9a-f-]+"$`), seen.join("\n"));
  t.deepEqual(files(join(c.dir, "consumer")).filter((n) => n.includes(".tmp-")), []);
});

test("equivalence records travel with the objects: pushed after them when signed by a trusted key", async (t) => {
  const c = await cache(t);
  const key = loadSigningKey(join(c.dir, "trusted.key"));
  const stranger = loadSigningKey(join(c.dir, "stranger.key"));
  // musl built under another taskhash has the output of the object filed under c.good[2]'s unihash.
  const fields = (th: string) => ({ pn: "musl", pkgArch: "core2-64", task: "populate_sysroot", taskHash: asTaskHash(th.repeat(64)), uniHash: c.good[2]!.uniHash, outHash: asOutHash("9".repeat(64)) });
  writeEquivalence(c.sstate, fields("7"), key);
  writeEquivalence(c.sstate, fields("8"), stranger);
  const www = join(c.dir, "www");
  const trust = { trustedKeys: parseTrustedKeys(c.trusted) };
  const r = await pushSstate({ sstateDir: c.sstate, destination: directoryDestination(www), trust });
  t.deepEqual(r.equivalences, { pushed: 1, present: 0 });
  t.true(r.refused.some((x) => x.reason === "untrusted-key" && x.object.endsWith(".unihash")));
  t.true(existsSync(join(www, equivalenceRelPath(fields("7")))));
  t.false(existsSync(join(www, equivalenceRelPath(fields("8")))));
  t.deepEqual((await pushSstate({ sstateDir: c.sstate, destination: directoryDestination(www), trust })).equivalences, { pushed: 0, present: 1 });

  // A consumer with no hash server of its own finds the record, then the object, on the mirror.
  const s = await startMirrorServer({ root: www, bind: "127.0.0.1:0" });
  t.teardown(() => s.close());
  const opts = { sstateDir: join(c.dir, "consumer"), mirrors: parseSstateMirrors(`file://.* ${s.url}PATH`), timeoutMs: 5000 };
  const want = { ...fields("7"), ownObject: { pn: "musl", pkgArch: "core2-64", task: "populate_sysroot", uniHash: asUniHash("7".repeat(64)) } };
  const found = await findEquivalences([want], trust, opts);
  t.is(found.get(equivalenceRelPath(want))?.uniHash, c.good[2]!.uniHash);
  t.true((await fetchSstateObject(c.good[2]!, trust, opts)).ok);
});
