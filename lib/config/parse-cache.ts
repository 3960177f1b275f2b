// The parse cache: RecipeInfo records in LevelDB, keyed by recipe file and bbappends, and
// valid while every file that went into the recipe (configuration, classes, includes, bbappends,
// and the paths looked at that did not exist) has the same content. Changing a class re-parses
// exactly the recipes that read it.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Level } from "level";
import type { RecipeInfo } from "./recipe-info.js";
import type { RecipeParseResult } from "./parse-recipe.js";

/** Bump when RecipeInfo or the parse semantics change shape, so old entries are ignored. */
const CACHE_FORMAT = 2;

interface Entry {
  readonly format: number;
  readonly generation: string;
  /** [path, sha256 of content or null when the path did not exist]. */
  readonly inputs: readonly (readonly [string, string | null])[];
  readonly infos: readonly RecipeInfo[];
}

/** Content hashes of files, each file read once per run however many recipes use it. */
export class FileHashes {
  private readonly hashes = new Map<string, string | null>();

  of(path: string): string | null {
    let h = this.hashes.get(path);
    if (h === undefined) {
      try {
        h = createHash("sha256").update(readFileSync(path)).digest("hex");
      } catch {
        h = null;
      }
      this.hashes.set(path, h);
    }
    return h;
  }
}

export class ParseCache {
  private constructor(
    private readonly db: Level<string, Entry>,
    /** Identifies the code and options entries were made with (bake's code, environment variables). */
    private readonly generation: string,
    private readonly hashes: FileHashes,
  ) {}

  static async open(dir: string, generation: string): Promise<ParseCache> {
    const db = new Level<string, Entry>(dir, { valueEncoding: "json" });
    await db.open();
    return new ParseCache(db, generation, new FileHashes());
  }

  private static key(file: string, appends: readonly string[]): string {
    return JSON.stringify([file, appends]);
  }

  /** The cached records of a recipe when every input is unchanged, else null. */
  async get(file: string, appends: readonly string[]): Promise<readonly RecipeInfo[] | null> {
    const entry = await this.db.get(ParseCache.key(file, appends));
    if (!entry || entry.format !== CACHE_FORMAT || entry.generation !== this.generation) return null;
    for (const [path, hash] of entry.inputs) if (this.hashes.of(path) !== hash) return null;
    return entry.infos;
  }

  async put(result: RecipeParseResult, appends: readonly string[]): Promise<void> {
    const entry: Entry = {
      format: CACHE_FORMAT,
      generation: this.generation,
      inputs: result.inputs.map((p) => [p, this.hashes.of(p)] as const),
      infos: result.infos,
    };
    await this.db.put(ParseCache.key(result.file, appends), entry);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
