// ed25519 signatures over sstate objects (node:crypto), in the manner of Nix's binary caches:
// fingerprint() defines exactly which bytes are signed, independent of how the metadata is
// stored, and a signature counts only if it verifies against a key the user chose to trust.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign as edSign, verify as edVerify, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { OutHash, Sha256, TaskHash, UniHash } from "../common/hashes.js";
import { writeFileAtomic } from "./atomic.js";
import { BakeError } from "../common/errors.js";

declare const brand: unique symbol;
/** "ed25519:" + the first 16 hex digits of sha256(raw public key). */
export type KeyId = string & { readonly [brand]: "KeyId" };

export interface PublicKeyInfo {
  readonly name: string;
  readonly keyId: KeyId;
  readonly key: KeyObject;
  /** The 32 raw key bytes, base64: the form used in .pub files and SSTATE_TRUSTED_KEYS. */
  readonly base64: string;
}

export interface SigningKey {
  readonly name: string;
  readonly keyId: KeyId;
  readonly privateKey: KeyObject;
}

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    "signing-key": KeyError;
  }
}

export class KeyError extends BakeError {
  readonly kind = "signing-key" as const;
  constructor(message: string, readonly source: string) {
    super(`${source}: ${message}`);
    this.name = "KeyError";
  }
}

const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function rawPublic(key: KeyObject): Buffer {
  const jwk = key.export({ format: "jwk" });
  if (jwk.crv !== "Ed25519" || typeof jwk.x !== "string") throw new TypeError("not an ed25519 key");
  return Buffer.from(jwk.x, "base64url");
}

function keyIdOf(raw: Buffer): KeyId {
  return `ed25519:${createHash("sha256").update(raw).digest("hex").slice(0, 16)}` as KeyId;
}

function publicFromRaw(name: string, raw: Buffer, source: string): PublicKeyInfo {
  if (raw.length !== 32) throw new KeyError(`an ed25519 public key has 32 bytes, this one ${raw.length}`, source);
  const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" });
  return { name, keyId: keyIdOf(raw), key, base64: raw.toString("base64") };
}

export interface GeneratedKey {
  readonly keyFile: string;
  readonly pubFile: string;
  readonly keyId: KeyId;
}

/**
 * `bake sstate keygen NAME`: writes `<dir>/<name>.key` (PKCS#8 PEM, mode 0600) and
 * `<dir>/<name>.pub` (`<name>:<base64 of the 32 key bytes>`, the line to put in
 * SSTATE_TRUSTED_KEYS). Never overwrites an existing key.
 */
export function generateKeyPair(dir: string, name: string): GeneratedKey {
  if (!KEY_NAME.test(name)) throw new KeyError("key names are letters, digits, '.', '_' and '-'", name);
  const keyFile = join(dir, `${name}.key`);
  const pubFile = join(dir, `${name}.pub`);
  for (const f of [keyFile, pubFile]) if (existsSync(f)) throw new KeyError("already exists; refusing to overwrite a key", f);
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const raw = rawPublic(publicKey);
  writeFileAtomic(keyFile, privateKey.export({ format: "pem", type: "pkcs8" }) as string, 0o600);
  writeFileAtomic(pubFile, `${name}:${raw.toString("base64")}\n`, 0o644);
  return { keyFile, pubFile, keyId: keyIdOf(raw) };
}

/** Loads `<name>.key`; the key's name is the file name without `.key`. */
export function loadSigningKey(path: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(path));
  } catch (e) {
    throw new KeyError(`cannot read signing key: ${(e as Error).message}`, path);
  }
  if (privateKey.asymmetricKeyType !== "ed25519") throw new KeyError("not an ed25519 private key", path);
  const raw = rawPublic(createPublicKey(privateKey));
  return { name: basename(path).replace(/\.key$/, ""), keyId: keyIdOf(raw), privateKey };
}

const INLINE_KEY = /^(?:([A-Za-z0-9][A-Za-z0-9._-]*):)?([A-Za-z0-9+/]{43}=)$/;

