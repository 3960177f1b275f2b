// Users, tokens and permissions of the hash-equivalence server, compatible with the user
// table BitBake keeps: a token is stored as "algo:salt:hexdigest(algo(salt + token))".
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { HashservInvokeError } from "./errors.js";
import { NO_PERMISSION, PERMISSIONS, isPermission, type Permission } from "./protocol.js";

const TOKEN_ALGORITHM = "sha256";
// 48 random bytes are 64 base64 characters, with no "=" padding.
const TOKEN_BYTES = 48;
const SALT_BYTES = 8;
/** Every token handed out waits this long behind one global lock (BitBake's rate limit). */
const TOKEN_DELAY_MS = 100;
/** A failed login waits this long before it is refused. */
export const FAILED_AUTH_DELAY_MS = 1000;

let tokenQueue: Promise<unknown> = Promise.resolve();

/**
 * A fresh login token. All requests for one are serialised and slowed, so that nobody can
 * draw enough of them to learn about the random source.
 */
export function newToken(): Promise<string> {
  const next = tokenQueue.then(async () => {
    await sleep(TOKEN_DELAY_MS);
    // BitBake's alphabet: base64 with "." and "_" for "+" and "/".
    return randomBytes(TOKEN_BYTES).toString("base64").replace(/\+/g, ".").replace(/\//g, "_");
  });
  tokenQueue = next.catch(() => undefined);
  return next;
}

export function hashToken(token: string, salt = randomBytes(SALT_BYTES).toString("hex"), algorithm = TOKEN_ALGORITHM): string {
  const digest = createHash(algorithm).update(salt, "utf8").update(token, "utf8").digest("hex");
  return `${algorithm}:${salt}:${digest}`;
}

export function tokenMatches(stored: string, token: string): boolean {
  const parts = stored.split(":");
  if (parts.length !== 3) return false;
  const [algorithm, salt] = parts as [string, string, string];
  let expected: string;
  try {
    expected = hashToken(token, salt, algorithm);
  } catch {
    return false; // an algorithm this Node does not have
  }
  const a = Buffer.from(expected);
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The permission list of new-user / set-user-perms: "@none" dropped, unknown ones refused. */
export function permissionArgument(list: readonly string[]): Permission[] {
  const wanted = new Set(list.filter((p) => p !== NO_PERMISSION));
  const unknown = [...wanted].filter((p) => !isPermission(p)).sort();
  if (unknown.length > 0) throw new HashservInvokeError(`Unknown permissions ${unknown.join(", ")}`);
  return ([...wanted] as Permission[]).sort();
}

/** Permissions as replies show them: "@all" spelled out in full. */
export function shownPermissions(perms: Iterable<string>): string[] {
  const set = new Set(perms);
  return set.has("@all") ? [...PERMISSIONS].sort() : [...set].sort();
}

export function grants(held: ReadonlySet<string>, required: readonly Permission[]): boolean {
  return held.has("@all") || required.every((p) => held.has(p));
}
