// An sstate object: a deterministic archive plus a small JSON metadata file (`.siginfo`) that
// names what the archive is, its checksum, and who signed it. The metadata is written last and
// atomically: it is the commit point (an archive without metadata is a leftover, never a hit).
import { createHash } from "node:crypto";
import { createReadStream, mkdirSync, readFileSync, rmSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { lazySchema } from "../common/schema.js";
import { ArchiveError, createArchive, restoreArchive, scanArchive, type RestoreStats, type SstateOutput } from "./archive.js";
import { commitRename, tempNameFor, writeFileAtomic } from "./atomic.js";
import { asOutHash, asSha256, asTaskHash, asUniHash, type OutHash, type Sha256, type TaskHash, type UniHash } from "../common/hashes.js";
import {
  addSignature,
  fingerprint,
  verifySignatures,
  type KeyId,
  type PublicKeyInfo,
  type ScopedKey,
  type Signature,
  type SignatureRefusal,
  type SignedFields,
  type SigningKey,
} from "./signing.js";

/**
 * Bumped when the archive layout or the metadata schema changes; part of the object name.
 * 2: `signatures`, a list (an object's producer and the orgs that reproduced it), for `signature`.
 */
export const SSTATE_FORMAT_VERSION = 2;

/** What an object is, hence its file name. */
export interface SstateObjectId {
  readonly pn: string;
  /** SSTATE_PKGARCH: PACKAGE_ARCH, BUILD_ARCH for native, "allarch"… */
  readonly pkgArch: string;
  /** Task name without the "do_" prefix, as BitBake's SSTATE_CURRTASK. */
  readonly task: string;
  readonly uniHash: UniHash;
}

const NAME_PART = /^[A-Za-z0-9._+-]+$/;

/** The task as sstate object names carry it: `populate_sysroot`, BitBake's SSTATE_CURRTASK. */
export function objectTaskName(task: string): string {
  return task.startsWith("do_") ? task.slice(3) : task;
}

/**
 * `<uh[0:2]>/<uh[2:4]>/sstate:<PN>:<PKGARCH>:<FORMAT>:<unihash>_<task>.tar.zst`.
 *
 * Simplified from BitBake's SSTATE_PKGSPEC (`sstate:PN:ARCH-VENDOR-OS:PV:PR:PKGARCH:VERSION:`):
 * PV and PR are dropped (the unihash already covers them and they made names too long), the
 * TARGET_VENDOR-TARGET_OS field is dropped (PKGARCH distinguishes what matters). The
 * `<hash>_<task>` tail and the two-level fan-out are BitBake's, so SSTATE_MIRRORS "PATH" values
 * and mirror layouts look the same.
 */
export function objectRelPath(id: SstateObjectId): string {
  const task = objectTaskName(id.task);
  for (const [k, v] of [["PN", id.pn], ["PKGARCH", id.pkgArch], ["task", task]] as const)
    if (!NAME_PART.test(v)) throw new TypeError(`sstate ${k} ${JSON.stringify(v)} cannot be part of a file name`);
  const uh = asUniHash(id.uniHash);
  const name = `sstate:${id.pn}:${id.pkgArch}:${SSTATE_FORMAT_VERSION}:${uh}_${task}.tar.zst`;
  if (name.length + ".siginfo".length > 255) throw new TypeError(`sstate object name too long: ${name}`);
  return `${uh.slice(0, 2)}/${uh.slice(2, 4)}/${name}`;
}

/** OE's SSTATE_PKGSPEC, as bake names objects: what an outhash says the output is of. */
export function sstatePkgSpec(pn: string, pkgArch: string): string {
  return `sstate:${pn}:${pkgArch}:${SSTATE_FORMAT_VERSION}:`;
}

export const METADATA_SUFFIX = ".siginfo";

export interface SstateMetadata extends SignedFields {
  /** Every signature over fingerprint(fields), sorted by key id; empty when unsigned. */
  readonly signatures: readonly Signature[];
}

/** A committed object in a local SSTATE_DIR. */
export interface SstateObject {
  readonly id: SstateObjectId;
  readonly relPath: string;
  readonly archivePath: string;
  readonly metadataPath: string;
  readonly metadata: SstateMetadata;
}

const MetadataSchema = lazySchema((z) =>
  z.object({
    format: z.literal(SSTATE_FORMAT_VERSION),
    taskId: z.string(),
    pn: z.string(),
    task: z.string(),
    pkgArch: z.string(),
    outputs: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/)),
    taskHash: z.string(),
    uniHash: z.string(),
    outHash: z.string().nullable(),
    archive: z.object({ sha256: z.string(), size: z.number().int().nonnegative() }),
    // Absent or empty: unsigned, which trust decides (the `unsigned` refusal), not the schema.
    signatures: z.array(z.object({ keyId: z.string(), sig: z.string() })).optional(),
  }),
);

