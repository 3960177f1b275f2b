// The worker threads that parse recipes (BitBake's parser processes). Each loads the configuration
// once (without history: nobody reads a worker's), then takes recipes from a queue it shares with
// the other workers and the main thread (an index in shared memory, so asking for work is not a
// message) and posts its results back in batches.
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { MetadataError, SyntaxTreeStore } from "../parse/index.js";
import { codeGeneration } from "./code-generation.js";
import { loadBuildConfiguration, type BuildConfiguration } from "./configuration.js";
import { journalAnswers, seedPython, takeAnswers, withPython, type PythonSeed } from "../python/index.js";
import type { InlineAnswers } from "./inline-answers.js";
import { parseRecipeFile } from "./parse-recipe.js";
import { entryOf, type CachedRecords, type RecipeEntry } from "./parse-cache.js";
import { summaryOf, type RecipeInfo, type RecipeSummary } from "./recipe-info.js";

export interface ParseRequest {
  readonly file: string;
  readonly appends: readonly string[];
  readonly layerPriority: number;
  /** With signature analysis (each task's basehash), which only builds read. */
  readonly signed: boolean;
}

/**
 * What the thread that settles responses (the main thread) needs of a parsed recipe: its records,
 * their summaries or only their counts (as ParseAllOptions.records says), and whether an entry for
 * the parse cache. Nothing else crosses the thread boundary.
 */
export interface ResponseNeeds {
  readonly records: CachedRecords;
  readonly entry: boolean;
}

/** A parsed recipe file, as ResponseNeeds asks for it. */
export interface ParsedFile {
  /** Its records (the recipe and its BBCLASSEXTEND variants) when asked for ("infos"), else empty. */
  readonly infos: readonly RecipeInfo[];
  /** Their summaries when asked for ("summaries"), else empty. */
  readonly summaries: readonly RecipeSummary[];
  readonly targets: number;
  readonly skipped: number;
  /** What its records warned about. */
  readonly warnings: readonly string[];
  /** Whether its records carry basehashes (the request's `signed`). */
  readonly signed: boolean;
  /** Its parse-cache entry when asked for and the recipe can be cached (see RecipeParseResult.cacheable). */
  readonly entry: RecipeEntry | null;
  /** With an entry: its `${@...}` results that may be kept between runs (inline-answers.ts), if any. */
  readonly answers: InlineAnswers | null;
}

export type ParseResponse =
  | { readonly ok: true; readonly parsed: ParsedFile }
  | { readonly ok: false; readonly file: string; readonly message: string; readonly kind: string };

/** What a parse worker is started with. */
export interface ParseWorkerData {
  readonly topdir: string;
  readonly vars: Readonly<Record<string, string>>;
  readonly requests: readonly ParseRequest[];
  /** One Int32: the index of the next request to take, shared by every thread that parses. */
  readonly next: SharedArrayBuffer;
  /** Where parsed files keep their syntax trees (see SyntaxTreeStore), or null. */
  readonly syntaxDir: string | null;
  /** The Python module compiled by the main thread (or its boot snapshot), so this worker need not. */
  readonly python?: PythonSeed;
  readonly needs: ResponseNeeds;
}

/** A worker's messages: results by request index, then "done" (or a failure to start at all). */
export type ParseWorkerMessage =
  | { readonly kind: "results"; readonly results: readonly (readonly [index: number, response: ParseResponse])[] }
  | { readonly kind: "done" }
  | { readonly kind: "failed"; readonly message: string };

/** Results are posted this many at a time (or sooner when the queue is empty): a message costs a structured clone. */
const BATCH = 32;

/** The next request index from the shared queue, or null when every request is taken. */
export function takeRequest(next: Int32Array, total: number): number | null {
  const i = Atomics.add(next, 0, 1);
  return i < total ? i : null;
}

/** One recipe on a configuration; failures become a response, as they must cross threads. */
export async function parseWith(config: BuildConfiguration, req: ParseRequest, needs: ResponseNeeds): Promise<ParseResponse> {
  try {
    // Noted only for a parse cache: they are kept beside it (inline-answers.ts).
    journalAnswers(needs.entry);
    let result;
    let noted;
    try {
      result = await withPython(() => parseRecipeFile(config.metadata, config.files, req.file, req.appends, req.layerPriority, req.signed, needs.entry));
    } finally {
      noted = takeAnswers();
      journalAnswers(false);
    }
    const infos = result.infos;
    return {
      ok: true,
      parsed: {
        infos: needs.records === "infos" ? infos : [],
        summaries: needs.records === "summaries" ? infos.map(summaryOf) : [],
        targets: infos.length,
        skipped: infos.filter((r) => r.skipped !== null).length,
        warnings: infos.flatMap((info) => info.warnings ?? []),
        signed: result.signed,
        entry: needs.entry && result.cacheable ? entryOf(result) : null,
        answers: needs.entry && noted.answers.length > 0 ? noted : null,
      },
    };
  } catch (err) {
    // Errors cross the thread boundary as text; MetadataError keeps its file:line:col and caret.
    const cause = err instanceof MetadataError ? err.format() : err instanceof Error ? err.message : String(err);
    const message = cause.startsWith(req.file) ? cause : `${req.file}: ${cause}`;
    return { ok: false, file: req.file, message, kind: err instanceof Error ? err.name : "Error" };
  }
}

async function work(data: ParseWorkerData, post: (m: ParseWorkerMessage) => void): Promise<void> {
  seedPython(data.python);
  let config: BuildConfiguration;
  try {
    config = await withPython(() => loadBuildConfiguration({ topdir: data.topdir, vars: data.vars, history: false }));
  } catch (err) {
    post({ kind: "failed", message: err instanceof MetadataError ? err.format() : err instanceof Error ? err.message : String(err) });
    return;
  }
  if (data.syntaxDir !== null) config.files.keepTreesIn(new SyntaxTreeStore(data.syntaxDir, codeGeneration()), false);
  const next = new Int32Array(data.next);
  let batch: [number, ParseResponse][] = [];
  for (let i = takeRequest(next, data.requests.length); i !== null; i = takeRequest(next, data.requests.length)) {
    batch.push([i, await parseWith(config, data.requests[i]!, data.needs)]);
    if (batch.length >= BATCH) {
      post({ kind: "results", results: batch });
      batch = [];
    }
  }
  if (batch.length > 0) post({ kind: "results", results: batch });
  post({ kind: "done" });
}

if (!isMainThread && parentPort !== null && (workerData as { parseWorker?: unknown } | null)?.parseWorker === true) {
  const port = parentPort;
  await work(workerData as ParseWorkerData, (m) => port.postMessage(m));
}
