// A build's shared-state settings, from its configuration: SSTATE_DIR, SSTATE_MIRRORS, the keys
// objects are signed with and trusted by, hash equivalence.
//
// Trust (bake's choice; BitBake signs nothing): every object bake writes is signed with
// SSTATE_SIGNING_KEY, or when that is empty with the user's own key, generated on first use in
// ${XDG_CONFIG_HOME:-~/.config}/bake/sstate-key/. An object is used only if its signatures verify
// against SSTATE_TRUSTED_KEYS (keys for everywhere, `URL=KEY` keys for one mirror) or the signing
// key itself, so a fresh build directory of the same user reuses its own shared state with no
// set-up, and a mirror is usable only once its producer's public key is listed for it. With
// SSTATE_REQUIRED_SIGNATURES = "k", k distinct trusted keys must have signed an object (its
// producer and orgs that reproduced it, `bake sstate attest`); one's own signature is enough.
// Unsigned objects are refused unless SSTATE_ALLOW_UNSIGNED = "1".
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { generateKeyPair, loadSigningKey, parseTrustSpec, publicKeyOf, type TrustPolicy } from "../sstate/index.js";
import type { HashEquivalenceSettings } from "./hash-equivalence.js";
import { BakeError } from "../common/errors.js";

export interface SstateSettings {
  readonly sstateDir: string;
  /** SSTATE_MIRRORS as written. */
  readonly mirrors: string;
  readonly trustedKeys: string;
  /** SSTATE_SIGNING_KEY: a `.key` file; "" for the user's own key. */
  readonly signingKey: string;
  readonly allowUnsigned: boolean;
  /** SSTATE_REQUIRED_SIGNATURES. */
  readonly requiredSignatures: number;
  readonly skipCreation: boolean;
  /** SSTATE_MANIFESTS: what each install put where. */
  readonly manifests: string;
  /** Scratch space on the filesystem of the outputs. */
  readonly staging: string;
  readonly sourceDateEpoch: number;
  readonly extraSigData: string;
  /** Paths that mean "this build directory" in outputs (outhash normalises them). */
  readonly buildPaths: readonly string[];
  readonly hashEquivalence: HashEquivalenceSettings;
  /** Where the user's own key lives when SSTATE_SIGNING_KEY is empty. */
  readonly userKeyDir: string;
}

const truthy = (v: string | null) => v !== null && ["1", "yes", "true", "y", "t"].includes(v.trim().toLowerCase());

/** The settings from the configuration's datastore (`d.getVar`) and bake's environment. */
export function sstateSettings(getVar: (name: string) => string | null, env: NodeJS.ProcessEnv = process.env): SstateSettings {
  const v = (name: string) => (getVar(name) ?? "").trim();
  const topdir = v("TOPDIR");
  const tmpdir = v("TMPDIR") || join(topdir, "tmp");
  const persistent = v("PERSISTENT_DIR") || join(topdir, "cache");
  const configHome = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return {
    sstateDir: v("SSTATE_DIR") || join(topdir, "sstate-cache"),
    mirrors: v("SSTATE_MIRRORS"),
    trustedKeys: v("SSTATE_TRUSTED_KEYS"),
    signingKey: v("SSTATE_SIGNING_KEY"),
    allowUnsigned: truthy(getVar("SSTATE_ALLOW_UNSIGNED")),
    requiredSignatures: requiredSignatures(v("SSTATE_REQUIRED_SIGNATURES")),
    skipCreation: truthy(getVar("SSTATE_SKIP_CREATION")),
    manifests: v("SSTATE_MANIFESTS") || join(tmpdir, "sstate-control"),
    staging: join(tmpdir, "sstate-staging"),
    sourceDateEpoch: Number(v("SOURCE_DATE_EPOCH")) || 0,
    extraSigData: v("HASHEQUIV_EXTRA_SIGDATA"),
    buildPaths: [...new Set([tmpdir, topdir].filter((p) => p !== ""))],
    hashEquivalence: {
      hashserve: v("BB_HASHSERVE"),
      upstream: v("BB_HASHSERVE_UPSTREAM"),
      database: join(persistent, "hashserv"),
      socket: join(topdir, "hashserve.sock"),
      method: v("SSTATE_HASHEQUIV_METHOD") || "bake.OutHashBasic",
      username: v("BB_HASHSERVE_USERNAME"),
      password: v("BB_HASHSERVE_PASSWORD"),
      cache: join(persistent, "unihashes.json"),
    },
    userKeyDir: join(configHome, "bake", "sstate-key"),
  };
}

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    "sstate-setting": SstateSettingError;
  }
}

export class SstateSettingError extends BakeError {
  readonly kind = "sstate-setting" as const;
  override readonly name = "SstateSettingError";
}

function requiredSignatures(value: string): number {
  if (value === "") return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new SstateSettingError(`SSTATE_REQUIRED_SIGNATURES = "${value}": expected a whole number of signatures, 1 or more`);
  return n;
}

/**
 * The signing key in force: SSTATE_SIGNING_KEY, or the user's own, made on first use unless
 * `create` is false (then null when there is none yet).
 */
export function resolveSigningKey(s: SstateSettings, create?: true): string;
export function resolveSigningKey(s: SstateSettings, create: boolean): string | null;
export function resolveSigningKey(s: SstateSettings, create = true): string | null {
  if (s.signingKey !== "") return s.signingKey;
  const existing = existsSync(s.userKeyDir) ? readdirSync(s.userKeyDir).filter((n) => n.endsWith(".key")).sort() : [];
  if (existing.length > 0) return join(s.userKeyDir, existing[0]!);
  if (!create) return null;
  mkdirSync(s.userKeyDir, { recursive: true, mode: 0o700 });
  const name = `bake-${(process.env.USER ?? "user").replace(/[^A-Za-z0-9._-]/g, "") || "user"}`;
  return generateKeyPair(s.userKeyDir, name).keyFile;
}

/** What a build trusts: the same for its restores and for `bake sstate verify` in its directory. */
export function trustPolicyOf(s: SstateSettings, signingKey: string | null): TrustPolicy {
  const keys = parseTrustSpec(s.trustedKeys);
  return {
    trustedKeys: keys.everywhere,
    scopedKeys: keys.scoped,
    ...(signingKey === null ? {} : { ownKey: publicKeyOf(loadSigningKey(signingKey)) }),
    allowUnsigned: s.allowUnsigned,
    requiredSignatures: s.requiredSignatures,
  };
}
