// Parsing every recipe of a build: from the parse cache where its inputs are unchanged, otherwise in
// parallel in piscina workers (BitBake's cooker parser).
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { PYTHON_SOURCES, pythonSeed } from "../python/index.js";
import type { BuildConfiguration } from "./configuration.js";
import type { RecipeCollection } from "./collection.js";
import { ParseCache } from "./parse-cache.js";
import { parseWith, type ParseRequest, type ParseResponse } from "./parse-worker.js";
import type { RecipeInfo } from "./recipe-info.js";
import { RecipeParseFailures } from "./errors.js";

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
  readonly onProgress?: (p: ParseProgress) => void;
  /** Parse in this thread alone when at most this many recipes need parsing (default 24; 0: workers take part whenever threads > 1). */
  readonly inProcessLimit?: number;
}

export interface ParsedRecipes {
  readonly infos: readonly RecipeInfo[];
  readonly parsed: number;
  readonly cached: number;
}

/**
 * Identifies the code that produced cache entries: a changed evaluator must not trust entries
 * written by an older one. The compiled modules that shape RecipeInfo are hashed at start-up.
 */
function codeGeneration(vars: Readonly<Record<string, string>>): string {
  const lib = join(dirname(fileURLToPath(import.meta.url)), "..");
  const h = createHash("sha256");
  const hashDir = (dir: string, ext: string) => {
    for (const f of readdirSync(dir, { recursive: true, encoding: "utf8" }).sort()) {
      if (f.endsWith(ext)) h.update(f).update(readFileSync(join(dir, f)));
    }
  };
  for (const stage of ["parse", "data", "evaluate", "signature", "config", "python"]) hashDir(join(lib, stage), ".js");
  // The `bb` module and the bridge that parse-time Python runs.
  hashDir(PYTHON_SOURCES, ".py");
  h.update(JSON.stringify(Object.entries(vars).sort()));
  return h.digest("hex");
}

/**
 * Below this many recipes to parse, they are parsed in this thread: a worker pays for its start
 * and for loading the configuration again (about 0.3 s), which a few recipes do not repay.
 */
const IN_PROCESS_LIMIT = 24;

export async function parseAllRecipes(
  config: BuildConfiguration,
  collection: RecipeCollection,
  opts: ParseAllOptions,
): Promise<ParsedRecipes> {
  const cache = opts.cacheDir === null ? null : await ParseCache.open(opts.cacheDir, codeGeneration(opts.vars), config.metadata.files);
  const total = collection.recipes.length;
  const infos: RecipeInfo[][] = new Array(total);
  let done = 0;
  let cached = 0;
  const report = () => opts.onProgress?.({ total, done, cached });
  const appendsOf = (i: number) => collection.appends.get(collection.recipes[i]!.path) ?? [];
  try {
    const todo: number[] = [];
    const hits = cache ? await cache.getMany(collection.recipes.map((r, i) => [r.path, appendsOf(i)] as const)) : [];
    for (let i = 0; i < total; i++) {
      const hit = hits[i];
      if (hit) {
        infos[i] = [...hit];
        done++;
        cached++;
      } else {
        todo.push(i);
      }
    }
    report();
    const failures: string[] = [];
    const settle = async (i: number, res: ParseResponse) => {
      if (res.ok) {
        infos[i] = [...res.result.infos];
        await cache?.put(res.result, appendsOf(i));
      } else {
        failures.push(res.message);
      }
      done++;
      report();
    };
    const requestFor = (i: number): ParseRequest => ({
      topdir: config.topdir,
      vars: opts.vars,
      file: collection.recipes[i]!.path,
      appends: appendsOf(i),
      layerPriority: collection.recipes[i]!.priority,
    });
    // Recipes are handed out one at a time from a shared queue, so that a thread that is given
    // slow recipes (images, kernels) does not hold up the others.
    let next = 0;
    const take = (): number | undefined => (next < todo.length ? todo[next++] : undefined);
    const inThisThread = async () => {
      for (let i = take(); i !== undefined; i = take()) {
        await settle(i, await parseWith(config, requestFor(i)));
        // Lets the workers' results in between this thread's recipes.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    };
    const inProcess = todo.length <= (opts.inProcessLimit ?? IN_PROCESS_LIMIT);
    // This thread has the configuration loaded already, so it parses too, beside threads - 1
    // workers that each load it again (and start their own Python).
    const workers = inProcess ? 0 : Math.min(Math.max(0, opts.threads - 1), todo.length);
    if (todo.length > 0 && workers === 0) {
      await inThisThread();
    } else if (todo.length > 0) {
      const pool = new Piscina<ParseRequest, ParseResponse>({
        filename: new URL("./parse-worker.js", import.meta.url).href,
        maxThreads: workers,
        minThreads: workers,
        idleTimeout: 1000,
        // Workers start their Python (when the layers need it) from this thread's compiled module and boot snapshot.
        workerData: { python: pythonSeed() },
      });
      const inWorker = async () => {
        for (let i = take(); i !== undefined; i = take()) await settle(i, await pool.run(requestFor(i)));
      };
      try {
        await Promise.all([...Array.from({ length: workers }, inWorker), inThisThread()]);
      } finally {
        await pool.destroy();
      }
    }
    if (failures.length > 0) throw new RecipeParseFailures(failures.sort());
    return { infos: infos.flat(), parsed: todo.length, cached };
  } finally {
    await cache?.close();
  }
}
