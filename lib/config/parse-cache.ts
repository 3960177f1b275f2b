// The parse cache: RecipeInfo records in LevelDB, keyed by recipe file and bbappends, and
// valid while every file that went into the recipe (configuration, classes, includes, bbappends,
// and the paths looked at that did not exist) has the same content. Changing a class re-parses
// exactly the recipes that read it.
//
// A warm parse only looks at file stamps: an input whose stamp (mtime in ns, size, inode) is the
// one recorded is taken as unchanged; only a changed stamp reads the file and compares its
// content hash, so touching a file without changing it costs a read, not a re-parse. The
// configuration's inputs, common to every recipe, are checked once per run (they are part of
// the generation), and entries are read and written in batches.
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { Level } from "level";
import { summaryOf, type RecipeInfo, type RecipeSummary } from "./recipe-info.js";
import type { RecipeParseResult } from "./parse-recipe.js";

/** Bump when RecipeInfo or the parse semantics change shape, so old entries are ignored. */
const CACHE_FORMAT = 6;

/** [path, stamp or null when the path did not exist, sha256 of content or null]. */
export type FileInput = readonly [path: string, stamp: string | null, hash: string | null];
type Input = FileInput;

/**
 * What decides whether an entry holds, and what `bake -p` reports of it, apart from the records
 * themselves (a tenth of the size): a warm parse that needs no record reads no record.
 */
interface Header {
  readonly format: number;
  readonly generation: string;
  readonly inputs: readonly Input[];
  /** Records (the recipe and its BBCLASSEXTEND variants), and how many of them are skipped. */
  readonly targets: number;
  readonly skipped: number;
}

/** What of a cached recipe is read besides its counts: nothing, its records' summaries, or its records. */
export type CachedRecords = "counts" | "summaries" | "infos";

/** A recipe's cached parse: its counts, and its records or their summaries when asked for. */
export interface CachedRecipe {
  readonly targets: number;
  readonly skipped: number;
  /** With "infos", else null. */
  readonly infos: readonly RecipeInfo[] | null;
  /** With "summaries" (and "infos": the records themselves), else null. */
  readonly summaries: readonly RecipeSummary[] | null;
}

/** Stamps and content hashes of files, each looked at once per run however many recipes use it. */
export class FileHashes {
  private readonly stamps = new Map<string, string | null>();
  private readonly hashes = new Map<string, string | null>();

  /** `mtime-ns:size:inode`, or null when the path does not exist. */
  stamp(path: string): string | null {
    let s = this.stamps.get(path);
    if (s === undefined) {
      const st = statSync(path, { bigint: true, throwIfNoEntry: false });
      s = st === undefined ? null : `${st.mtimeNs}:${st.size}:${st.ino}`;
      this.stamps.set(path, s);
    }
    return s;
  }

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

  /** Whether a recorded input still holds: same stamp, or else the same content. */
  unchanged([path, stamp, hash]: Input): boolean {
    return this.stamp(path) === stamp || this.of(path) === hash;
  }

  input(path: string): Input {
    return [path, this.stamp(path), this.of(path)];
  }
}

/** How many new entries are written in one LevelDB batch. */
const BATCH = 256;

export class ParseCache {
  private pending: { key: string; value: string }[] = [];

  private constructor(
    private readonly db: Level<string, string>,
    /** Identifies the code, options and configuration entries were made with. */
    private readonly generation: string,
    private readonly hashes: FileHashes,
  ) {}

  /**
   * `configInputs` are the files the configuration read (or looked for), with their content
   * hashes: one changed input invalidates every entry, as each recipe is parsed on top of the
   * configuration.
   */
  static async open(dir: string, generation: string, configInputs: readonly FileInput[], hashes = new FileHashes()): Promise<ParseCache> {
    const db = new Level<string, string>(dir, { valueEncoding: "utf8" });
    await db.open();
    const h = createHash("sha256").update(generation);
    for (const [path, , hash] of [...configInputs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) h.update(`\0${path}\0${hash ?? "-"}`);
    return new ParseCache(db, h.digest("hex"), hashes);
  }

  private static key(file: string, appends: readonly string[]): string {
    return JSON.stringify([file, appends]);
  }

  /**
   * For each recipe (file and its bbappends), its cached parse when every input is unchanged,
   * else null, with what `records` asks for of it (see CachedRecords).
   */
  async getMany(recipes: readonly (readonly [file: string, appends: readonly string[]])[], records: CachedRecords = "infos"): Promise<(CachedRecipe | null)[]> {
    const keys = recipes.map(([file, appends]) => ParseCache.key(file, appends));
    const headers = await this.db.getMany(keys.map((k) => `h${k}`));
    const valid = headers.map((text): Header | null => {
      if (!text) return null;
      const h = JSON.parse(text) as Header;
      if (h.format !== CACHE_FORMAT || h.generation !== this.generation) return null;
      for (const input of h.inputs) if (!this.hashes.unchanged(input)) return null;
      return h;
    });
    const prefix = records === "infos" ? "b" : "s";
    const wanted = records === "counts" ? [] : valid.flatMap((h, i) => (h === null ? [] : [i]));
    const bodies = wanted.length > 0 ? await this.db.getMany(wanted.map((i) => `${prefix}${keys[i]}`)) : [];
    const texts = new Map(wanted.map((i, n) => [i, bodies[n]]));
    return valid.map((h, i): CachedRecipe | null => {
      if (h === null) return null;
      if (records === "counts") return { targets: h.targets, skipped: h.skipped, infos: null, summaries: null };
      const text = texts.get(i);
      // All are written in one batch; should one still be missing, the recipe is parsed again.
      if (!text) return null;
      if (records === "summaries") return { targets: h.targets, skipped: h.skipped, infos: null, summaries: JSON.parse(text) as RecipeSummary[] };
      const infos = JSON.parse(text) as RecipeInfo[];
      return { targets: h.targets, skipped: h.skipped, infos, summaries: infos };
    });
  }

  /** Records a parse result; written with the next batch (at the latest on close), header, records and summaries in one. */
  async put(result: RecipeParseResult, appends: readonly string[]): Promise<void> {
    const header: Header = {
      format: CACHE_FORMAT,
      generation: this.generation,
      inputs: result.inputs.map((p) => this.hashes.input(p)),
      targets: result.infos.length,
      skipped: result.infos.filter((r) => r.skipped !== null).length,
    };
    const key = ParseCache.key(result.file, appends);
    this.pending.push(
      { key: `b${key}`, value: JSON.stringify(result.infos) },
      { key: `s${key}`, value: JSON.stringify(result.infos.map(summaryOf)) },
      { key: `h${key}`, value: JSON.stringify(header) },
    );
    if (this.pending.length >= BATCH) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const ops = this.pending.map(({ key, value }) => ({ type: "put" as const, key, value }));
    this.pending = [];
    await this.db.batch(ops);
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.db.close();
    }
  }
}