function parsePublicLine(line: string, source: string): PublicKeyInfo {
  const m = INLINE_KEY.exec(line.trim());
  if (!m) throw new KeyError("expected '<name>:<base64 ed25519 key>' or a bare base64 key", source);
  const raw = Buffer.from(m[2]!, "base64");
  return publicFromRaw(m[1] ?? keyIdOf(raw), raw, source);
}

function readKeyEntry(entry: string, source: string): PublicKeyInfo[] {
  if (INLINE_KEY.test(entry)) return [parsePublicLine(entry, source)];
  let text: string;
  try {
    text = readFileSync(entry, "utf8");
  } catch (e) {
    throw new KeyError(`cannot read trusted key: ${(e as Error).message}`, entry);
  }
  const out: PublicKeyInfo[] = [];
  for (const line of text.split("\n")) if (line.trim() !== "" && !line.startsWith("#")) out.push(parsePublicLine(line, entry));
  return out;
}

/** A key trusted only for what is read from under one URL prefix (a mirror). */
export interface ScopedKey {
  /** Always ends with "/": `http://host:8000/sstate/`. */
  readonly prefix: string;
  readonly key: PublicKeyInfo;
}

export interface TrustedKeys {
  /** Trusted for objects from anywhere: SSTATE_DIR and every mirror. */
  readonly everywhere: PublicKeyInfo[];
  readonly scoped: ScopedKey[];
}

/** `URL=KEY`: the URL is up to the first "=" (a base64 key may end with one, a URL prefix may not hold one). */
const SCOPED_ENTRY = /^([a-z][a-z0-9+.-]*:\/\/[^=\s]*)=(.+)$/;