/** The `.siginfo` JSON text, keys in a fixed order. */
export function encodeMetadata(m: SstateMetadata): string {
  return `${JSON.stringify(
    {
      format: m.formatVersion,
      taskId: m.taskId,
      pn: m.pn,
      task: m.task,
      pkgArch: m.pkgArch,
      outputs: m.outputs,
      taskHash: m.taskHash,
      uniHash: m.uniHash,
      outHash: m.outHash,
      archive: { sha256: m.archiveSha256, size: m.archiveSize },
      signatures: m.signatures,
    },
    null,
    2,
  )}\n`;
}

export type MetadataResult = { readonly ok: true; readonly metadata: SstateMetadata } | { readonly ok: false; readonly detail: string };

export function decodeMetadata(text: string): MetadataResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, detail: `not JSON: ${(e as Error).message}` };
  }
  const format = (json as { format?: unknown } | null)?.format;
  if (format !== SSTATE_FORMAT_VERSION)
    return { ok: false, detail: `metadata format ${JSON.stringify(format)}, this bake reads format ${SSTATE_FORMAT_VERSION} (an object of another bake version; prune it)` };
  const r = MetadataSchema().safeParse(json);
  if (!r.success) return { ok: false, detail: r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
  const d = r.data;
  try {
    return {
      ok: true,
      metadata: {
        formatVersion: d.format,
        taskId: d.taskId,
        pn: d.pn,
        task: d.task,
        pkgArch: d.pkgArch,
        outputs: d.outputs,
        taskHash: asTaskHash(d.taskHash),
        uniHash: asUniHash(d.uniHash),
        outHash: d.outHash === null ? null : asOutHash(d.outHash),
        archiveSha256: asSha256(d.archive.sha256),
        archiveSize: d.archive.size,
        signatures: (d.signatures ?? []).map((x) => ({ keyId: x.keyId as KeyId, sig: x.sig })),
      },
    };
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  }
}

export interface WriteObjectOptions {
  readonly sstateDir: string;
  readonly id: SstateObjectId;
  /** The task's identity for humans and tools, e.g. "zlib:do_populate_sysroot". */
  readonly taskId: string;
  readonly taskHash: TaskHash;
  readonly outHash: OutHash | null;
  readonly outputs: readonly SstateOutput[];
  readonly sourceDateEpoch: number;
  /** Without a key the object is unsigned: usable only where the policy allows unsigned objects. */
  readonly signingKey?: SigningKey;
  readonly level?: number;
  readonly threads?: number;
}

/**
 * Archive, fsync, rename; then metadata, fsync, rename (the commit point). An existing object of
 * the same name is replaced: the archive first, so a concurrent reader sees either the old
 * metadata (and refuses the new archive as a checksum mismatch, a harmless rebuild) or the new.
 */
