// Parsing every recipe of a build: from the parse cache where its inputs are unchanged, otherwise in
// parallel (BitBake's cooker parser): this thread and worker threads take recipes from one shared
// queue, the workers post their results in batches.
import { createHash } from "node:crypto";
import { join } from "node:path";
import { codeGeneration } from "./code-generation.js";
import type { BuildConfiguration } from "./configuration.js";
import type { RecipeCollection } from "./collection.js";
import { FileHashes, ParseCache, type CachedRecords } from "./parse-cache.js";
import type { ParsedFile, ParseRequest, ParseResponse, ParseWorkerData, ParseWorkerMessage, ResponseNeeds } from "./parse-worker.js";
import type { RecipeInfo, RecipeSummary } from "./recipe-info.js";
import { RecipeParseFailures } from "./errors.js";
import { optimiseJavaScript } from "../common/js-tiers.js";

export interface ParseProgress {
  readonly total: number;
  readonly done: number;
  readonly cached: number;
}

export interface ParseAllOptions {
  /** Variables from the environment, part of the configuration (and of the cache key). */
  readonly vars: Readonly<Record<string, string>>;
  readonly threads: number;
  /** LevelDB directory of the parse cache, or null for none. */
  readonly cacheDir: string | null;
  /** Where the files parsed now keep their syntax trees for later runs (see SyntaxTreeStore), or null. */
  readonly syntaxDir?: string | null;
  readonly onProgress?: (p: ParseProgress) => void;
  /** Parse in this thread only when at most this many recipes need parsing (default 24); 0: only in workers. */
  readonly inProcessLimit?: number;
  /**
   * When this thread parses too, start the workers only once what is left would cost it more than
   * this many milliseconds alone (see LATE_WORKER_MS, signRecipes' default); unset: at once.
   */
  readonly lateWorkers?: number;
  /**
   * What is read of cached recipes: their records ("infos", the default), their summaries (enough
   * to choose a provider: `-e RECIPE`) or only their counts (`bake -p`).
   */
  readonly records?: CachedRecords;
  /**
   * Which records must carry their tasks' basehashes (signature analysis, a third of a parse):
   * "all" (the default), "none" (commands that read no signature: a cached record is taken signed
   * or not, a recipe parsed now is parsed without), or "parsed" (a build: the recipes parsed now
   * are signed, a cached record is taken either way, and signRecipes signs those the build uses).
   */
  readonly signatures?: Signatures;
  /**
   * The stamps and hashes of files as this run saw them, shared by the parse and a later
   * signRecipes: the signing pass checks the manifest again without a stat of every input.
   */
  readonly hashes?: FileHashes;
}

export type Signatures = "all" | "parsed" | "none";

export interface ParsedRecipes {
  /** Every record (empty unless `records` is "infos"). */
  readonly infos: readonly RecipeInfo[];
  /** Every record's summary (empty when `records` is "counts"; the records themselves with "infos"). */
  readonly summaries: readonly RecipeSummary[];
  readonly parsed: number;
  readonly cached: number;
  /**
   * What the recipes parsed in this run (not taken from the cache) warned about, as `FILE: text`,
   * each once per file: BitBake says these while parsing, its UI naming the file a parser process read.
   */
  readonly parseWarnings: readonly string[];
  /** Records (recipes and their BBCLASSEXTEND variants), and how many are skipped. */
  readonly targets: number;
  readonly skipped: number;
  /** The recipe files at least one of whose records (the recipe or a variant) is not skipped: BitBake's pkg_fn, as files. */
  readonly targetFiles: ReadonlySet<string>;
  /** The recipe files whose records carry no basehashes (always empty with `signatures` "all"). */
  readonly unsigned: ReadonlySet<string>;
}

/** Identifies what produced cache entries: bake's code and the environment variables of the configuration. */
function cacheGeneration(vars: Readonly<Record<string, string>>): string {
  return createHash("sha256").update(codeGeneration()).update(JSON.stringify(Object.entries(vars).sort())).digest("hex");
}

