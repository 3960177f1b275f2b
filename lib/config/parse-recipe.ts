// Parsing one recipe file (all its BBCLASSEXTEND variants) into RecipeInfo records, on top of a
// configuration. This runs in parse workers; the configuration is loaded once per worker.
import type { MetadataFiles } from "../evaluate/index.js";
import { parseRecipeVariants, type Metadata } from "../evaluate/index.js";
import { takeJsMessages, type DataStore } from "../data/index.js";
import type { RecipeInfo } from "./recipe-info.js";
import { recipeInfo } from "./recipe-record.js";
import { interpreterAsConfigured, pythonLoaded } from "../python/index.js";
// The module itself, not signature/index.js (see recipe-record.ts).
import { checksumFileStates } from "../signature/file-checksums.js";

/**
 * What a parse depended on, beyond the configuration's files (which the cache checks once for all
 * recipes): the parse holds while each is as it was.
 */
export interface ParseInputs {
  /** Files read (or named by bb.parse.mark_dependency): their content counts. */
  readonly read: readonly string[];
  /** Paths looked for that did not exist, as the parse saw them (BitBake's "did not exist"). */
  readonly absent: readonly string[];
  /** Paths whose existence alone counts (file-checksums' `path:True`). */
  readonly present: readonly string[];
}

export interface RecipeParseResult {
  readonly file: string;
  readonly infos: readonly RecipeInfo[];
  readonly inputs: ParseInputs;
  /**
   * False when the recipe set BB_DONT_CACHE (an AUTOREV source, an externalsrc tree): parsed
   * again every run, as BitBake does, since what it read is not all the parse cache can see.
   */
  readonly cacheable: boolean;
  /** Whether the records carry their tasks' basehashes (see recipeInfo): what a build needs, and nothing else. */
  readonly signed: boolean;
}

export function parseRecipeFile(
  config: Metadata,
  files: MetadataFiles,
  file: string,
  appends: readonly string[],
  layerPriority: number,
  signed: boolean,
  answerAhead = false,
): RecipeParseResult {
  takeJsMessages();
  const variants = parseRecipeVariants(config, file, appends, files, null, { history: false });
  // Records first: computing basehashes expands values, and an inline function may read a file
  // then; what an unsigned parse read is its own (the same entry made signed may have read more).
  // A variable filter (setVarFilter: oe-core's ClassExtender for native and nativesdk variants)
  // makes the analysis change what the record reads: it expands variables unfiltered and keeps
  // those expansions, which a later getVar returns (as BitBake's expand_cache does, whose RecipeInfo
  // is made after its signature analysis). Such a variant is analysed whatever was asked, so that
  // its record is the same either way.
  const signs = variants.map((v) => signed || v.metadata.d.hasVarFilters());
  const records = variants.map((v, i) => recipeInfo(v, file, layerPriority, signs[i]!));
  const said = [...new Set(takeJsMessages().filter((m) => m.level === "warn" || m.level === "error").map((m) => m.text))];
  const infos = said.length > 0 ? records.map((info) => ({ ...info, warnings: said })) : records;
  const read = new Set<string>(appends);
  const absent = new Set<string>();
  const present = new Set<string>();
  for (const v of variants) {
    // Whether a path exists is what `files` answered during the parse, not what it is now.
    for (const f of v.metadata.files) if (!config.files.has(f)) (files.exists(f) ? read : absent).add(f);
    // Files that inline functions read or looked for (bb.parse.mark_dependency).
    for (const f of (v.metadata.d.getVar("__depends", false) ?? "").split(" ")) if (f) read.add(f);
  }
  for (const info of records) {
    for (const task of info.tasks) {
      const states = checksumFileStates(task.flags["file-checksums"]);
      for (const p of states.present) present.add(p);
      for (const p of states.absent) absent.add(p);
    }
  }
  const sorted = (set: Set<string>) => [...set].sort();
  // BitBake's cache reads the flag of the recipe itself (the first variant), skipped or not.
  const cacheable = !variants[0]?.metadata.d.getVar("BB_DONT_CACHE");
  // Last: nothing of it goes into the records or the inputs.
  if (answerAhead) for (const v of variants) if (v.skipped === null) answerValuesAhead(v.metadata.d);
  return { file, infos, inputs: { read: sorted(read), absent: sorted(absent), present: sorted(present) }, cacheable, signed: signs.every(Boolean) };
}

/**
 * Expands each value of a parsed recipe whose text holds `${@`, as `-e` shows it, and forgets the
 * result: the parse expands what its records need, not a task's body (`-e` shows every value), and
 * the `${@...}` results noted meanwhile are kept (inline-answers.ts). Only while the interpreter is as
 * configured (what it evaluates now is noted only then): a value whose Python did more than read
 * ends it for the thread. Its own failures are not the parse's: `-e` shows them. Not in a thread
 * that has no interpreter: only Python's results are kept, and a recipe whose `${@...}` are
 * JavaScript (bake's own layers) would pay for expansions nobody keeps (16% of a cold `-p` of the
 * meta-core corpus).
 */
export function answerValuesAhead(d: DataStore): void {
  if (!pythonLoaded() || !interpreterAsConfigured()) return;
  const names = new Set<string>();
  for (const name of d.namesWithInlineCode()) {
    names.add(name);
    // `NAME:override` is NAME's value where the override is active.
    const colon = name.indexOf(":");
    if (colon > 0) names.add(name.slice(0, colon));
  }
  for (const name of names) {
    if (!interpreterAsConfigured()) break;
    if (name.startsWith("__")) continue;
    try {
      // A python function is shown as it is written.
      if (d.getVarFlag(name, "python", false)) continue;
      d.getVar(name);
    } catch {
      // Shown by `-e` as it fails; without an interpreter, withPython starts one and parses again.
    }
  }
  // What such a value said is not the parse's.
  takeJsMessages();
}
