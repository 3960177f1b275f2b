// Signature data (BitBake's sigdata/siginfo files): everything a task's taskhash was computed
// from, written when the task runs (and for every task by `bake -S`), so that `bake diffsigs`
// can say later which variable, file or dependency made two signatures differ.
//
// The file is `${STAMP}.${task}.sigdata.${unihash}` beside the stamps, as BitBake names it; its
// content is bake's own versioned JSON (BitBake's is zstd-compressed Python-flavoured JSON).
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { lazySchema } from "../common/schema.js";
import { BakeError } from "../common/errors.js";
import { baseHashInput, computeBaseHash } from "./basehash.js";
import type { TaskDependencies } from "./taskdeps.js";
import { closureDigest, computeTaskHash, type FileChecksum, type TaskHashInput } from "./taskhash.js";

/** 2: `closure` holds a `[hashclosure]` task's closure members (in format 1 they were in runtaskdeps). */
export const SIGDATA_FORMAT = 2;

export interface SigDataDep {
  /** `pn:do_task`. */
  readonly task: string;
  readonly unihash: string;
  /** Where that task's own signature data is expected (for diffsigs to follow the chain). */
  readonly sigdata: string | null;
}

export interface SigData {
  readonly format: 1 | typeof SIGDATA_FORMAT;
  readonly pn: string;
  readonly task: string;
  readonly basehash: string;
  /** The task's own value for hashing (its code). */
  readonly code: string | null;
  /** Each variable or function the task depends on, with its value for hashing, sorted by name. */
  readonly values: readonly (readonly [string, string | null])[];
  /** Direct dependencies of the task and of each dependency (BitBake's gendeps). */
  readonly direct: Readonly<Record<string, readonly string[]>>;
  readonly runtaskdeps: readonly SigDataDep[];
  /** The tasks of a `[hashclosure]` task's closure, hashed as one closureDigest. */
  readonly closure: readonly SigDataDep[];
  readonly files: readonly FileChecksum[];
  readonly taint: string | null;
  readonly taskhash: string;
  readonly unihash: string;
}

const Schema = lazySchema((z) =>
  z.object({
    format: z.union([z.literal(1), z.literal(SIGDATA_FORMAT)]),
    pn: z.string(),
    task: z.string(),
    basehash: z.string(),
    code: z.string().nullable(),
    values: z.array(z.tuple([z.string(), z.string().nullable()])),
    direct: z.record(z.string(), z.array(z.string())),
    runtaskdeps: z.array(z.object({ task: z.string(), unihash: z.string(), sigdata: z.string().nullable() })),
    closure: z.array(z.object({ task: z.string(), unihash: z.string(), sigdata: z.string().nullable() })).default([]),
    files: z.array(z.object({ name: z.string(), sha256: z.string() })),
    taint: z.string().nullable(),
    taskhash: z.string(),
    unihash: z.string(),
  }),
);

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    sigdata: SigDataError;
  }
}

export class SigDataError extends BakeError {
  readonly kind = "sigdata" as const;
  constructor(readonly path: string, detail: string) {
    super(`${path}: not bake signature data: ${detail}`, { location: { file: path } });
    this.name = "SigDataError";
  }
}

export interface SigDataRuntime {
  readonly pn: string;
  readonly runtaskdeps: readonly SigDataDep[];
  readonly closure: readonly SigDataDep[];
  readonly files: readonly FileChecksum[];
  readonly taint: string | null;
  readonly unihash: string;
}

/** The signature data of one task, from its dependency analysis and what the build knew of it. */
export function makeSigData(deps: TaskDependencies, run: SigDataRuntime): SigData {
  const input = baseHashInput(deps);
  const basehash = computeBaseHash(deps);
  const hashInput: TaskHashInput = {
    basehash,
    deps: run.runtaskdeps.map((d) => ({ task: d.task, unihash: d.unihash })),
    files: run.files,
    taint: run.taint,
    closure: closureDigest(run.closure.map((d) => ({ task: d.task, unihash: d.unihash }))),
  };
  return {
    format: SIGDATA_FORMAT,
    pn: run.pn,
    task: deps.task,
    basehash,
    code: input.code,
    values: input.deps,
    direct: Object.fromEntries([...deps.direct].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    runtaskdeps: [...run.runtaskdeps].sort((a, b) => (a.task < b.task ? -1 : a.task > b.task ? 1 : 0)),
    closure: [...run.closure].sort((a, b) => (a.task < b.task ? -1 : a.task > b.task ? 1 : 0)),
    files: run.files,
    taint: run.taint,
    taskhash: computeTaskHash(hashInput),
    unihash: run.unihash,
  };
}

export function sigDataPath(stampBase: string, task: string, unihash: string): string {
  return `${stampBase}.${task}.sigdata.${unihash}`;
}

/** Written under a dot name, then renamed: a reader never sees half a file. */
export function writeSigData(path: string, data: SigData): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  try {
    writeFileSync(temp, `${JSON.stringify(data, null, 1)}\n`);
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}

export function readSigData(path: string): SigData {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new SigDataError(path, (e as Error).message);
  }
  const r = Schema().safeParse(json);
  if (!r.success) throw new SigDataError(path, r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  return r.data as SigData;
}

/** The signature data files of one task, newest first (BitBake's find_siginfo for a stamp base). */
export function findSigData(stampBase: string, task: string): string[] {
  const dir = dirname(stampBase);
  const prefix = `${basename(stampBase)}.${task}.sigdata.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(prefix))
    .map((n) => join(dir, n))
    .map((p) => ({ p, t: statSync(p).mtimeMs }))
    .sort((a, b) => b.t - a.t || (a.p < b.p ? -1 : 1))
    .map((x) => x.p);
}