/**
 * The parse cache's directory (`cacheRoot`/parse, cacheRoot being the configuration's CACHE) and
 * the generation of its entries for `config` and `vars`: what the `${@...}` results kept beside it
 * (inline-answers.ts) are read and written with.
 */
export function parseCacheOf(config: BuildConfiguration, cacheRoot: string, vars: Readonly<Record<string, string>>): { readonly dir: string; readonly generation: string } {
  return { dir: join(cacheRoot, "parse"), generation: ParseCache.generationOf(cacheGeneration(vars), config.inputs) };
}

/**
 * Below this many recipes to parse, they are parsed in this thread only: a worker pays for its
 * start and for loading the configuration again (about 0.3 s), which a few recipes do not repay.
 */
const IN_PROCESS_LIMIT = 24;

/**
 * The signing pass of a build after `-p` (signRecipes) parses in this thread alone at first, and
 * starts its workers only once this thread has spent LATE_MIN_MS of processor time on it and what
 * is left would cost it more than this many milliseconds at the pace of its last LATE_WINDOW
 * recipes. This thread has read the cache and parsed nothing, so a worker is as cold as it (its
 * first recipes cost several times its later ones) and pays for its start and configuration too
 * (about 1 s of processor time on the corpus). On the 2,000-recipe corpus a graph of 82 recipes
 * (about 1.2 s here) is signed in this thread alone; oe-core's recipes cost about 60 ms each, and
 * its core-image-minimal (259 recipes) gets its worker about a second later than a parse would.
 */
export const LATE_WORKER_MS = 2000;

/** What this thread spends alone before it may start the workers (see LATE_WORKER_MS). */
const LATE_MIN_MS = 1000;

/** How many of this thread's last recipes give the pace LATE_WORKER_MS is measured at. */
const LATE_WINDOW = 8;

/**
 * Whether to start the workers now (see LATE_WORKER_MS): `spentMs` of processor time spent by
 * this thread so far, `msPerRecipe` at its recent pace, `remaining` recipes not yet taken.
 */
export function lateWorkersPay(spentMs: number, msPerRecipe: number, remaining: number, budgetMs: number = LATE_WORKER_MS): boolean {
  return spentMs >= LATE_MIN_MS && msPerRecipe * remaining > budgetMs;
}

/** A worker is started for every this many recipes to parse, up to the thread count. */
const RECIPES_PER_WORKER = 64;

/** This thread lets the workers' messages in after every this many recipes it parses itself. */
const YIELD_EVERY = 8;

