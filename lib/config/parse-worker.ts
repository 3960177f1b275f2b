// The piscina worker that parses recipes. A worker keeps the configuration it loaded for a given
// build directory and set of environment variables, so only the first recipe it parses pays for it.
import { workerData } from "piscina";
import { MetadataError } from "../parse/index.js";
import type { BuildConfiguration } from "./configuration.js";
import { seedPython, withPython, type PythonSeed } from "../python/index.js";
import { parseRecipeFile, type RecipeParseResult } from "./parse-recipe.js";
import { WorkerCache } from "./worker-cache.js";

export interface ParseRequest {
  readonly topdir: string;
  readonly vars: Readonly<Record<string, string>>;
  readonly file: string;
  readonly appends: readonly string[];
  readonly layerPriority: number;
}

export type ParseResponse =
  | { readonly ok: true; readonly result: RecipeParseResult }
  | { readonly ok: false; readonly file: string; readonly message: string; readonly kind: string };

// The Python module compiled by the main thread (or its boot snapshot), so this worker need not.
seedPython((workerData as { python?: PythonSeed } | undefined)?.python);

// Each recipe is parsed once: only the configuration is worth keeping.
const cache = new WorkerCache(0);

export default function parse(req: ParseRequest): Promise<ParseResponse> {
  return parseWith(() => cache.configuration(req), req);
}

/** One recipe on a configuration; failures become a response, as they must cross threads. */
export async function parseWith(configuration: BuildConfiguration | (() => BuildConfiguration), req: ParseRequest): Promise<ParseResponse> {
  try {
    const config = await withPython(() => (typeof configuration === "function" ? configuration() : configuration));
    const result = await withPython(() => parseRecipeFile(config.metadata, config.files, req.file, req.appends, req.layerPriority));
    return { ok: true, result };
  } catch (err) {
    // Errors cross the thread boundary as text; MetadataError keeps its file:line:col and caret.
    const cause = err instanceof MetadataError ? err.format() : err instanceof Error ? err.message : String(err);
    const message = cause.startsWith(req.file) ? cause : `${req.file}: ${cause}`;
    return { ok: false, file: req.file, message, kind: err instanceof Error ? err.name : "Error" };
  }
}
