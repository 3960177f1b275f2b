// Trust between organizations: signatures of several keys on one object (the format, pinned by a
// golden file), keys trusted for one mirror only, k-of-n, reproducer signatures (attest), and
// `bake sstate verify` refusing exactly what a restore refuses, for the same reasons.
import test from "ava";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  addSignature,
  attestSstateDir,
  checkEquivalence,
  checkMetadata,
  decodeMetadata,
  encodeMetadata,
  fingerprint,
  loadSigningKey,
  parseTrustSpec,
  publicKeyOf,
  restoreSstateObject,
  sign,
  writeEquivalence,
  writeSstateObject,
  type SignedFields,
  type SstateObjectId,
  type TrustPolicy,
} from "../../lib/sstate/index.js";
import { sstateCommand, type SstateCommandIO } from "../../lib/cli/sstate.js";
import { asOutHash, asSha256, asTaskHash, asUniHash } from "../../lib/common/hashes.js";
import { sha256File } from "../../lib/sstate/object.js";
import { craftArchive, makeTree, tempDir } from "./fixtures.js";

const golden = resolve(dirname(fileURLToPath(import.meta.url)), "../../../test/sstate/golden");
const orgA = loadSigningKey(join(golden, "org-a.key"));
const orgB = loadSigningKey(join(golden, "org-b.key"));
const A = publicKeyOf(orgA);
const B = publicKeyOf(orgB);

const FIELDS: SignedFields = {
  formatVersion: 2,
  taskId: "zlib:do_populate_sysroot",
  pn: "zlib",
  task: "populate_sysroot",
  pkgArch: "core2-64",
  outputs: ["sysroot-destdir"],
  taskHash: asTaskHash("1".repeat(64)),
  uniHash: asUniHash("2".repeat(64)),
  outHash: asOutHash("3".repeat(64)),
  archiveSha256: asSha256("4".repeat(64)),
  archiveSize: 12345,
};

test("metadata format 2: several signatures live with one object; the file is byte for byte the golden one", (t) => {
  const once = addSignature([], fingerprint(FIELDS), orgA);
  const twice = addSignature(once, fingerprint(FIELDS), orgB);
  t.deepEqual(addSignature(twice, fingerprint(FIELDS), orgA), twice, "signing again replaces, never duplicates");
  const text = encodeMetadata({ ...FIELDS, signatures: twice });
  t.is(text, readFileSync(join(golden, "siginfo-v2.json"), "utf8"));
  const d = decodeMetadata(text);
  if (!d.ok) return t.fail(d.detail);
  t.deepEqual(d.metadata.signatures.map((s) => s.keyId).sort(), [A.keyId, B.keyId].sort());
  t.true(checkMetadata(d.metadata, null, { trustedKeys: [A, B], requiredSignatures: 2 }, null).ok);
});

test("k of n: distinct trusted keys over the same fingerprint; the build's own key alone is enough", (t) => {
  const one = { ...FIELDS, signatures: [sign(FIELDS, orgA)] };
  const both = { ...FIELDS, signatures: addSignature(one.signatures, fingerprint(FIELDS), orgB) };
  const k2: TrustPolicy = { trustedKeys: [A, B], requiredSignatures: 2 };
  const r1 = checkMetadata(one, null, k2, "http://m/x");
  t.false(r1.ok);
  if (!r1.ok) {
    t.is(r1.refusal.reason, "too-few-signatures");
    t.regex(r1.refusal.detail, /signed by 1 trusted key \(org-a\), SSTATE_REQUIRED_SIGNATURES is 2/);
  }
  t.true(checkMetadata(both, null, k2, "http://m/x").ok);
  // The same key twice is one signer.
  const dup = { ...FIELDS, signatures: [sign(FIELDS, orgA), sign(FIELDS, orgA)] };
  t.false(checkMetadata(dup, null, k2, null).ok);
  // B only trusted: A's signature is ignored, not a refusal; one is too few.
  const onlyB = checkMetadata(both, null, { trustedKeys: [B], requiredSignatures: 2 }, null);
  t.true(!onlyB.ok && onlyB.refusal.reason === "too-few-signatures");
  // A signature claiming a trusted key that does not verify refuses the object, however many others.
  const forged = { ...FIELDS, signatures: [...both.signatures, { keyId: B.keyId, sig: both.signatures[0]!.sig }] };
  const f = checkMetadata(forged, null, k2, null);
  t.true(!f.ok && f.refusal.reason === "bad-signature");
  // Own key: one signature suffices (its owner built the object).
  t.true(checkMetadata(one, null, { trustedKeys: [B], ownKey: A, requiredSignatures: 2 }, null).ok);
});