export async function parseAllRecipes(
  config: BuildConfiguration,
  collection: RecipeCollection,
  opts: ParseAllOptions,
): Promise<ParsedRecipes> {
  const cache = opts.cacheDir === null ? null : ParseCache.open(opts.cacheDir, cacheGeneration(opts.vars), config.inputs, opts.hashes ?? new FileHashes());
  const total = collection.recipes.length;
  const records = opts.records ?? "infos";
  const signatures = opts.signatures ?? "all";
  const infos: RecipeInfo[][] = new Array(total);
  const summaries: RecipeSummary[][] = new Array(total);
  const unsigned = new Set<string>();
  const targetFiles = new Set<string>();
  let done = 0;
  let cached = 0;
  let targets = 0;
  let skipped = 0;
  // Warnings of the recipes parsed now, kept even when the records are not (-p): BitBake says them while parsing.
  const warningsOf = new Map<number, string[]>();
  const report = () => opts.onProgress?.({ total, done, cached });
  const appendsOf = (i: number) => collection.appends.get(collection.recipes[i]!.path) ?? [];
  try {
    const todo: number[] = [];
    const hits = cache ? await cache.getMany(collection.recipes.map((r, i) => [r.path, appendsOf(i)] as const), records) : [];
    for (let i = 0; i < total; i++) {
      const hit = hits[i];
      // An unsigned entry serves all but a parse that must sign everything.
      if (hit && (hit.signed || signatures !== "all")) {
        // With "infos" the records are RecipeInfo, and serve as their own summaries.
        infos[i] = records === "infos" ? [...(hit.records as readonly RecipeInfo[])] : [];
        summaries[i] = [...hit.records];
        if (!hit.signed) unsigned.add(collection.recipes[i]!.path);
        targets += hit.targets;
        skipped += hit.skipped;
        if (hit.skipped < hit.targets) targetFiles.add(collection.recipes[i]!.path);
        done++;
        cached++;
      } else {
        todo.push(i);
      }
    }
    report();
    const signed = signatures !== "none";
    await parseSome(config, collection, todo, signed, cache, opts, (i, parsed) => {
      infos[i] = [...parsed.infos];
      summaries[i] = records === "infos" ? infos[i]! : [...parsed.summaries];
      if (!parsed.signed) unsigned.add(collection.recipes[i]!.path);
      warningsOf.set(i, [...parsed.warnings]);
      targets += parsed.targets;
      skipped += parsed.skipped;
      if (parsed.skipped < parsed.targets) targetFiles.add(collection.recipes[i]!.path);
      done++;
      report();
    });
    return {
      infos: infos.flat(),
      summaries: summaries.flat(),
      parsed: todo.length,
      cached,
      targets,
      skipped,
      targetFiles,
      parseWarnings: [...new Set(todo.flatMap((i) => (warningsOf.get(i) ?? []).map((w) => `${collection.recipes[i]!.path}: ${w}`)))],
      unsigned,
    };
  } finally {
    await cache?.close();
  }
}

/**
 * `parsed` (a parse with `signatures` "parsed", `records` "infos") with the recipes of `files`
 * parsed again with signature analysis, in place: a build calls this with the recipes of its task
 * graph whose cached records were made without (by `bake -p`, `-g`…). Their parse-cache entries
 * and the manifest are updated; the other recipes are neither parsed nor read.
 */
export async function signRecipes(
  config: BuildConfiguration,
  collection: RecipeCollection,
  parsed: ParsedRecipes,
  files: ReadonlySet<string>,
  opts: ParseAllOptions,
): Promise<ParsedRecipes> {
  const todo = collection.recipes.flatMap((r, i) => (files.has(r.path) && parsed.unsigned.has(r.path) ? [i] : []));
  if (todo.length === 0) return parsed;
  const cache = opts.cacheDir === null ? null : ParseCache.open(opts.cacheDir, cacheGeneration(opts.vars), config.inputs, opts.hashes ?? new FileHashes());
  const appendsOf = (i: number) => collection.appends.get(collection.recipes[i]!.path) ?? [];
  const signedOf = new Map<string, RecipeInfo[]>();
  const warnings: string[] = [];
  let done = 0;
  try {
    // Only what the manifest needs to be written again once these entries change (the entries' counts).
    await cache?.getMany(collection.recipes.map((r, i) => [r.path, appendsOf(i)] as const), "counts");
    opts.onProgress?.({ total: todo.length, done, cached: 0 });
    await parseSome(config, collection, todo, true, cache, { ...opts, records: "infos", lateWorkers: opts.lateWorkers ?? LATE_WORKER_MS }, (i, res) => {
      signedOf.set(collection.recipes[i]!.path, [...res.infos]);
      warnings.push(...res.warnings.map((w) => `${collection.recipes[i]!.path}: ${w}`));
      opts.onProgress?.({ total: todo.length, done: ++done, cached: 0 });
    });
  } finally {
    await cache?.close();
  }
  // In the same order (which recipe comes first decides ties between providers).
  const infos: RecipeInfo[] = [];
  for (const info of parsed.infos) {
    const signed = signedOf.get(info.file);
    if (signed === undefined) infos.push(info);
    else if (signed.length > 0) {
      infos.push(...signed);
      signed.length = 0;
    }
  }
  const unsigned = new Set([...parsed.unsigned].filter((f) => !signedOf.has(f)));
  return { ...parsed, infos, summaries: infos, unsigned, parseWarnings: [...new Set([...parsed.parseWarnings, ...warnings])] };
}