/** A mirror URL prefix as a scope: a directory, so `http://a.example` does not cover `http://a.example.evil/`. */
export function scopePrefix(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

/**
 * SSTATE_TRUSTED_KEYS: whitespace-separated entries. `KEY` is trusted everywhere; `URL=KEY` only
 * for objects read from under URL (a mirror: `http://127.0.0.1:8000/=/keys/org-a.pub`). KEY is
 * an inline `name:base64` / `base64` key or else a path to a `.pub` file (one key per line, `#`
 * comments).
 */
export function parseTrustSpec(spec: string | readonly string[]): TrustedKeys {
  const entries = typeof spec === "string" ? spec.split(/\s+/).filter(Boolean) : spec;
  const out: TrustedKeys = { everywhere: [], scoped: [] };
  for (const entry of entries) {
    const m = SCOPED_ENTRY.exec(entry);
    if (m) for (const key of readKeyEntry(m[2]!, `SSTATE_TRUSTED_KEYS entry for ${m[1]}`)) out.scoped.push({ prefix: scopePrefix(m[1]!), key });
    else out.everywhere.push(...readKeyEntry(entry, "SSTATE_TRUSTED_KEYS"));
  }
  return out;
}

/** The keys of SSTATE_TRUSTED_KEYS trusted everywhere (scoped entries are an error here). */
export function parseTrustedKeys(spec: string | readonly string[]): PublicKeyInfo[] {
  const t = parseTrustSpec(spec);
  if (t.scoped.length > 0) throw new KeyError("a key for one mirror (URL=KEY) is not allowed here", t.scoped[0]!.prefix);
  return t.everywhere;
}

export function publicKeyOf(key: SigningKey): PublicKeyInfo {
  return publicFromRaw(key.name, rawPublic(createPublicKey(key.privateKey)), key.name);
}

/** What a signature vouches for. */
export interface SignedFields {
  readonly formatVersion: number;
  readonly taskId: string;
  readonly pn: string;
  readonly task: string;
  readonly pkgArch: string;
  /** Names of the output directories in the archive, sorted. */
  readonly outputs: readonly string[];
  readonly taskHash: TaskHash;
  readonly uniHash: UniHash;
  readonly outHash: OutHash | null;
  readonly archiveSha256: Sha256;
  readonly archiveSize: number;
}

/**
 * The exact bytes that are signed: one `key=value` line per field in a fixed order under a
 * versioned header. JSON formatting, field order in the .siginfo file and the signature block
 * itself are not part of it, so rewriting the metadata cannot break a signature and no
 * unsigned field can change what an object claims to be.
 */
export function fingerprint(f: SignedFields): Buffer {
  const lines: [string, string][] = [
    ["format", String(f.formatVersion)],
    ["task-id", f.taskId],
    ["pn", f.pn],
    ["task", f.task],
    ["pkgarch", f.pkgArch],
    ["outputs", f.outputs.join(",")],
    ["taskhash", f.taskHash],
    ["unihash", f.uniHash],
    ["outhash", f.outHash ?? ""],
    ["archive", `sha256:${f.archiveSha256}:${f.archiveSize}`],
  ];
  let text = "bake-sstate-fingerprint/1\n";
  for (const [k, v] of lines) {
    if (/[\n\r\0]/.test(v)) throw new TypeError(`sstate field ${k} contains a line break or NUL`);
    text += `${k}=${v}\n`;
  }
  return Buffer.from(text, "utf8");
}

export interface Signature {
  readonly keyId: KeyId;
  /** base64 of the 64-byte ed25519 signature. */
  readonly sig: string;
}

export function sign(fields: SignedFields, key: SigningKey): Signature {
  return { keyId: key.keyId, sig: edSign(null, fingerprint(fields), key.privateKey).toString("base64") };
}

export type SignatureRefusal = "unsigned" | "untrusted-key" | "bad-signature" | "too-few-signatures";

export type SignatureCheck =
  | { readonly ok: true; readonly keys: readonly PublicKeyInfo[] }
  | { readonly ok: false; readonly reason: SignatureRefusal; readonly detail: string };

/**
 * Do at least `required` distinct keys of `trusted` have valid signatures over `data`? Signatures
 * by keys not trusted here are ignored (another org's attestation), but a signature claiming a
 * trusted key that does not verify refuses the whole document: something was changed after it
 * was signed.
 */
export function verifySignatures(data: Buffer, signatures: readonly Signature[], trusted: readonly PublicKeyInfo[], required = 1): SignatureCheck {
  if (signatures.length === 0) return { ok: false, reason: "unsigned", detail: "object carries no signature" };
  const good = new Map<KeyId, PublicKeyInfo>();
  const strangers: string[] = [];
  for (const s of signatures) {
    const candidates = trusted.filter((k) => k.keyId === s.keyId);
    if (candidates.length === 0) {
      strangers.push(s.keyId);
      continue;
    }
    const sig = Buffer.from(s.sig, "base64");
    const k = candidates.find((c) => sig.length === 64 && edVerify(null, data, c.key, sig));
    if (!k) return { ok: false, reason: "bad-signature", detail: `signature by ${s.keyId} does not verify` };
    good.set(k.keyId, k);
  }
  if (good.size >= required) return { ok: true, keys: [...good.values()] };
  if (good.size === 0) return { ok: false, reason: "untrusted-key", detail: `signed by ${strangers.join(", ")}, which is not in SSTATE_TRUSTED_KEYS` };
  return {
    ok: false,
    reason: "too-few-signatures",
    detail: `signed by ${good.size} trusted key${good.size === 1 ? "" : "s"} (${[...good.values()].map((k) => k.name).join(", ")}), SSTATE_REQUIRED_SIGNATURES is ${required}`,
  };
}

/** `signatures` with `key`'s signature over `data` added (replacing an earlier one by the same key), sorted by key. */
export function addSignature(signatures: readonly Signature[], data: Buffer, key: SigningKey): Signature[] {
  const mine: Signature = { keyId: key.keyId, sig: edSign(null, data, key.privateKey).toString("base64") };
  return [...signatures.filter((s) => s.keyId !== key.keyId), mine].sort((a, b) => (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0));
}
