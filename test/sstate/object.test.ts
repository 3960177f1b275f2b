import test, { type ExecutionContext } from "ava";
import { mkdirSync, readFileSync, statSync, writeFileSync, copyFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import {
  encodeMetadata,
  loadSigningKey,
  objectRelPath,
  parseTrustedKeys,
  publicKeyOf,
  restoreSstateObject,
  sign,
  verifyLocalObject,
  writeSstateObject,
  type SstateObjectId,
  type SigningKey,
} from "../../lib/sstate/index.js";
import { sstateCommand, type SstateCommandIO } from "../../lib/cli/sstate.js";
import { asTaskHash, asUniHash } from "../../lib/common/hashes.js";
import { sha256File } from "../../lib/sstate/object.js";
import { craftArchive, makeTree, tempDir } from "./fixtures.js";

const UH = asUniHash("ab12" + "0".repeat(60));
const TH = asTaskHash("cd34" + "1".repeat(60));
const ID: SstateObjectId = { pn: "zlib", pkgArch: "core2-64", task: "do_populate_sysroot", uniHash: UH };

function io(cwd: string): SstateCommandIO & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l), err: (l) => lines.push(`ERR ${l}`), env: {}, cwd };
}

async function keys(d: string, name: string): Promise<SigningKey> {
  t0(await sstateCommand(["keygen", name, "--dir", d], io(d)));
  return loadSigningKey(join(d, `${name}.key`));
}
function t0(code: number) {
  if (code !== 0) throw new Error(`exit ${code}`);
}

async function setup(t: ExecutionContext, signer: "a" | "b" | null) {
  const d = tempDir(t);
  const a = await keys(d, "site-a");
  const b = await keys(d, "site-b");
  const src = join(d, "image");
  mkdirSync(src);
  makeTree(src);
  const sstateDir = join(d, "sstate-cache");
  const obj = await writeSstateObject({
    sstateDir,
    id: ID,
    taskId: "zlib:do_populate_sysroot",
    taskHash: TH,
    outHash: null,
    outputs: [{ name: "sysroot-destdir", dir: src }],
    sourceDateEpoch: 1_600_000_000,
    ...(signer === "a" ? { signingKey: a } : signer === "b" ? { signingKey: b } : {}),
  });
  return { d, a, b, sstateDir, obj, trustA: { trustedKeys: parseTrustedKeys(join(d, "site-a.pub")) } };
}

test("object names follow the BitBake layout", (t) => {
  t.is(objectRelPath(ID), `ab/12/sstate:zlib:core2-64:2:${UH}_populate_sysroot.tar.zst`);
  t.throws(() => objectRelPath({ ...ID, pn: "evil/../x" }));
});

test("keygen writes a 0600 secret key and a name:base64 public key, and never overwrites", async (t) => {
  const d = tempDir(t);
  const o = io(d);
  t.is(await sstateCommand(["keygen", "builder1"], o), 0);
  t.is(statSync(join(d, "builder1.key")).mode & 0o777, 0o600);
  const pub = readFileSync(join(d, "builder1.pub"), "utf8");
  t.regex(pub, /^builder1:[A-Za-z0-9+/]{43}=\n$/);
  const inline = parseTrustedKeys(`other:${"A".repeat(43)}= ${pub.trim()}`);
  t.is(inline.length, 2);
  t.is(inline[1]!.keyId, publicKeyOf(loadSigningKey(join(d, "builder1.key"))).keyId);
  t.is(await sstateCommand(["keygen", "builder1"], o), 2);
  t.true(o.lines.some((l) => l.includes("refusing to overwrite")));
  // --dir names a directory that need not exist yet.
  t.is(await sstateCommand(["keygen", "builder2", "--dir", join(d, "new/keys")], o), 0);
  t.is(statSync(join(d, "new/keys/builder2.key")).mode & 0o777, 0o600);
});

test("a good signed object verifies and restores; the restore names the key", async (t) => {
  const { d, sstateDir, obj, trustA } = await setup(t, "a");
  t.true(obj.archivePath.startsWith(join(sstateDir, "ab/12/")));
  t.is(obj.metadata.signatures.length, 1);
  const v = await verifyLocalObject(obj.archivePath, ID, trustA);
  t.true(v.ok);
  const r = await restoreSstateObject(sstateDir, ID, [{ name: "sysroot-destdir", dir: join(d, "restored") }], trustA);
  t.true(r.ok);
  if (r.ok) t.is(r.signedBy[0]?.name, "site-a");
  t.is(readFileSync(join(d, "restored/usr/bin/tool"), "utf8"), "#!/bin/sh\necho tool\n");
  // The fingerprint, not the JSON, is signed: reformatting the metadata keeps it valid.
  const json = JSON.parse(readFileSync(obj.metadataPath, "utf8"));
  writeFileSync(obj.metadataPath, JSON.stringify(json));
  t.true((await verifyLocalObject(obj.archivePath, ID, trustA)).ok);
});