/**
 * Parses the recipes `todo` (indexes into the collection), `signed` or not, in this thread and in
 * workers as their number warrants; each result goes to `settle` and, when it can be cached, to
 * the cache. Failures are thrown together once all are parsed.
 */
async function parseSome(
  config: BuildConfiguration,
  collection: RecipeCollection,
  todo: readonly number[],
  signed: boolean,
  cache: ParseCache | null,
  opts: ParseAllOptions,
  settle: (index: number, parsed: ParsedFile) => void,
): Promise<void> {
  const appendsOf = (i: number) => collection.appends.get(collection.recipes[i]!.path) ?? [];
  const failures: string[] = [];
  const settleResponse = async (i: number, res: ParseResponse) => {
    if (res.ok) {
      settle(i, res.parsed);
      if (res.parsed.entry !== null) await cache?.put(collection.recipes[i]!.path, appendsOf(i), res.parsed.entry);
      if (res.parsed.answers !== null) cache?.noteAnswers(res.parsed.answers);
    } else {
      failures.push(res.message);
    }
  };
  const requests = todo.map(
    (i): ParseRequest => ({ file: collection.recipes[i]!.path, appends: appendsOf(i), layerPriority: collection.recipes[i]!.priority, signed }),
  );
  // Recipes to parse (a cold or stale cache under `-e`, say): V8's optimising compiler pays for
  // itself here, in this thread and in the workers, which take the process's flags.
  if (requests.length > 0) optimiseJavaScript();
  const { here, workers } = parseThreads(requests.length, opts.threads, opts.inProcessLimit ?? IN_PROCESS_LIMIT);
  const syntaxDir = opts.syntaxDir ?? null;
  if (syntaxDir !== null && requests.length > 0) {
    const { SyntaxTreeStore } = await import("../parse/syntax-store.js");
    config.files.keepTreesIn(new SyntaxTreeStore(syntaxDir, codeGeneration(), true), false);
  }
  const needs: ResponseNeeds = { records: opts.records ?? "infos", entry: cache !== null };
  const late = here && workers > 0 && opts.lateWorkers !== undefined ? opts.lateWorkers : null;
  await parseShared(config, requests, { here, workers, late, vars: opts.vars, syntaxDir, needs }, (k, res) => settleResponse(todo[k]!, res));
  if (failures.length > 0) throw new RecipeParseFailures(failures.sort());
}

/**
 * Where `count` recipes are parsed: in this thread (`here`, unless `inProcessLimit` is 0) and in
 * how many workers (none up to `inProcessLimit` recipes, else one per RECIPES_PER_WORKER up to
 * the thread count); the workers may start late (ParseAllOptions.lateWorkers).
 */
export function parseThreads(count: number, threads: number, inProcessLimit: number = IN_PROCESS_LIMIT): { readonly here: boolean; readonly workers: number } {
  const here = inProcessLimit > 0;
  const workers = count <= inProcessLimit ? 0 : Math.max(here ? 0 : 1, Math.min(threads - (here ? 1 : 0), Math.floor(count / RECIPES_PER_WORKER)));
  return { here, workers };
}

/**
 * Parse `requests` in `workers` worker threads and, when `here`, in this thread too, all taking
 * from one queue; `settle` gets each response (in this thread, in the order they arrive).
 */
