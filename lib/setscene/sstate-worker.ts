// The shared-state worker (piscina): the work around sstate tasks that reads or writes many files
// and must not stall the main thread's scheduler: the outhash of a task's output, packaging it as
// a signed object, installing an object's output, and writing signature data (which needs the
// recipe parsed again, to know the values its signature was made of).
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { WorkerCache, type RecipeRequest } from "../config/index.js";
import { withPython } from "../python/index.js";
import {
  archiveRefusal,
  ArchiveError,
  computeOutHash,
  createArchive,
  loadSigningKey,
  METADATA_SUFFIX,
  objectRelPath,
  sstatePkgSpec,
  writeEquivalence,
  writeSstateObject,
  equivalenceRelPath,
  type Refusal,
  type RestoreStats,
  type SigningKey,
} from "../sstate/index.js";
import { asOutHash, asTaskHash, asUniHash } from "../common/hashes.js";
import { makeSigData, taskDependencies, writeSigData, type SigDataRuntime } from "../signature/index.js";
import { installObject, type OutputSpec } from "./install.js";

export interface OutHashRequest {
  readonly outputs: readonly OutputSpec[];
  readonly pn: string;
  readonly pkgArch: string;
  readonly task: string;
  readonly extraSigData: string;
  /** Build paths replaced in symlink targets (so two build directories agree). */
  readonly buildPaths: readonly string[];
}

export async function outHash(req: OutHashRequest): Promise<string> {
  return computeOutHash(
    req.outputs.map((o) => ({ name: o.name, dir: o.input })),
    { pkgSpec: sstatePkgSpec(req.pn, req.pkgArch), task: req.task, extraSigData: req.extraSigData, buildPaths: req.buildPaths },
  );
}

export interface PackageRequest {
  readonly sstateDir: string;
  readonly pn: string;
  readonly pkgArch: string;
  readonly task: string;
  readonly taskId: string;
  readonly taskHash: string;
  readonly uniHash: string;
  readonly outHash: string | null;
  readonly outputs: readonly OutputSpec[];
  readonly sourceDateEpoch: number;
  readonly signingKey: string | null;
  readonly manifest: string;
  readonly stagingRoot: string;
  /** SSTATE_SKIP_CREATION: install the output without keeping an object. */
  readonly skipCreation: boolean;
}

export interface PackageResult {
  /** The object written, or null when one existed already (or creation is skipped). */
  readonly written: string | null;
  readonly stats: RestoreStats;
}

const keys = new Map<string, SigningKey>();

function signingKey(path: string | null): SigningKey | undefined {
  if (path === null) return undefined;
  let k = keys.get(path);
  if (!k) keys.set(path, (k = loadSigningKey(path)));
  return k;
}

/**
 * After an sstate task ran: archive what it wrote (its input directories) as the object named by
 * its unihash, unless that object exists already (an equivalent output was stored before), then
 * install the archive's content into the published directories.
 */
export async function packageOutputs(req: PackageRequest): Promise<PackageResult> {
  const sources = req.outputs.map((o) => ({ name: o.name, dir: o.input }));
  for (const s of sources) mkdirSync(s.dir, { recursive: true });
  const id = { pn: req.pn, pkgArch: req.pkgArch, task: req.task, uniHash: asUniHash(req.uniHash) };
  const archivePath = join(req.sstateDir, objectRelPath(id));
  // Filed under an earlier equivalent unihash: say so beside the objects, for builds whose
  // hash-equivalence server has never heard of this taskhash.
  if (!req.skipCreation && req.uniHash !== req.taskHash && req.outHash !== null) {
    const eq = { pn: req.pn, pkgArch: req.pkgArch, task: req.task, taskHash: asTaskHash(req.taskHash), uniHash: id.uniHash, outHash: asOutHash(req.outHash) };
    if (!existsSync(join(req.sstateDir, equivalenceRelPath(eq)))) writeEquivalence(req.sstateDir, eq, signingKey(req.signingKey));
  }
  if (!req.skipCreation && !existsSync(archivePath + METADATA_SUFFIX)) {
    const object = await writeSstateObject({
      sstateDir: req.sstateDir,
      id,
      taskId: req.taskId,
      taskHash: asTaskHash(req.taskHash),
      outHash: req.outHash === null ? null : asOutHash(req.outHash),
      outputs: sources,
      sourceDateEpoch: req.sourceDateEpoch,
      ...(req.signingKey === null ? {} : { signingKey: signingKey(req.signingKey)! }),
    });
    const stats = await installObject(object.archivePath, req.outputs, req.manifest, req.stagingRoot);
    return { written: object.archivePath, stats };
  }
  // The same archive as an object would hold, kept only long enough to install from it.
  mkdirSync(req.stagingRoot, { recursive: true });
  const temp = join(req.stagingRoot, `package-${randomUUID()}.tar.zst`);
  try {
    await createArchive(sources, temp, { sourceDateEpoch: req.sourceDateEpoch });
    const stats = await installObject(temp, req.outputs, req.manifest, req.stagingRoot);
    return { written: null, stats };
  } finally {
    rmSync(temp, { force: true });
  }
}

export interface InstallRequest {
  readonly archivePath: string;
  readonly outputs: readonly OutputSpec[];
  readonly manifest: string;
  readonly stagingRoot: string;
}

export type InstallResult = { readonly ok: true; readonly stats: RestoreStats } | { readonly ok: false; readonly refusal: Refusal };

/**
 * setscene: install a verified object's output without running the task. A refused archive is a
 * result, not an error, so its reason survives the trip out of the worker.
 */
export async function install(req: InstallRequest): Promise<InstallResult> {
  try {
    return { ok: true, stats: await installObject(req.archivePath, req.outputs, req.manifest, req.stagingRoot) };
  } catch (e) {
    if (e instanceof ArchiveError && e.reason !== "bad-input") return { ok: false, refusal: archiveRefusal(e, req.archivePath) };
    throw e;
  }
}

// ---- signature data ---------------------------------------------------------------------------

export interface SigDataRequest extends RecipeRequest {
  readonly tasks: readonly { readonly task: string; readonly path: string; readonly runtime: SigDataRuntime }[];
}

// Signature data is written a recipe at a time: the last few are enough.
const cache = new WorkerCache(4);

/** Writes the signature data of some tasks of one recipe; returns the basehash each was found to have. */
export async function dumpSigData(req: SigDataRequest): Promise<string[]> {
  const d = (await withPython(() => cache.recipe(req))).metadata.d;
  const deps = taskDependencies(d, req.tasks.map((t) => t.task));
  return req.tasks.map((t) => {
    const data = makeSigData(deps.get(t.task)!, t.runtime);
    writeSigData(t.path, data);
    return data.basehash;
  });
}
