// `${@...}` results kept between runs, beside the parse cache: what lets `bake -e RECIPE` (and
// `bake getvar -r`) show a recipe of a BitBake-style layer without starting the interpreter
// (Pyodide's start is most of such a warm `-e`).
//
// A parse thread notes every Python result that read the datastore alone while its interpreter had
// done nothing but what the configuration does (python/index.ts, interpreterAsConfigured): the code,
// each read with its answer, the value (inline-memo.ts); a recipe's values that hold `${@` are
// expanded for this once its records are made (parse-recipe.ts), as `-e` shows them. Such a result is a fact about the code, not
// about the recipe: the same reads give the same value in any run whose configuration, bake's code
// and interpreter's world are the same, so the file names the parse cache's generation (bake's code,
// the environment variables, every file the configuration read, the Python libraries it added among
// them) and the world (python/world.ts), and is ignored when either differs. A later `-e` replays the
// reads on its own datastore (inline-memo.ts) and takes the value only when every answer is the
// same; anything else (a code never seen, a read that answers otherwise, a python function or a
// `def` block of the recipe) needs the interpreter, which is then started and the recipe parsed
// and shown again. What such a run evaluated is added to the file, so the next one need not.
// As within a thread (inline-memo.ts), a result that only read is taken to depend on its reads alone:
// a module's global that an earlier call filled (a cache in a layer's library) is not seen.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
// Types and python/world.js alone: the parse cache writes this file, and a warm run loads neither the datastore nor Python.
import type { KeptAnalysis, KeptAnswer } from "../python/index.js";
import { pythonWorld } from "../python/world.js";

/** Bump when what is stored changes shape. */
const FORMAT = 2;

const FILE = "inline-answers.json";

/** At most this many results are kept (a code such as PN's has one per recipe). */
const LIMIT = 200_000;

/**
 * As stored: each code once, with its results (what each read, flattened, and the value). JSON, not
 * v8's serialisation: `-e` reads the 4,000 results of the benchmark's corpus in 2 ms, not 10-14.
 */
interface Stored {
  readonly format: number;
  readonly generation: string;
  readonly world: string;
  readonly codes: readonly (readonly [code: string, results: readonly (readonly [reads: readonly unknown[], value: string])[]])[];
  readonly analyses: readonly KeptAnalysis[];
}

export interface InlineAnswers {
  readonly answers: readonly KeptAnswer[];
  readonly analyses: readonly KeptAnalysis[];
}

function read(dir: string, generation: string, world: string): InlineAnswers | null {
  let stored: Stored;
  try {
    stored = JSON.parse(readFileSync(join(dir, FILE), "utf8")) as Stored;
  } catch {
    return null;
  }
  if (stored.format !== FORMAT || stored.generation !== generation || stored.world !== world) return null;
  const answers: KeptAnswer[] = [];
  for (const [code, results] of stored.codes) for (const [reads, value] of results) answers.push([code, reads, value]);
  return { answers, analyses: stored.analyses };
}

/** The results kept in the parse cache directory `dir` for its generation `generation` and this world, or null. */
export function keptInlineAnswers(dir: string, generation: string): InlineAnswers | null {
  return read(dir, generation, pythonWorld());
}

function keyOf([code, reads]: KeptAnswer): string {
  return `${code}\0${JSON.stringify(reads)}`;
}

/** Results noted while parsing or showing recipes, added to those kept in `dir` when written. */
export class InlineAnswerNotes {
  private readonly answers = new Map<string, KeptAnswer>();
  private readonly analyses = new Map<string, KeptAnalysis>();

  add(noted: InlineAnswers): void {
    for (const a of noted.answers) if (this.answers.size < LIMIT) this.answers.set(keyOf(a), a);
    for (const a of noted.analyses) this.analyses.set(a[0], a);
  }

  get size(): number {
    return this.answers.size;
  }

  /**
   * Writes those kept before (when they hold) and these, if these add any; failing to write only
   * costs a later `-e` an interpreter.
   */
  write(dir: string, generation: string): void {
    if (this.answers.size === 0) return;
    const world = pythonWorld();
    const before = read(dir, generation, world);
    const answers = new Map<string, KeptAnswer>();
    const analyses = new Map<string, KeptAnalysis>();
    for (const a of before?.answers ?? []) answers.set(keyOf(a), a);
    for (const a of before?.analyses ?? []) analyses.set(a[0], a);
    const known = answers.size;
    for (const [key, a] of this.answers) if (answers.size < LIMIT) answers.set(key, a);
    if (answers.size === known) return;
    for (const [code, a] of this.analyses) analyses.set(code, a);
    const codes = new Map<string, [reads: readonly unknown[], value: string][]>();
    for (const [code, reads, value] of answers.values()) {
      let results = codes.get(code);
      if (results === undefined) codes.set(code, (results = []));
      results.push([reads, value]);
    }
    const stored: Stored = { format: FORMAT, generation, world, codes: [...codes], analyses: [...analyses.values()] };
    const path = join(dir, FILE);
    const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(tmp, JSON.stringify(stored));
      renameSync(tmp, path);
    } catch {
      // Read-only or full: the next `-e` starts the interpreter.
    }
  }
}
