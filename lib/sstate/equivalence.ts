// Equivalence records: "the task with taskhash T has the output of the object filed under unihash
// U", a small signed file beside the objects, named by T. A build whose hash-equivalence server
// does not know T (its own, fresh one; another organization's build) finds the record where it
// finds objects (SSTATE_DIR, then SSTATE_MIRRORS, through the same rules and the same trust), so
// equivalences travel with the objects: through a copied directory, a mirror, a CDN. Written
// only when U differs from T: an object named by its own taskhash needs no record.
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { lazySchema } from "../common/schema.js";
import { writeFileAtomic } from "./atomic.js";
import { asOutHash, asTaskHash, asUniHash, type OutHash, type TaskHash, type UniHash } from "../common/hashes.js";
import { SSTATE_FORMAT_VERSION, checkSignatures, objectTaskName, type Location, type Refusal, type TrustPolicy } from "./object.js";
import { addSignature, type KeyId, type PublicKeyInfo, type Signature, type SigningKey } from "./signing.js";

export const EQUIVALENCE_SUFFIX = ".unihash";

/** What a record is looked up by. */
export interface EquivalenceId {
  readonly pn: string;
  readonly pkgArch: string;
  readonly task: string;
  readonly taskHash: TaskHash;
}

export interface EquivalenceFields extends EquivalenceId {
  readonly uniHash: UniHash;
  readonly outHash: OutHash;
}

export interface Equivalence extends EquivalenceFields {
  readonly signatures: readonly Signature[];
}

/** `<th[0:2]>/<th[2:4]>/sstate:<PN>:<PKGARCH>:<FORMAT>:<taskhash>_<task>.unihash`, beside the objects. */
export function equivalenceRelPath(id: EquivalenceId): string {
  const th = asTaskHash(id.taskHash);
  return `${th.slice(0, 2)}/${th.slice(2, 4)}/sstate:${id.pn}:${id.pkgArch}:${SSTATE_FORMAT_VERSION}:${th}_${objectTaskName(id.task)}${EQUIVALENCE_SUFFIX}`;
}

/** The bytes signed: fixed lines under a versioned header, as fingerprint() for objects. */
export function equivalenceFingerprint(e: EquivalenceFields): Buffer {
  const lines: [string, string][] = [
    ["format", String(SSTATE_FORMAT_VERSION)],
    ["pn", e.pn],
    ["task", objectTaskName(e.task)],
    ["pkgarch", e.pkgArch],
    ["taskhash", e.taskHash],
    ["unihash", e.uniHash],
    ["outhash", e.outHash],
  ];
  let text = "bake-sstate-equivalence/1\n";
  for (const [k, v] of lines) {
    if (/[\n\r\0]/.test(v)) throw new TypeError(`equivalence field ${k} contains a line break or NUL`);
    text += `${k}=${v}\n`;
  }
  return Buffer.from(text, "utf8");
}

const Schema = lazySchema((z) =>
  z.object({
    format: z.literal(SSTATE_FORMAT_VERSION),
    kind: z.literal("equivalence"),
    pn: z.string(),
    task: z.string(),
    pkgArch: z.string(),
    taskHash: z.string(),
    uniHash: z.string(),
    outHash: z.string(),
    signatures: z.array(z.object({ keyId: z.string(), sig: z.string() })).optional(),
  }),
);

export function encodeEquivalence(e: Equivalence): string {
  return `${JSON.stringify(
    { format: SSTATE_FORMAT_VERSION, kind: "equivalence", pn: e.pn, task: objectTaskName(e.task), pkgArch: e.pkgArch, taskHash: e.taskHash, uniHash: e.uniHash, outHash: e.outHash, signatures: e.signatures },
    null,
    2,
  )}\n`;
}

export function decodeEquivalence(text: string): { readonly ok: true; readonly record: Equivalence } | { readonly ok: false; readonly detail: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, detail: `not JSON: ${(e as Error).message}` };
  }
  const r = Schema().safeParse(json);
  if (!r.success) return { ok: false, detail: r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
  const d = r.data;
  try {
    return {
      ok: true,
      record: {
        pn: d.pn,
        task: d.task,
        pkgArch: d.pkgArch,
        taskHash: asTaskHash(d.taskHash),
        uniHash: asUniHash(d.uniHash),
        outHash: asOutHash(d.outHash),
        signatures: (d.signatures ?? []).map((s) => ({ keyId: s.keyId as KeyId, sig: s.sig })),
      },
    };
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  }
}

export type EquivalenceVerdict =
  | { readonly ok: true; readonly record: Equivalence; readonly signedBy: readonly PublicKeyInfo[] }
  | { readonly ok: false; readonly refusal: Refusal };

/** Decode, check it is the record asked for, and that it is signed as trust requires for `where`. */
export function checkEquivalence(text: string, expected: EquivalenceId, trust: TrustPolicy, where: Location, label: string): EquivalenceVerdict {
  const d = decodeEquivalence(text);
  if (!d.ok) return { ok: false, refusal: { reason: "bad-metadata", object: label, detail: d.detail } };
  const r = d.record;
  if (r.pn !== expected.pn || r.task !== objectTaskName(expected.task) || r.pkgArch !== expected.pkgArch || r.taskHash !== expected.taskHash)
    return { ok: false, refusal: { reason: "wrong-object", object: label, detail: `record is of ${r.pn}:${r.task}:${r.pkgArch}:${r.taskHash}` } };
  const s = checkSignatures(equivalenceFingerprint(r), r.signatures, trust, where);
  return s.ok ? { ok: true, record: r, signedBy: s.signedBy } : { ok: false, refusal: { reason: s.reason, object: label, detail: s.detail } };
}

/** Writes the record into SSTATE_DIR (atomically), signed by `key` when given. */
export function writeEquivalence(sstateDir: string, fields: EquivalenceFields, key?: SigningKey): string {
  const path = join(sstateDir, equivalenceRelPath(fields));
  const record: Equivalence = { ...fields, signatures: key ? addSignature([], equivalenceFingerprint(fields), key) : [] };
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, encodeEquivalence(record), 0o644);
  return path;
}

/** A local record, checked (null when there is none). */
export function readLocalEquivalence(sstateDir: string, id: EquivalenceId, trust: TrustPolicy): EquivalenceVerdict | null {
  const path = join(sstateDir, equivalenceRelPath(id));
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return null;
  }
  return checkEquivalence(text, id, trust, null, path);
}
