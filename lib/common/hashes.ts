// The hashes bake deals in, as branded strings: a TaskHash cannot be passed where a UniHash or an
// OutHash is wanted, and each value was checked by its kind's one validator when it entered the
// program (computed here, read from a file, received from a server or a mirror).
//
// Every kind is a sha256 digest in lower-case hex. For unihashes that is BitBake's own rule
// (hashserv.is_valid_unihash, which its clients and server both apply): a unihash ends up in file
// names and in `${@…}` expansions, so a server handing out arbitrary text would be an injection.
import type { Hash } from "node:crypto";

declare const brand: unique symbol;
type Brand<B extends string> = string & { readonly [brand]: B };

/** A task's code and the values it depends on (signature/basehash.ts). */
export type BaseHash = Brand<"BaseHash">;
/** A task's signature: its basehash, taint, files and the unihashes of what it depends on. */
export type TaskHash = Brand<"TaskHash">;
/** The signature a task's output is filed and stamped under: its taskhash, or an equivalent earlier one's. */
export type UniHash = Brand<"UniHash">;
/** A task's output, with build paths normalised. */
export type OutHash = Brand<"OutHash">;
/** The sha256 of a blob: a download, an sstate archive. */
export type Sha256 = Brand<"Sha256">;

const SHA256_HEX = /^[0-9a-f]{64}$/;

export class InvalidHash extends TypeError {
  override readonly name = "InvalidHash";
  constructor(
    readonly kind: string,
    readonly value: unknown,
  ) {
    super(`not a ${kind} (64 lower-case hex digits): ${JSON.stringify(value)}`);
  }
}

function checked<H extends string>(kind: string, s: string): H {
  if (!SHA256_HEX.test(s)) throw new InvalidHash(kind, s);
  return s as H;
}

export const asBaseHash = (s: string): BaseHash => checked("BaseHash", s);
export const asTaskHash = (s: string): TaskHash => checked("TaskHash", s);
export const asUniHash = (s: string): UniHash => checked("UniHash", s);
export const asOutHash = (s: string): OutHash => checked("OutHash", s);
export const asSha256 = (s: string): Sha256 => checked("sha256", s);

/** The unihash test as a predicate, for input that is refused rather than thrown on. */
export function isUniHash(value: unknown): value is UniHash {
  return typeof value === "string" && SHA256_HEX.test(value);
}

export function isSha256(value: unknown): value is Sha256 {
  return typeof value === "string" && SHA256_HEX.test(value);
}

/** A task's unihash until a server or an equivalence record says otherwise: its own taskhash. */
export function ownUnihash(taskhash: TaskHash): UniHash {
  return asUniHash(taskhash);
}

/** The digest of a finished sha256 `Hash`. */
export function sha256Of(hash: Hash): Sha256 {
  return asSha256(hash.digest("hex"));
}