test("a key given for one mirror is trusted for that mirror only; SSTATE_DIR trusts every configured key", (t) => {
  const d = tempDir(t);
  writeFileSync(join(d, "a.pub"), `org-a:${A.base64}\n`);
  const spec = parseTrustSpec(`http://127.0.0.1:8000/sstate=${join(d, "a.pub")} org-b:${B.base64}`);
  t.deepEqual(spec.scoped.map((s) => [s.prefix, s.key.name]), [["http://127.0.0.1:8000/sstate/", "org-a"]]);
  t.deepEqual(spec.everywhere.map((k) => k.name), ["org-b"]);
  const trust: TrustPolicy = { trustedKeys: spec.everywhere, scopedKeys: spec.scoped };
  const byA = { ...FIELDS, signatures: [sign(FIELDS, orgA)] };
  t.true(checkMetadata(byA, null, trust, "http://127.0.0.1:8000/sstate/ab/cd/x.siginfo").ok);
  for (const other of ["http://127.0.0.1:8001/sstate/x.siginfo", "http://127.0.0.1:8000/sstate-evil/x.siginfo", "file:///srv/sstate/x.siginfo"]) {
    const r = checkMetadata(byA, null, trust, other);
    t.false(r.ok, other);
    if (!r.ok) t.regex(r.refusal.detail, /org-a is trusted for http:\/\/127\.0\.0\.1:8000\/sstate\/ only/);
  }
  t.true(checkMetadata(byA, null, trust, null).ok, "a copy in SSTATE_DIR was checked when it came in");
  t.true(checkMetadata({ ...FIELDS, signatures: [sign(FIELDS, orgB)] }, null, trust, "http://anywhere/x").ok);
});

function io(cwd: string): SstateCommandIO & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l), err: (l) => lines.push(`ERR ${l}`), env: {}, cwd };
}

const ID: SstateObjectId = { pn: "zlib", pkgArch: "core2-64", task: "do_populate_sysroot", uniHash: asUniHash("ab" + "0".repeat(62)) };

async function object(sstateDir: string, src: string, key = orgA) {
  return writeSstateObject({
    sstateDir,
    id: ID,
    taskId: "zlib:do_populate_sysroot",
    taskHash: asTaskHash("cd" + "1".repeat(62)),
    outHash: null,
    outputs: [{ name: "sysroot-destdir", dir: src }],
    sourceDateEpoch: 1_600_000_000,
    signingKey: key,
  });
}

test("verify refuses what a restore refuses, with the same reason: '..', absolute paths, links out of the tree; unsigned is `unsigned`", async (t) => {
  const d = tempDir(t);
  const src = join(d, "image");
  mkdirSync(src);
  makeTree(src);
  const trust: TrustPolicy = { trustedKeys: [A] };
  const cases = {
    dotdot: { path: "sysroot-destdir/../../escape", type: "file", mode: 0o644, mtime: 0, size: 2, linkname: "", content: "x\n" },
    absolute: { path: "/etc/passwd", type: "file", mode: 0o644, mtime: 0, size: 2, linkname: "", content: "x\n" },
    link: { path: "sysroot-destdir/x", type: "symlink", mode: 0o777, mtime: 0, size: 0, linkname: "../../../etc" },
  } as const;
  for (const [name, member] of Object.entries(cases)) {
    const dir = join(d, name);
    const obj = await object(dir, src);
    craftArchive(`${obj.archivePath}.evil`, [{ path: "sysroot-destdir", type: "dir", mode: 0o755, mtime: 0, size: 0, linkname: "" }, member]);
    renameSync(`${obj.archivePath}.evil`, obj.archivePath);
    const { sha256, size } = await sha256File(obj.archivePath);
    const fields = { ...obj.metadata, archiveSha256: sha256, archiveSize: size };
    writeFileSync(obj.metadataPath, encodeMetadata({ ...fields, signatures: [sign(fields, orgA)] }));
    const restore = await restoreSstateObject(dir, ID, [{ name: "sysroot-destdir", dir: join(d, `${name}-out`) }], trust);
    t.false(restore.ok, name);
    const out = io(d);
    t.is(await sstateCommand(["verify", dir, "--trusted-key", `org-a:${A.base64}`], out), 1, name);
    const refused = out.lines.filter((l) => l.startsWith("REFUSED "));
    t.is(refused.length, 1, out.lines.join("\n"));
    if (!restore.ok) {
      t.true(refused[0]!.startsWith(`REFUSED ${restore.refusal.reason}: ${obj.archivePath}`), `${name}: ${refused[0]} / ${restore.refusal.reason}`);
      t.is(restore.refusal.reason, "unsafe-member");
    }
    t.is(refused[0]!.split(obj.archivePath).length, 2, "the archive path is printed once");
  }

  // No `signatures` field at all: the `unsigned` reason, not a schema message.
  const dir = join(d, "unsigned");
  const obj = await object(dir, src);
  const json = JSON.parse(readFileSync(obj.metadataPath, "utf8")) as Record<string, unknown>;
  delete json.signatures;
  writeFileSync(obj.metadataPath, JSON.stringify(json));
  const out = io(d);
  t.is(await sstateCommand(["verify", dir, "--trusted-key", `org-a:${A.base64}`], out), 1);
  t.deepEqual(out.lines.filter((l) => l.startsWith("REFUSED ")), [`REFUSED unsigned: ${obj.metadataPath}: object carries no signature`]);
  const restore = await restoreSstateObject(dir, ID, [{ name: "sysroot-destdir", dir: join(d, "u-out") }], trust);
  t.true(!restore.ok && restore.refusal.reason === "unsigned");
});

