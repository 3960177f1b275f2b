// `bake sstate attest DIR`: an organization that rebuilt tasks itself, and got the same bytes,
// adds its signature to another's objects (reproducer signatures), so a consumer requiring k
// signatures (SSTATE_REQUIRED_SIGNATURES) can accept them. The proof of "rebuilt it myself" is
// an object in one's own SSTATE_DIR signed by one's own key (a restored object carries its
// producer's signature, not ours): the same name, the same taskhash, the same archive digest.
// Only an exact match is signed; an object whose bytes differ is reported, never signed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic.js";
import { asUniHash } from "../common/hashes.js";
import { decodeEquivalence, encodeEquivalence, equivalenceFingerprint, equivalenceRelPath, readLocalEquivalence } from "./equivalence.js";
import { inventory } from "./inventory.js";
import { decodeMetadata, encodeMetadata, objectRelPath, sha256File, verifyLocalObject, type SstateMetadata, type TrustPolicy } from "./object.js";
import { addSignature, fingerprint, publicKeyOf, type SigningKey } from "./signing.js";

export interface AttestOptions {
  /** The objects to attest (a mirror's tree, a copy of another org's cache). */
  readonly dir: string;
  /** Where this organization's own builds wrote their objects. */
  readonly ownSstateDir: string;
  readonly key: SigningKey;
}

export interface AttestReport {
  /** Paths of the metadata files and records signed now. */
  readonly attested: readonly string[];
  readonly alreadySigned: number;
  /** Not rebuilt here (no object of ours signed by our key under that name). */
  readonly notBuiltHere: number;
  /** Rebuilt here with other bytes: a reproducibility problem, worth a look. */
  readonly differ: readonly { readonly path: string; readonly detail: string }[];
  /** Objects in DIR whose archive does not match their own metadata: not signed. */
  readonly broken: readonly { readonly path: string; readonly detail: string }[];
}

/** Our own object of that name, if our key signed it and its archive is intact. */
async function ownObject(ownDir: string, relPath: string, mine: TrustPolicy): Promise<SstateMetadata | null> {
  const v = await verifyLocalObject(join(ownDir, relPath), null, mine);
  return v.ok && v.metadata ? v.metadata : null;
}

export async function attestSstateDir(o: AttestOptions): Promise<AttestReport> {
  const me = publicKeyOf(o.key);
  // Only our own signature proves we built it; nothing else counts here.
  const mine: TrustPolicy = { trustedKeys: [me] };
  const inv = inventory(o.dir);
  const attested: string[] = [];
  const differ: { path: string; detail: string }[] = [];
  const broken: { path: string; detail: string }[] = [];
  let alreadySigned = 0;
  let notBuiltHere = 0;
  const digests = new Map<string, SstateMetadata>();

  for (const obj of inv.objects) {
    if (!obj.metadata || !obj.archive) continue;
    const d = decodeMetadata(readFileSync(obj.metadataPath, "utf8"));
    if (!d.ok) {
      broken.push({ path: obj.metadataPath, detail: d.detail });
      continue;
    }
    const m = d.metadata;
    digests.set(objectRelPath({ pn: m.pn, pkgArch: m.pkgArch, task: m.task, uniHash: m.uniHash }), m);
    if (m.signatures.some((s) => s.keyId === me.keyId)) {
      alreadySigned++;
      continue;
    }
    const own = await ownObject(o.ownSstateDir, obj.relPath, mine);
    if (!own) {
      notBuiltHere++;
      continue;
    }
    if (own.archiveSha256 !== m.archiveSha256 || own.taskHash !== m.taskHash || own.outputs.join() !== m.outputs.join()) {
      differ.push({
        path: obj.metadataPath,
        detail: own.taskHash !== m.taskHash ? `taskhash ${m.taskHash}, ours ${own.taskHash}` : `archive sha256 ${m.archiveSha256}, ours ${own.archiveSha256}`,
      });
      continue;
    }
    const actual = await sha256File(obj.archivePath);
    if (actual.sha256 !== m.archiveSha256 || actual.size !== m.archiveSize) {
      broken.push({ path: obj.archivePath, detail: `sha256 ${actual.sha256}, metadata says ${m.archiveSha256}` });
      continue;
    }
    writeFileAtomic(obj.metadataPath, encodeMetadata({ ...m, signatures: addSignature(m.signatures, fingerprint(m), o.key) }), 0o644);
    attested.push(obj.metadataPath);
  }

  // A record "taskhash T has the output of U" is ours to sign when our own build of T made the
  // same bytes as U's object: our object named by T, or by our own record's unihash for T.
  for (const rel of inv.equivalences) {
    const path = join(o.dir, rel);
    const d = decodeEquivalence(readFileSync(path, "utf8"));
    if (!d.ok || equivalenceRelPath(d.record) !== rel) {
      broken.push({ path, detail: d.ok ? "record under another name" : d.detail });
      continue;
    }
    const r = d.record;
    if (r.signatures.some((s) => s.keyId === me.keyId)) {
      alreadySigned++;
      continue;
    }
    const theirs = digests.get(objectRelPath({ pn: r.pn, pkgArch: r.pkgArch, task: r.task, uniHash: r.uniHash }));
    const ownRecord = readLocalEquivalence(o.ownSstateDir, r, mine);
    const ownUnihash = ownRecord?.ok ? ownRecord.record.uniHash : r.taskHash;
    const own = await ownObject(o.ownSstateDir, objectRelPath({ pn: r.pn, pkgArch: r.pkgArch, task: r.task, uniHash: asUniHash(ownUnihash) }), mine);
    if (!own || !theirs) {
      notBuiltHere++;
      continue;
    }
    if (own.archiveSha256 !== theirs.archiveSha256) {
      differ.push({ path, detail: `the object it points to has archive sha256 ${theirs.archiveSha256}, our build of ${r.taskHash} ${own.archiveSha256}` });
      continue;
    }
    writeFileAtomic(path, encodeEquivalence({ ...r, signatures: addSignature(r.signatures, equivalenceFingerprint(r), o.key) }), 0o644);
    attested.push(path);
  }
  return { attested, alreadySigned, notBuiltHere, differ, broken };
}
