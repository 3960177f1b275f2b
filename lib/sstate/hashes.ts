// Branded hash strings: a UniHash cannot be passed where an OutHash is wanted, and every value
// has been checked to be lower-case sha256 hex when it entered the program.

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type TaskHash = Brand<string, "TaskHash">;
export type UniHash = Brand<string, "UniHash">;
export type OutHash = Brand<string, "OutHash">;
/** sha256 of a blob (an sstate archive), lower-case hex. */
export type Sha256 = Brand<string, "Sha256">;

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isSha256Hex(s: string): boolean {
  return SHA256_HEX.test(s);
}

function check(kind: string, s: string): void {
  if (!SHA256_HEX.test(s)) throw new TypeError(`not a ${kind} (64 lower-case hex digits): ${JSON.stringify(s)}`);
}

export function asTaskHash(s: string): TaskHash {
  check("TaskHash", s);
  return s as TaskHash;
}

// BitBake unihashes are usually sha256 hex, but a hash-equivalence server may hand out any
// token; the object name only needs it to be a safe file-name component of at least 4 chars
// (it is split into the <uh[0:2]>/<uh[2:4]> fan-out directories).
const UNIHASH = /^[0-9A-Za-z._+-]{4,128}$/;

export function asUniHash(s: string): UniHash {
  if (!UNIHASH.test(s) || s.startsWith(".")) throw new TypeError(`not a UniHash: ${JSON.stringify(s)}`);
  return s as UniHash;
}

export function asOutHash(s: string): OutHash {
  check("OutHash", s);
  return s as OutHash;
}

export function asSha256(s: string): Sha256 {
  check("sha256", s);
  return s as Sha256;
}