test("attest: a reproducer signs exactly the objects it built with the same bytes, and k = 2 then accepts them", async (t) => {
  const d = tempDir(t);
  const src = join(d, "image");
  mkdirSync(src);
  makeTree(src);
  const mirror = join(d, "mirror");
  const mine = join(d, "mine");
  const theirs = await object(mirror, src, orgA);
  await object(mine, src, orgB);
  const k2: TrustPolicy = { trustedKeys: [A, B], requiredSignatures: 2 };
  const before = await restoreSstateObject(mirror, ID, [{ name: "sysroot-destdir", dir: join(d, "r0") }], k2);
  t.true(!before.ok && before.refusal.reason === "too-few-signatures");

  const r = await attestSstateDir({ dir: mirror, ownSstateDir: mine, key: orgB });
  t.deepEqual(r.attested, [theirs.metadataPath]);
  t.is(r.differ.length, 0);
  const after = await restoreSstateObject(mirror, ID, [{ name: "sysroot-destdir", dir: join(d, "r1") }], k2);
  t.true(after.ok);
  if (after.ok) t.deepEqual(after.signedBy.map((k) => k.name).sort(), ["org-a", "org-b"]);
  t.is((await attestSstateDir({ dir: mirror, ownSstateDir: mine, key: orgB })).alreadySigned, 1, "idempotent");

  // Rebuilt with other bytes: reported, not signed. Not built at all: not signed.
  const fresh = join(d, "fresh");
  await object(fresh, src, orgA);
  writeFileSync(join(src, "usr/lib/empty"), "different now");
  const other = join(d, "other");
  await object(other, src, orgB);
  const x = await attestSstateDir({ dir: mirror, ownSstateDir: join(d, "nothing"), key: orgA });
  t.is(x.alreadySigned, 1);
  const y = await attestSstateDir({ dir: fresh, ownSstateDir: other, key: orgB });
  t.is(y.attested.length, 0);
  t.is(y.differ.length, 1);
  t.regex(y.differ[0]!.detail, /archive sha256/);
  const z = await attestSstateDir({ dir: fresh, ownSstateDir: join(d, "nothing"), key: orgB });
  t.deepEqual([z.attested.length, z.notBuiltHere], [0, 1]);
  // A restored copy carries its producer's signature, not ours: it proves nothing.
  const restoredCopy = join(d, "restored");
  await object(restoredCopy, src, orgA);
  t.is((await attestSstateDir({ dir: fresh, ownSstateDir: restoredCopy, key: orgB })).attested.length, 0);
});

test("attest signs an equivalence record when its own build of that taskhash made the bytes of the object it points to", async (t) => {
  const d = tempDir(t);
  const src = join(d, "image");
  mkdirSync(src);
  makeTree(src);
  const mirror = join(d, "mirror");
  const mine = join(d, "mine");
  const U = asUniHash("ab" + "0".repeat(62));
  const T2 = asTaskHash("ef" + "2".repeat(62));
  await object(mirror, src, orgA);
  const fields = { pn: "zlib", pkgArch: "core2-64", task: "populate_sysroot", taskHash: T2, uniHash: U, outHash: asOutHash("5".repeat(64)) };
  const record = writeEquivalence(mirror, fields, orgA);
  // B built T2 itself: its object is named by T2, with the same bytes.
  await writeSstateObject({
    sstateDir: mine,
    id: { ...ID, uniHash: asUniHash(T2) },
    taskId: "zlib:do_populate_sysroot",
    taskHash: T2,
    outHash: null,
    outputs: [{ name: "sysroot-destdir", dir: src }],
    sourceDateEpoch: 1_600_000_000,
    signingKey: orgB,
  });
  const k2: TrustPolicy = { trustedKeys: [A, B], requiredSignatures: 2 };
  const before = checkEquivalence(readFileSync(record, "utf8"), fields, k2, null, record);
  t.true(!before.ok && before.refusal.reason === "too-few-signatures");
  const r = await attestSstateDir({ dir: mirror, ownSstateDir: mine, key: orgB });
  t.true(r.attested.includes(record), JSON.stringify(r));
  t.true(checkEquivalence(readFileSync(record, "utf8"), fields, k2, null, record).ok);
  // verify checks records too; one changed after signing is refused.
  const out = io(d);
  t.is(await sstateCommand(["verify", mirror, "--trusted-key", `org-a:${A.base64}`], out), 0, out.lines.join("\n"));
  t.regex(out.lines.at(-1)!, /1 equivalence records: 1 ok/);
  writeFileSync(record, readFileSync(record, "utf8").replace(`"outHash": "5`, `"outHash": "6`));
  const bad = io(d);
  t.is(await sstateCommand(["verify", mirror, "--trusted-key", `org-a:${A.base64}`], bad), 1);
  t.true(bad.lines.some((l) => l.startsWith(`REFUSED bad-signature: ${record}:`)), bad.lines.join("\n"));
});
