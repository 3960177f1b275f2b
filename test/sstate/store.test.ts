import test from "ava";
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import {
  checkAvailability,
  fetchSstateObject,
  generateKeyPair,
  loadSigningKey,
  MirrorSyntaxError,
  mirrorUrl,
  objectRelPath,
  parseSstateMirrors,
  parseTrustedKeys,
  writeSstateObject,
  type SstateObjectId,
  type StoreWarning,
} from "../../lib/sstate/index.js";
import { asTaskHash, asUniHash } from "../../lib/common/hashes.js";
import { makeTree, tempDir } from "./fixtures.js";

const id = (c: string): SstateObjectId => ({ pn: "zlib", pkgArch: "core2-64", task: "populate_sysroot", uniHash: asUniHash(c.repeat(64)) });
const GOOD = id("a");
const TAMPERED = id("b");
const UNKNOWN = id("c");
const MISSING = id("d");

function listen(server: Server): Promise<number> {
  return new Promise((res) => server.listen(0, "127.0.0.1", () => res((server.address() as AddressInfo).port)));
}

async function deadPort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

function walkFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
}

test("HTTP mirror: only the good object is accepted; the others give their reasons", async (t) => {
  const d = tempDir(t);
  generateKeyPair(d, "trusted");
  generateKeyPair(d, "stranger");
  const src = join(d, "image");
  mkdirSync(src);
  makeTree(src);
  const mirrorDir = join(d, "mirror");
  const make = (oid: SstateObjectId, key: string) =>
    writeSstateObject({
      sstateDir: mirrorDir,
      id: oid,
      taskId: "zlib:do_populate_sysroot",
      taskHash: asTaskHash("1".repeat(64)),
      outHash: null,
      outputs: [{ name: "sysroot-destdir", dir: src }],
      sourceDateEpoch: 1_600_000_000,
      signingKey: loadSigningKey(join(d, `${key}.key`)),
    });
  await make(GOOD, "trusted");
  const tampered = await make(TAMPERED, "trusted");
  const bytes = readFileSync(tampered.archivePath);
  bytes[bytes.length - 20] ^= 0x55;
  writeFileSync(tampered.archivePath, bytes);
  await make(UNKNOWN, "stranger");

  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const rel = decodeURIComponent(new URL(req.url!, "http://x").pathname).replace(/^\/sstate\//, "");
    const p = join(mirrorDir, rel);
    if (rel.includes("..") || !existsSync(p)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-length": statSync(p).size });
    if (req.method === "HEAD") res.end();
    else createReadStream(p).pipe(res);
  });
  const port = await listen(server);
  t.teardown(() => void server.close());
  const dead = await deadPort();

  const warnings: StoreWarning[] = [];
  const opts = {
    sstateDir: join(d, "local-sstate"),
    mirrors: parseSstateMirrors(`file://.* http://127.0.0.1:${dead}/sstate/PATH \\n file://.* http://127.0.0.1:${port}/sstate/PATH;downloadfilename=PATH`),
    onWarning: (w: StoreWarning) => warnings.push(w),
    timeoutMs: 5000,
  };
  const trust = { trustedKeys: parseTrustedKeys(join(d, "trusted.pub")) };

  const avail = await checkAvailability([GOOD, TAMPERED, UNKNOWN, MISSING], opts);
  t.deepEqual(
    [GOOD, TAMPERED, UNKNOWN, MISSING].map((x) => avail.get(objectRelPath(x))!.kind),
    ["mirror", "mirror", "mirror", "missing"],
  );
  t.is(warnings.length, 1, JSON.stringify(warnings));
  t.regex(warnings[0]!.message, /unreachable/);
  t.true(warnings[0]!.mirror.includes(String(dead)));
  t.true(requests.every((r) => r.startsWith("HEAD ") && r.endsWith(".siginfo")));

  const good = await fetchSstateObject(GOOD, trust, opts);
  t.true(good.ok, JSON.stringify(good));
  if (good.ok) {
    t.is(good.source, "mirror");
    t.deepEqual(readFileSync(good.object.archivePath), readFileSync(join(mirrorDir, good.object.relPath)));
  }
  const again = await fetchSstateObject(GOOD, trust, opts);
  t.true(again.ok && again.source === "local");

  const bad = await fetchSstateObject(TAMPERED, trust, opts);
  t.false(bad.ok);
  if (!bad.ok) t.deepEqual(bad.refusals.map((r) => r.reason), ["checksum-mismatch"]);

  requests.length = 0;
  const unknown = await fetchSstateObject(UNKNOWN, trust, opts);
  t.false(unknown.ok);
  if (!unknown.ok) {
    t.deepEqual(unknown.refusals.map((r) => r.reason), ["untrusted-key"]);
    t.regex(unknown.refusals[0]!.detail, /not in SSTATE_TRUSTED_KEYS/);
  }
  // Refused on its metadata alone: the archive was never downloaded.
  t.deepEqual(requests.filter((r) => r.startsWith("GET") && r.endsWith(".tar.zst")), []);

  // Only the good object (archive + metadata) landed in the local SSTATE_DIR; no temporaries.
  t.deepEqual(walkFiles(opts.sstateDir).sort(), [`sstate:zlib:core2-64:2:${"a".repeat(64)}_populate_sysroot.tar.zst`, `sstate:zlib:core2-64:2:${"a".repeat(64)}_populate_sysroot.tar.zst.siginfo`]);

  // The same mirror over file:// behaves the same.
  const fileOpts = { ...opts, sstateDir: join(d, "local2"), mirrors: parseSstateMirrors(`file://.* file://${mirrorDir}/PATH`) };
  const viaFile = await fetchSstateObject(GOOD, trust, fileOpts);
  t.true(viaFile.ok && viaFile.source === "mirror");
  const tamperedViaFile = await fetchSstateObject(TAMPERED, trust, fileOpts);
  t.true(!tamperedViaFile.ok && tamperedViaFile.refusals[0]!.reason === "checksum-mismatch");
});