test("unsigned objects are refused unless the policy allows them", async (t) => {
  const { d, sstateDir, obj, trustA } = await setup(t, null);
  const v = await verifyLocalObject(obj.archivePath, ID, trustA);
  t.false(v.ok);
  if (!v.ok) t.is(v.refusal.reason, "unsigned");
  const r = await restoreSstateObject(sstateDir, ID, [{ name: "sysroot-destdir", dir: join(d, "r") }], { ...trustA, allowUnsigned: true });
  t.true(r.ok);
});

test("an object signed by an unknown key is refused", async (t) => {
  const { d, sstateDir, trustA } = await setup(t, "b");
  const r = await restoreSstateObject(sstateDir, ID, [{ name: "sysroot-destdir", dir: join(d, "r") }], { ...trustA, allowUnsigned: true });
  t.false(r.ok);
  if (!r.ok) t.is(r.refusal.reason, "untrusted-key");
});

test("a tampered archive byte is a checksum mismatch and nothing is restored", async (t) => {
  const { d, sstateDir, obj, trustA } = await setup(t, "a");
  const bytes = readFileSync(obj.archivePath);
  bytes[100] ^= 1;
  writeFileSync(obj.archivePath, bytes);
  const r = await restoreSstateObject(sstateDir, ID, [{ name: "sysroot-destdir", dir: join(d, "r") }], trustA);
  t.false(r.ok);
  if (!r.ok) t.is(r.refusal.reason, "checksum-mismatch");
  t.throws(() => statSync(join(d, "r")));
});

test("tampered metadata breaks the signature; a valid object under another name is the wrong object", async (t) => {
  const { sstateDir, obj, trustA } = await setup(t, "a");
  const json = JSON.parse(readFileSync(obj.metadataPath, "utf8"));
  writeFileSync(obj.metadataPath, JSON.stringify({ ...json, taskHash: "e".repeat(64) }));
  const v = await verifyLocalObject(obj.archivePath, ID, trustA);
  t.false(v.ok);
  if (!v.ok) t.is(v.refusal.reason, "bad-signature");

  writeFileSync(obj.metadataPath, JSON.stringify(json));
  const other: SstateObjectId = { ...ID, uniHash: asUniHash("ff" + "9".repeat(62)) };
  const otherPath = join(sstateDir, objectRelPath(other));
  mkdirSync(join(otherPath, ".."), { recursive: true });
  copyFileSync(obj.archivePath, otherPath);
  copyFileSync(obj.metadataPath, otherPath + ".siginfo");
  const w = await verifyLocalObject(otherPath, other, trustA);
  t.false(w.ok);
  if (!w.ok) t.is(w.refusal.reason, "wrong-object");

  writeFileSync(obj.metadataPath, "{ not json");
  const b = await verifyLocalObject(obj.archivePath, ID, trustA);
  if (!b.ok) t.is(b.refusal.reason, "bad-metadata");
  else t.fail();
});

test("a correctly signed archive with an unsafe member is refused at restore", async (t) => {
  const { d, a, sstateDir, obj, trustA } = await setup(t, "a");
  craftArchive(obj.archivePath + ".evil", [
    { path: "sysroot-destdir", type: "dir", mode: 0o755, mtime: 0, size: 0, linkname: "" },
    { path: "sysroot-destdir/x", type: "symlink", mode: 0o777, mtime: 0, size: 0, linkname: "../../../etc" },
  ]);
  renameSync(obj.archivePath + ".evil", obj.archivePath);
  const { sha256, size } = await sha256File(obj.archivePath);
  const fields = { ...obj.metadata, archiveSha256: sha256, archiveSize: size };
  writeFileSync(obj.metadataPath, encodeMetadata({ ...fields, signatures: [sign(fields, a)] }));
  const r = await restoreSstateObject(sstateDir, ID, [{ name: "sysroot-destdir", dir: join(d, "r") }], trustA);
  t.false(r.ok);
  if (!r.ok) {
    t.is(r.refusal.reason, "unsafe-member");
    t.is(r.refusal.member, "sysroot-destdir/x");
  }
});
