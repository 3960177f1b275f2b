// The piscina worker that parses recipes. A worker keeps the configuration it loaded for a given
// build directory and set of environment variables, so only the first recipe it parses pays for it.
import { workerData } from "piscina";
import { MetadataError } from "../parse/index.js";
import { loadBuildConfiguration, type BuildConfiguration } from "./configuration.js";
import { seedPython, withPython, type PythonSeed } from "../python/index.js";
import { parseRecipeFile, type RecipeParseResult } from "./parse-recipe.js";

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

let loaded: { key: string; config: BuildConfiguration } | null = null;

seedPython((workerData as { python?: PythonSeed } | undefined)?.python);

function configurationFor(req: ParseRequest): BuildConfiguration {
  const key = JSON.stringify([req.topdir, req.vars]);
  if (loaded?.key !== key) loaded = { key, config: loadBuildConfiguration({ topdir: req.topdir, vars: req.vars }) };
  return loaded.config;
}

export default function parse(req: ParseRequest): Promise<ParseResponse> {
  return parseWith(() => configurationFor(req), req);
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
