// An sstate mirror over HTTP is untrusted input: a tampered archive and an object signed by an
// unknown key are refused with warnings naming them, their tasks are rebuilt, the build succeeds.
import test from "ava";
import { cpSync, createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";
import { decodeMetadata, encodeMetadata, generateKeyPair, loadSigningKey, sign } from "../../lib/sstate/index.js";
import { fixture, runBake, trace } from "./fixture.js";

function objects(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith(".tar.zst")) out.push(join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

test("a tampered archive and an unknown key on an HTTP mirror: both refused and rebuilt", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const keys = join(f.root, "keys");
  mkdirSync(keys);
  const producerKey = generateKeyPair(keys, "producer");
  const strangerKey = generateKeyPair(keys, "stranger");
  const consumerKey = generateKeyPair(keys, "consumer");

  const produced = join(f.root, "produced");
  const producer = f.buildDir("producer", [`SSTATE_DIR = "${produced}"`, `SSTATE_SIGNING_KEY = "${producerKey.keyFile}"`, 'BB_HASHSERVE = ""']);
  const first = await runBake(f, producer, ["c"]);
  t.is(first.code, 0, first.out);

  const mirror = join(f.root, "mirror");
  cpSync(produced, mirror, { recursive: true });
  const found = objects(mirror);
  const of = (pn: string) => found.find((p) => p.includes(`sstate:${pn}:`))!;
  t.is(found.length, 3);
  // a: one byte of the archive changed after signing.
  const archive = readFileSync(of("a"));
  archive[archive.length >> 1] ^= 0xff;
  writeFileSync(of("a"), archive);
  // b: intact, but signed again by a key the consumer does not trust.
  const meta = decodeMetadata(readFileSync(`${of("b")}.siginfo`, "utf8"));
  if (!meta.ok) return t.fail(meta.detail);
  writeFileSync(`${of("b")}.siginfo`, encodeMetadata({ ...meta.metadata, signatures: [sign(meta.metadata, loadSigningKey(strangerKey.keyFile))] }));

  const served: string[] = [];
  const server = createServer((req, res) => {
    const path = normalize(join(mirror, decodeURIComponent(new URL(req.url!, "http://x").pathname)));
    if (!path.startsWith(mirror) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end();
      return;
    }
    served.push(path);
    res.writeHead(200, { "content-length": statSync(path).size });
    if (req.method === "HEAD") res.end();
    else createReadStream(path).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.teardown(() => server.close());
  const port = (server.address() as AddressInfo).port;

  const consumer = f.buildDir("consumer", [
    `SSTATE_MIRRORS = "file://.* http://127.0.0.1:${port}/PATH"`,
    `SSTATE_TRUSTED_KEYS = "${producerKey.pubFile}"`,
    `SSTATE_SIGNING_KEY = "${consumerKey.keyFile}"`,
    'BB_HASHSERVE = ""',
  ]);
  const r = await runBake(f, consumer, ["c"]);
  t.is(r.code, 0, r.out);
  t.regex(r.out, /Sstate summary: Wanted 3 Local 0 Mirrors 3 Missed 0/);
  const rel = (p: string) => p.slice(mirror.length + 1).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  t.regex(r.out, new RegExp(`WARNING: a:do_populate_sysroot: sstate object refused \\(checksum-mismatch\\): http://127\\.0\\.0\\.1:${port}/${rel(of("a"))}`));
  t.regex(r.out, new RegExp(`WARNING: b:do_populate_sysroot: sstate object refused \\(untrusted-key\\): http://127\\.0\\.0\\.1:${port}/${rel(of("b"))}\\.siginfo`));
  t.regex(r.out, /c:do_populate_sysroot: restored from shared state \(http:\/\/127\.0\.0\.1/);
  t.deepEqual(trace(consumer), ["a:do_compile", "a:do_install", "b:do_compile", "b:do_install"], "the refused ones were rebuilt, c was not");
  t.is(readFileSync(join(consumer, "tmp/sysroots-components/x86_64/b/usr/share/b/b.out"), "utf8"), "data of b\na\n");
  t.true(served.length > 0);
  // The rebuilt objects are the consumer's own, signed by its key; the tampered one never landed.
  const local = objects(join(consumer, "sstate-cache"));
  t.is(local.length, 3);
  for (const p of local) t.false(readFileSync(p).equals(readFileSync(of("a"))));
});