export async function writeSstateObject(o: WriteObjectOptions): Promise<SstateObject> {
  const relPath = objectRelPath(o.id);
  const archivePath = join(o.sstateDir, relPath);
  const metadataPath = archivePath + METADATA_SUFFIX;
  mkdirSync(join(archivePath, ".."), { recursive: true });
  const tmp = tempNameFor(archivePath);
  let info;
  try {
    info = await createArchive(o.outputs, tmp, {
      sourceDateEpoch: o.sourceDateEpoch,
      ...(o.level === undefined ? {} : { level: o.level }),
      ...(o.threads === undefined ? {} : { threads: o.threads }),
    });
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  commitRename(tmp, archivePath);
  const fields: SignedFields = {
    formatVersion: SSTATE_FORMAT_VERSION,
    taskId: o.taskId,
    pn: o.id.pn,
    task: objectTaskName(o.id.task),
    pkgArch: o.id.pkgArch,
    outputs: o.outputs.map((x) => x.name).sort(),
    taskHash: o.taskHash,
    uniHash: o.id.uniHash,
    outHash: o.outHash,
    archiveSha256: info.sha256,
    archiveSize: info.size,
  };
  const metadata: SstateMetadata = { ...fields, signatures: o.signingKey ? addSignature([], fingerprint(fields), o.signingKey) : [] };
  writeFileAtomic(metadataPath, encodeMetadata(metadata), 0o644);
  return { id: o.id, relPath, archivePath, metadataPath, metadata };
}

// ---------------------------------------------------------------------------------------------
// Trust

export interface TrustPolicy {
  /** Keys trusted for objects from anywhere (SSTATE_TRUSTED_KEYS entries without a URL). */
  readonly trustedKeys: readonly PublicKeyInfo[];
  /** Keys trusted only for objects read from under a mirror's URL (`URL=KEY` entries). */
  readonly scopedKeys?: readonly ScopedKey[];
  /**
   * The build's own signing key: trusted everywhere, and its signature alone is enough whatever
   * `requiredSignatures` says (an object it signed is one this build directory's owner built).
   */
  readonly ownKey?: PublicKeyInfo;
  /**
   * Accept objects that carry no signature at all (a private SSTATE_DIR written by this user
   * without a key). Never covers an unknown key or a bad signature.
   */
  readonly allowUnsigned?: boolean;
  /** SSTATE_REQUIRED_SIGNATURES: distinct trusted keys that must have signed (default 1). */
  readonly requiredSignatures?: number;
}

/**
 * Where an object was read from: null for the local SSTATE_DIR, else its URL on a mirror. What
 * is in SSTATE_DIR was checked when it came in (or written here), so every configured key is
 * trusted there; a key given for one mirror is trusted for objects read from that mirror only.
 */
export type Location = string | null;

export function keysFor(trust: TrustPolicy, where: Location): PublicKeyInfo[] {
  const scoped = (trust.scopedKeys ?? []).filter((s) => where === null || where.startsWith(s.prefix)).map((s) => s.key);
  return [...trust.trustedKeys, ...scoped, ...(trust.ownKey ? [trust.ownKey] : [])];
}

export type SignedVerdict =
  | { readonly ok: true; readonly signedBy: readonly PublicKeyInfo[] }
  | { readonly ok: false; readonly reason: SignatureRefusal; readonly detail: string };

/** The trust rule for any signed document (an object's metadata, an equivalence record). */
export function checkSignatures(data: Buffer, signatures: readonly Signature[], trust: TrustPolicy, where: Location): SignedVerdict {
  if (signatures.length === 0 && trust.allowUnsigned) return { ok: true, signedBy: [] };
  const keys = keysFor(trust, where);
  const own = trust.ownKey;
  if (own && signatures.some((s) => s.keyId === own.keyId)) {
    const mine = verifySignatures(data, signatures, keys, 1);
    if (!mine.ok) return mine;
    if (mine.keys.some((k) => k.keyId === own.keyId)) return { ok: true, signedBy: mine.keys };
  }
  const v = verifySignatures(data, signatures, keys, Math.max(1, trust.requiredSignatures ?? 1));
  if (v.ok) return { ok: true, signedBy: v.keys };
  if (v.reason === "untrusted-key") {
    // Say so when the signer is trusted, but for another mirror.
    const elsewhere = (trust.scopedKeys ?? []).filter((sk) => signatures.some((s) => s.keyId === sk.key.keyId)).map((sk) => `${sk.key.name} is trusted for ${sk.prefix} only`);
    if (elsewhere.length > 0) return { ...v, detail: `${v.detail}; ${[...new Set(elsewhere)].join(", ")}` };
  }
  return v;
}

export type RefusalReason =
  | SignatureRefusal
  | "checksum-mismatch"
  | "unsafe-member"
  | "wrong-object"
  | "bad-metadata"
  | "corrupt-archive";

export interface Refusal {
  readonly reason: RefusalReason;
  /** The archive or metadata path or URL. */
  readonly object: string;
  /** What is wrong; never repeats `object`. */
  readonly detail: string;
  readonly member?: string;
}

export type Verdict =
  | { readonly ok: true; readonly signedBy: readonly PublicKeyInfo[] }
  | { readonly ok: false; readonly refusal: Refusal };

/**
 * Does the metadata describe the object we asked for, and is it signed as trust requires for
 * where it was read from (`where`: null for SSTATE_DIR, else the mirror URL, also used as the
 * refusal's `object`; `label` names the local file)?
 */
export function checkMetadata(m: SstateMetadata, expected: SstateObjectId | null, trust: TrustPolicy, where: Location, label: string = where ?? ""): Verdict {
  const refuse = (reason: RefusalReason, detail: string): Verdict => ({ ok: false, refusal: { reason, object: label, detail } });
  if (expected !== null) {
    // A validly signed object of another task served under this name must not be used.
    if (m.pn !== expected.pn || m.task !== objectTaskName(expected.task) || m.pkgArch !== expected.pkgArch || m.uniHash !== expected.uniHash)
      return refuse("wrong-object", `metadata describes ${m.pn}:${m.task}:${m.pkgArch}:${m.uniHash}, wanted ${expected.pn}:${objectTaskName(expected.task)}:${expected.pkgArch}:${expected.uniHash}`);
  }
  const s = checkSignatures(fingerprint(m), m.signatures, trust, where);
  return s.ok ? { ok: true, signedBy: s.signedBy } : refuse(s.reason, s.detail);
}

/** An archive's refusal for an ArchiveError, the same wherever an archive is read. */
export function archiveRefusal(e: ArchiveError, archivePath: string): Refusal {
  return { reason: e.unsafe ? "unsafe-member" : "corrupt-archive", object: archivePath, detail: e.detail, ...(e.member === undefined ? {} : { member: e.member }) };
}

export async function sha256File(path: string): Promise<{ sha256: Sha256; size: number }> {
  const h = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: asSha256(h.digest("hex")), size };
}