async function parseShared(
  config: BuildConfiguration,
  requests: readonly ParseRequest[],
  how: {
    readonly here: boolean;
    readonly workers: number;
    /** Start the workers only once this thread's work left exceeds this many ms (see LATE_WORKER_MS); null: at once. */
    readonly late: number | null;
    readonly vars: Readonly<Record<string, string>>;
    readonly syntaxDir: string | null;
    readonly needs: ResponseNeeds;
  },
  settle: (index: number, res: ParseResponse) => Promise<void>,
): Promise<void> {
  if (requests.length === 0) return;
  // Only now: the parsing half (signature analysis and its parsers, Python) is of no use to a run served by the cache.
  const [{ parseWith, takeRequest }, { Worker }, { loadPython, pythonSeed }] = await Promise.all([import("./parse-worker.js"), import("node:worker_threads"), import("../python/index.js")]);
  // A kept configuration whose values run Python has not started this thread's interpreter: started
  // now, before the workers, so that they start theirs from its compiled module and boot snapshot
  // (each would compile CPython's WebAssembly itself).
  if (config.keptPython === true && how.workers > 0 && how.late === null) await loadPython();
  const next = new SharedArrayBuffer(4);
  const queue = new Int32Array(next);
  // Responses are settled one at a time, in arrival order, whoever produced them.
  let settling: Promise<void> = Promise.resolve();
  const deliver = (index: number, res: ParseResponse) => {
    settling = settling.then(() => settle(index, res));
  };
  const finished: Promise<void>[] = [];
  const startWorkers = async () => {
    if (how.late !== null && config.keptPython === true) await loadPython();
    // Workers start their Python (when the layers need it) from this thread's compiled module and boot snapshot.
    const python = pythonSeed();
    const data: ParseWorkerData & { parseWorker: true } = {
      parseWorker: true,
      topdir: config.topdir,
      vars: how.vars,
      requests,
      next,
      syntaxDir: how.syntaxDir,
      needs: how.needs,
      ...(python ? { python } : {}),
    };
    for (let k = 0; k < how.workers; k++) finished.push(runWorker(Worker, data, deliver));
  };
  // Late workers: this thread's processor time for each of its last LATE_WINDOW recipes, and in all.
  let pace: number[] | null = null;
  let spent = 0;
  if (how.late === null) await startWorkers();
  else pace = [];
  if (how.here) {
    let since = 0;
    for (let i = takeRequest(queue, requests.length); i !== null; i = takeRequest(queue, requests.length)) {
      const before = pace === null ? null : process.cpuUsage();
      deliver(i, await parseWith(config, requests[i]!, how.needs));
      if (pace !== null && before !== null) {
        const used = process.cpuUsage(before);
        const ms = (used.user + used.system) / 1000;
        spent += ms;
        pace.push(ms);
        if (pace.length > LATE_WINDOW) pace.shift();
        const remaining = requests.length - Math.min(requests.length, Atomics.load(queue, 0));
        if (remaining === 0) pace = null;
        else if (pace.length === LATE_WINDOW && lateWorkersPay(spent, pace.reduce((a, b) => a + b, 0) / LATE_WINDOW, remaining, how.late!)) {
          pace = null;
          await startWorkers();
        }
      }
      if (++since >= YIELD_EVERY) {
        since = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }
  await Promise.all(finished);
  await settling;
}

/** One parse worker, to its end; its results go to `deliver` as they come. */
function runWorker(Worker: typeof import("node:worker_threads").Worker, data: ParseWorkerData, deliver: (index: number, res: ParseResponse) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./parse-worker.js", import.meta.url), { workerData: data });
    let failure: Error | null = null;
    let done = false;
    worker.on("message", (m: ParseWorkerMessage) => {
      if (m.kind === "results") for (const [i, res] of m.results) deliver(i, res);
      else if (m.kind === "failed") failure = new Error(`a parse worker could not load the configuration: ${m.message}`);
      else {
        // Every result came before "done" (one port, in order): the thread's end (its heap freed,
        // tens of milliseconds) is not waited for, so the parse cache is written meanwhile.
        done = true;
        void worker.terminate();
        resolve();
      }
    });
    worker.on("error", (err) => (failure ??= err));
    worker.on("exit", () => {
      if (!done) (failure ? reject(failure) : resolve());
    });
  });
}
