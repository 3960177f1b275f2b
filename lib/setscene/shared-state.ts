// Shared state for a build: the settings (SSTATE_DIR, SSTATE_MIRRORS, keys…), which objects exist,
// fetching and verifying them, and handing the file work (outhash, packaging, installing,
// signature data) to the shared-state workers.
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
import { basename, join } from "node:path";
import { Piscina } from "piscina";
import { isSet, type TaskId, type TaskNode } from "../graph/types.js";
import {
  asTaskHash,
  asUniHash,
  checkAvailability,
  fetchSstateObject,
  findEquivalences,
  equivalenceRelPath,
  parseTrustSpec,
  generateKeyPair,
  loadSigningKey,
  objectRelPath,
  parseSstateMirrors,
  publicKeyOf,
  type Refusal,
  type RestoreStats,
  type SstateObjectId,
  type StoreOptions,
  type TrustPolicy,
} from "../sstate/index.js";
import type { SigDataRuntime } from "../signature/index.js";
import type { HashEquivalenceSettings } from "./hash-equivalence.js";
import type { OutputSpec } from "./install.js";
import type { InstallRequest, InstallResult, OutHashRequest, PackageRequest, PackageResult, SigDataRequest } from "./sstate-worker.js";

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
    },
    userKeyDir: join(configHome, "bake", "sstate-key"),
  };
}

export class SstateSettingError extends Error {
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

export type Availability = "local" | "mirror" | "missing";

export type RestoreOutcome =
  | { readonly ok: true; readonly source: "local" | "mirror"; readonly url?: string; readonly stats: RestoreStats }
  | { readonly ok: false; readonly refusals: readonly Refusal[] };

/** The archive member name of an output directory: its base name, made unique. */
function outputName(dir: string, taken: Set<string>): string {
  let name = basename(dir).replace(/[^A-Za-z0-9._+-]/g, "_").replace(/^[^A-Za-z0-9]+/, "") || "output";
  for (let i = 2; taken.has(name); i++) name = `${name.replace(/-\d+$/, "")}-${i}`;
  taken.add(name);
  return name;
}

/** The output directories an sstate task declares ([sstate-inputdirs]/[sstate-outputdirs] pairs, [sstate-plaindirs]). */
export function taskOutputs(node: TaskNode): OutputSpec[] {
  const words = (f: string | undefined) => (f ?? "").split(/\s+/).filter(Boolean);
  const inputs = words(node.task.flags["sstate-inputdirs"]);
  const outputs = words(node.task.flags["sstate-outputdirs"]);
  const taken = new Set<string>();
  const out: OutputSpec[] = [];
  inputs.forEach((input, i) => out.push({ name: outputName(input, taken), input, output: outputs[i] ?? input }));
  for (const plain of words(node.task.flags["sstate-plaindirs"])) out.push({ name: outputName(plain, taken), input: plain, output: plain });
  return out;
}

/** A task whose output is shared state: flagged `sstate`, declaring where its output is, and run (not noexec). */
export function isSstateTask(node: TaskNode): boolean {
  // A noexec task makes no output: there is nothing to restore, and BitBake counts it as covered.
  return isSet(node.task.flags.sstate) && !isSet(node.task.flags.noexec) && taskOutputs(node).length > 0;
}

const PKGARCH = /^[A-Za-z0-9._+-]+$/;

/** sstate.bbclass sets `[sstate] = "${SSTATE_PKGARCH}"`: the architecture objects are filed under. */
export function pkgArchOf(node: TaskNode): string {
  const v = (node.task.flags.sstate ?? "").trim();
  return v !== "1" && PKGARCH.test(v) ? v : "any";
}

export class SharedState {
  private readonly pool: Piscina;
  private readonly store: StoreOptions;
  readonly trust: TrustPolicy;
  readonly signingKey: string;

  constructor(
    readonly settings: SstateSettings,
    threads: number,
    private readonly warn: (text: string) => void,
  ) {
    this.signingKey = resolveSigningKey(settings);
    this.trust = trustPolicyOf(settings, this.signingKey);
    this.store = {
      sstateDir: settings.sstateDir,
      mirrors: parseSstateMirrors(settings.mirrors),
      onWarning: (w) => warn(`sstate mirror ${w.mirror}: ${w.url}: ${w.message}`),
    };
    this.pool = sstateWorkers(threads);
  }

  objectId(node: TaskNode, unihash: string): SstateObjectId {
    return { pn: node.recipe.pn, pkgArch: pkgArchOf(node), task: node.task.name, uniHash: asUniHash(unihash) };
  }