/**
 * Metadata, identity, signatures and archive checksum of an object on this filesystem; `where`
 * is the location trust is decided for (null: SSTATE_DIR; a file:// URL for a mirror's tree).
 */
export async function verifyLocalObject(archivePath: string, expected: SstateObjectId | null, trust: TrustPolicy, where: Location = null): Promise<Verdict & { metadata?: SstateMetadata }> {
  const metadataPath = archivePath + METADATA_SUFFIX;
  let text: string;
  try {
    text = readFileSync(metadataPath, "utf8");
  } catch (e) {
    return { ok: false, refusal: { reason: "bad-metadata", object: metadataPath, detail: (e as Error).message } };
  }
  const d = decodeMetadata(text);
  if (!d.ok) return { ok: false, refusal: { reason: "bad-metadata", object: metadataPath, detail: d.detail } };
  const v = checkMetadata(d.metadata, expected, trust, where, metadataPath);
  if (!v.ok) return { ...v, metadata: d.metadata };
  let actual;
  try {
    if (statSync(archivePath).size !== d.metadata.archiveSize)
      return { ok: false, refusal: { reason: "checksum-mismatch", object: archivePath, detail: `size is not ${d.metadata.archiveSize}` }, metadata: d.metadata };
    actual = await sha256File(archivePath);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { ok: false, refusal: { reason: "checksum-mismatch", object: archivePath, detail: err.code === "ENOENT" ? "archive missing" : err.message }, metadata: d.metadata };
  }
  if (actual.sha256 !== d.metadata.archiveSha256)
    return { ok: false, refusal: { reason: "checksum-mismatch", object: archivePath, detail: `sha256 ${actual.sha256}, metadata says ${d.metadata.archiveSha256}` }, metadata: d.metadata };
  return { ...v, metadata: d.metadata };
}

/**
 * Every check a restore makes, without restoring: metadata, identity, signatures, checksum
 * (verifyLocalObject) and then every member through the same member policy as restoreArchive
 * (scanArchive). `bake sstate verify` is this, object by object.
 */
export async function verifyObject(archivePath: string, expected: SstateObjectId | null, trust: TrustPolicy, where: Location = null): Promise<Verdict & { metadata?: SstateMetadata }> {
  const v = await verifyLocalObject(archivePath, expected, trust, where);
  if (!v.ok || !v.metadata) return v;
  try {
    await scanArchive(archivePath, v.metadata.outputs);
  } catch (e) {
    if (!(e instanceof ArchiveError)) throw e;
    return { ok: false, refusal: archiveRefusal(e, archivePath), metadata: v.metadata };
  }
  return v;
}

export type RestoreResult =
  | { readonly ok: true; readonly stats: RestoreStats; readonly signedBy: readonly PublicKeyInfo[] }
  | { readonly ok: false; readonly refusal: Refusal };

/**
 * Verify, then restore into the task's output directories. Marks the object used (metadata
 * mtime) for `bake sstate prune`, as BitBake touches restored sstate files.
 */
export async function restoreSstateObject(
  sstateDir: string,
  id: SstateObjectId,
  targets: readonly SstateOutput[],
  trust: TrustPolicy,
): Promise<RestoreResult> {
  const archivePath = join(sstateDir, objectRelPath(id));
  const v = await verifyLocalObject(archivePath, id, trust);
  if (!v.ok) return v;
  try {
    const stats = await restoreArchive(archivePath, targets);
    const now = new Date();
    try {
      utimesSync(archivePath + METADATA_SUFFIX, now, now);
    } catch {
      // A read-only SSTATE_DIR (shared over NFS) is fine: only pruning loses precision.
    }
    return { ok: true, stats, signedBy: v.signedBy };
  } catch (e) {
    if (e instanceof ArchiveError && e.reason !== "bad-input") return { ok: false, refusal: archiveRefusal(e, archivePath) };
    throw e;
  }
}