test("a dead mirror or an HTTP error is a warning and a miss", async (t) => {
  const d = tempDir(t);
  const dead = await deadPort();
  const server = createServer((_req, res) => void res.writeHead(503).end());
  const port = await listen(server);
  t.teardown(() => void server.close());
  const warnings: StoreWarning[] = [];
  const opts = {
    sstateDir: join(d, "sstate"),
    mirrors: parseSstateMirrors(`file://.* http://127.0.0.1:${dead}/PATH file://.* http://127.0.0.1:${port}/PATH`),
    onWarning: (w: StoreWarning) => warnings.push(w),
  };
  const r = await fetchSstateObject(GOOD, { trustedKeys: [] }, opts);
  t.deepEqual(r, { ok: false, refusals: [] });
  t.is(warnings.length, 2);
  t.regex(warnings[0]!.message, /ECONNREFUSED/);
  t.is(warnings[1]!.message, "HTTP 503");
  const avail = await checkAvailability([GOOD, MISSING], opts);
  t.deepEqual([...avail.values()].map((a) => a.kind), ["missing", "missing"]);
});

test("SSTATE_MIRRORS parsing and PATH substitution", (t) => {
  const rules = parseSstateMirrors("file://.* https://cache.example.com/sstate/PATH;downloadfilename=PATH \\n file://(..)/.* file:///mnt/sstate/\\1/PATH");
  t.is(rules.length, 2);
  const rel = "ab/cd/sstate:zlib:core2-64:2:abcd_populate_sysroot.tar.zst";
  t.is(mirrorUrl(rules[0]!, rel), `https://cache.example.com/sstate/${rel}`);
  t.is(mirrorUrl(rules[1]!, rel), `file:///mnt/sstate/ab/${rel}`);
  // An odd entry is BitBake's warning and ignored, as in PREMIRRORS; a pair that cannot work is an error.
  const warnings: string[] = [];
  t.is(parseSstateMirrors(`file://.* file:///m/PATH file://.*`, (w) => warnings.push(w)).length, 1);
  t.deepEqual(warnings, ["SSTATE_MIRRORS: invalid mirror data 'file://.* file:///m/PATH file://.*': entries must come in pairs; the last one, 'file://.*', is ignored"]);
  t.throws(() => parseSstateMirrors("file://.* ftp://x/PATH"), { instanceOf: MirrorSyntaxError });
  t.throws(() => parseSstateMirrors("file://( file:///m/PATH"), { instanceOf: MirrorSyntaxError });
});