  /** Which objects exist, locally or on a mirror (existence only: restore verifies). */
  async availability(items: readonly { readonly node: TaskNode; readonly unihash: string }[]): Promise<Map<TaskId, Availability>> {
    const ids = items.map((i) => this.objectId(i.node, i.unihash));
    const found = await checkAvailability(ids, this.store);
    const out = new Map<TaskId, Availability>();
    items.forEach((item, i) => {
      const a = found.get(objectRelPath(ids[i]!));
      out.set(item.node.id, a === undefined || a.kind === "missing" ? "missing" : a.kind);
    });
    return out;
  }

  /**
   * For tasks the hash-equivalence server has no unihash for: the unihash equivalence records
   * in SSTATE_DIR or on a mirror give (another build directory's, another org's equivalences).
   */
  async equivalences(items: readonly { readonly node: TaskNode; readonly taskhash: string }[]): Promise<Map<TaskId, string>> {
    const ids = items.map(({ node, taskhash }) => ({
      pn: node.recipe.pn,
      pkgArch: pkgArchOf(node),
      task: node.task.name,
      taskHash: asTaskHash(taskhash),
      ownObject: this.objectId(node, taskhash),
    }));
    const found = await findEquivalences(ids, this.trust, this.store, (r) => this.warn(`sstate equivalence record refused (${r.reason}): ${r.object}: ${r.detail}`));
    const out = new Map<TaskId, string>();
    items.forEach((item, i) => {
      const f = found.get(equivalenceRelPath(ids[i]!));
      if (f) out.set(item.node.id, f.uniHash);
    });
    return out;
  }

  private manifest(node: TaskNode): string {
    return join(this.settings.manifests, `manifest-${pkgArchOf(node)}-${node.recipe.pn}.${node.task.name}`);
  }

  /** Fetch (from a mirror if need be) and verify the object, then install its output. */
  async restore(node: TaskNode, unihash: string): Promise<RestoreOutcome> {
    const got = await fetchSstateObject(this.objectId(node, unihash), this.trust, this.store);
    if (!got.ok) return got;
    const req: InstallRequest = {
      archivePath: got.object.archivePath,
      outputs: taskOutputs(node),
      manifest: this.manifest(node),
      stagingRoot: this.settings.staging,
    };
    const r = (await this.pool.run(req, { name: "install" })) as InstallResult;
    if (!r.ok) return { ok: false, refusals: [r.refusal] };
    return { ok: true, source: got.source, ...(got.url ? { url: got.url } : {}), stats: r.stats };
  }

  async outhash(node: TaskNode): Promise<string> {
    const req: OutHashRequest = {
      outputs: taskOutputs(node),
      pn: node.recipe.pn,
      pkgArch: pkgArchOf(node),
      task: node.task.name,
      extraSigData: this.settings.extraSigData,
      buildPaths: this.settings.buildPaths,
    };
    return (await this.pool.run(req, { name: "outHash" })) as string;
  }

  /** Archive a task's output as its object (unless one exists) and install it. */
  async package(node: TaskNode, taskhash: string, unihash: string, outhash: string | null): Promise<PackageResult> {
    const req: PackageRequest = {
      sstateDir: this.settings.sstateDir,
      pn: node.recipe.pn,
      pkgArch: pkgArchOf(node),
      task: node.task.name,
      taskId: `${node.recipe.pn}:${node.task.name}`,
      taskHash: taskhash,
      uniHash: unihash,
      outHash: outhash,
      outputs: taskOutputs(node),
      sourceDateEpoch: this.settings.sourceDateEpoch,
      signingKey: this.signingKey,
      manifest: this.manifest(node),
      stagingRoot: this.settings.staging,
      skipCreation: this.settings.skipCreation,
    };
    return (await this.pool.run(req, { name: "packageOutputs" })) as PackageResult;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** The worker threads that archive, restore and hash outputs (and write signature data), started on demand. */
function sstateWorkers(threads: number): Piscina {
  return new Piscina({
    filename: new URL("./sstate-worker.js", import.meta.url).href,
    minThreads: 0,
    maxThreads: Math.max(1, threads),
    idleTimeout: 30_000,
    atomics: "disabled",
  });
}

/** Workers that write signature data; separate from SharedState so `bake -S` needs no sstate set-up. */
export class SigDataWriter {
  private readonly pool: Piscina;

  constructor(threads: number) {
    this.pool = sstateWorkers(threads);
  }

  async write(req: SigDataRequest): Promise<string[]> {
    return (await this.pool.run(req, { name: "dumpSigData" })) as string[];
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

export type { SigDataRuntime };
