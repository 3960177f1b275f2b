// A build's sstate objects: which exist (locally or on a mirror), the unihashes equivalence
// records give, restoring one (fetched, verified, installed) and capturing a task's output as one.
// The file work (outhash, packaging, installing, signature data) runs in the shared-state workers.
import { join } from "node:path";
import { WorkerPool } from "../common/worker-pool.js";
import type { TaskId, TaskNode } from "../graph/types.js";
import {
  checkAvailability,
  fetchSstateObject,
  findEquivalences,
  equivalenceRelPath,
  objectRelPath,
  parseSstateMirrors,
  type Refusal,
  type RestoreStats,
  type SstateObjectId,
  type StoreOptions,
  type TrustPolicy,
} from "../sstate/index.js";
import { asOutHash, ownUnihash, type OutHash, type TaskHash, type UniHash } from "../common/hashes.js";
import { resolveSigningKey, trustPolicyOf, type SstateSettings } from "./settings.js";
import { pkgArchOf, taskOutputs } from "./sstate-tasks.js";
import type { InstallRequest, InstallResult, OutHashRequest, PackageRequest, PackageResult, SigDataRequest } from "./sstate-worker.js";

export type Availability = "local" | "mirror" | "missing";

export type RestoreOutcome =
  | { readonly ok: true; readonly source: "local" | "mirror"; readonly url?: string; readonly stats: RestoreStats }
  | { readonly ok: false; readonly refusals: readonly Refusal[] };

export class SstateObjects {
  private readonly pool: WorkerPool;
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
      mirrors: parseSstateMirrors(settings.mirrors, warn),
      onWarning: (w) => warn(`sstate mirror ${w.mirror}: ${w.url}: ${w.message}`),
    };
    this.pool = sstateWorkers(threads);
  }

  objectId(node: TaskNode, unihash: UniHash): SstateObjectId {
    return { pn: node.recipe.pn, pkgArch: pkgArchOf(node), task: node.task.name, uniHash: unihash };
  }

  /** Which objects exist, locally or on a mirror (existence only: restore verifies). */
  async availability(items: readonly { readonly node: TaskNode; readonly unihash: UniHash }[]): Promise<Map<TaskId, Availability>> {
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
  async equivalences(items: readonly { readonly node: TaskNode; readonly taskhash: TaskHash }[]): Promise<Map<TaskId, UniHash>> {
    const ids = items.map(({ node, taskhash }) => ({
      pn: node.recipe.pn,
      pkgArch: pkgArchOf(node),
      task: node.task.name,
      taskHash: taskhash,
      ownObject: this.objectId(node, ownUnihash(taskhash)),
    }));
    const found = await findEquivalences(ids, this.trust, this.store, (r) => this.warn(`sstate equivalence record refused (${r.reason}): ${r.object}: ${r.detail}`));
    const out = new Map<TaskId, UniHash>();
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
  async restore(node: TaskNode, unihash: UniHash): Promise<RestoreOutcome> {
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

  async outhash(node: TaskNode): Promise<OutHash> {
    const req: OutHashRequest = {
      outputs: taskOutputs(node),
      pn: node.recipe.pn,
      pkgArch: pkgArchOf(node),
      task: node.task.name,
      extraSigData: this.settings.extraSigData,
      buildPaths: this.settings.buildPaths,
    };
    return asOutHash((await this.pool.run(req, { name: "outHash" })) as string);
  }

  /** Archive a task's output as its object (unless one exists) and install it. */
  async package(node: TaskNode, taskhash: TaskHash, unihash: UniHash, outhash: OutHash | null): Promise<PackageResult> {
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
function sstateWorkers(threads: number): WorkerPool {
  return new WorkerPool({
    filename: new URL("./sstate-worker.js", import.meta.url).href,
    minThreads: 0,
    maxThreads: Math.max(1, threads),
    idleTimeout: 30_000,
    atomics: "disabled",
  });
}

/** Workers that write signature data; separate from SstateObjects so `bake -S` needs no sstate set-up. */
export class SigDataWriter {
  private readonly pool: WorkerPool;

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
