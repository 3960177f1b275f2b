// The parse cache: RecipeInfo records in LevelDB, keyed by recipe file and bbappends, and
// valid while every file that went into the recipe (configuration, classes, includes, bbappends,
// and the paths looked at that did not exist) has the same content. Changing a class re-parses
// exactly the recipes that read it.
//
// A warm parse only looks at file stamps: an input whose stamp (mtime and ctime in ns, size, inode)
// is the one recorded is taken as unchanged (BitBake looks at the mtime alone; the ctime, which no
// one can set back, catches a file rewritten with its size and mtime restored). Only a changed
// stamp reads the file and compares its content hash, so touching a file without changing it
// costs a read, not a re-parse. A path looked for and not found holds while it does not exist. The
// configuration's inputs, common to every recipe, are checked once per run (they are part of
// the generation), and entries are read and written in batches.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Level } from "level";
import { dropManifest, readManifest, readSummaries, summariesPart, writeManifest, writeSummaries, type Manifest } from "./parse-manifest.js";
import { summaryOf, type RecipeInfo, type RecipeSummary } from "./recipe-info.js";
import type { ParseInputs, RecipeParseResult } from "./parse-recipe.js";
import { InlineAnswerNotes, type InlineAnswers } from "./inline-answers.js";

/** Bump when RecipeInfo or the parse semantics change shape, so old entries are ignored. */
const CACHE_FORMAT = 9;

/**
 * One file a parse depended on, as BitBake's `__depends` and file-checksums record them:
 * - `[path, stamp, sha256]`: a file read (sha256 null when it cannot be read as one: a directory);
 * - `[path, null, null]`: a path looked for that did not exist (a class or include searched along
 *   BBPATH before the one found, an `include` that found nothing): the entry holds while it does not;
 * - `[path, true]`: a path whose existence alone counts (file-checksums' `path:True`, a local file
 *   of SRC_URI: its content goes into task signatures when they are made, not into the parse).
 */
export type FileInput = readonly [path: string, stamp: string | null, hash: string | null] | readonly [path: string, exists: true];
type Input = FileInput;

/** A recorded input against the file now: the same stamp, a new stamp on the same content, or changed. */
export type InputState = "same" | "moved" | "changed";

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
  /**
   * Whether the records carry basehashes. A parse for a command that reads none (`-p`, `-e`,
   * `-g`…) skips the signature analysis; its entry serves such commands, and a build parses the
   * recipes of its graph again, signed.
   */
  readonly signed: boolean;
}

/** What of a cached recipe is read besides its counts: nothing, its records' summaries, or its records. */
export type CachedRecords = "counts" | "summaries" | "infos";

/** The record each choice reads. */
interface RecordOf {
  readonly counts: never;
  readonly summaries: RecipeSummary;
  readonly infos: RecipeInfo;
}

/** A recipe's cached parse: its counts, and its records as asked for (none with "counts"). */
export interface CachedRecipe<R extends CachedRecords> {
  readonly targets: number;
  readonly skipped: number;
  /** Whether its records carry basehashes (see Header.signed). */
  readonly signed: boolean;
  readonly records: readonly RecordOf[R][];
}

/**
 * A parsed recipe as an entry keeps it, its records and their summaries already JSON: made in the
 * thread that parsed the recipe (entryOf), so the thread that writes the cache neither serialises
 * them nor receives them as objects (a structured clone of every record) when it has no use for them.
 */
export interface RecipeEntry {
  readonly inputs: ParseInputs;
  readonly targets: number;
  readonly skipped: number;
  readonly signed: boolean;
  /** JSON of the records (RecipeInfo[]): the `b` entry. */
  readonly records: string;
  /** JSON of their summaries: the `s` entry. */
  readonly summaries: string;
}

export function entryOf(result: RecipeParseResult): RecipeEntry {
  return {
    inputs: result.inputs,
    targets: result.infos.length,
    skipped: result.infos.filter((r) => r.skipped !== null).length,
    signed: result.signed,
    records: JSON.stringify(result.infos),
    summaries: JSON.stringify(result.infos.map(summaryOf)),
  };
}

/** Stamps and content hashes of files, each looked at once per run however many recipes use it. */
export class FileHashes {
  private readonly stamps = new Map<string, string | null>();
  private readonly hashes = new Map<string, string | null>();

  /** `mtime-ns:ctime-ns:size:inode`, or null when the path does not exist. */
  stamp(path: string): string | null {
    let s = this.stamps.get(path);
    if (s === undefined) {
      s = stampOf(path);
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

  /**
   * Learns at once whether paths recorded as not existing still do not: one listing of each
   * directory holding several of them (a directory that is not there answers for all its paths)
   * instead of a stat of each. A warm parse of the generated corpus checks 1,143 such paths in 26
   * directories (classes-recipe/ and classes/ of each layer on BBPATH, the build directory).
   */
  learnAbsences(inputs: Iterable<Input>): void {
    const byDir = new Map<string, string[]>();
    for (const input of inputs) {
      if (input.length !== 3 || input[1] !== null || this.stamps.has(input[0])) continue;
      const dir = dirname(input[0]);
      const paths = byDir.get(dir);
      if (paths === undefined) byDir.set(dir, [input[0]]);
      else paths.push(input[0]);
    }
    for (const [dir, paths] of byDir) {
      // A listing costs three system calls: for fewer paths a stat of each is cheaper.
      if (paths.length < 4) continue;
      let names: Set<string> | null;
      try {
        names = new Set(readdirSync(dir));
      } catch {
        names = null; // Not there (or not a directory): nothing under it exists.
      }
      // A name listed is looked at as any input (a dangling link does not exist either).
      for (const p of paths) if (names === null || !names.has(basename(p))) this.stamps.set(p, null);
    }
  }

  /**
   * Whether a recorded input still holds. A path that did not exist must still not exist (whatever
   * was created there, readable or not); one whose stamp moved is read and compared by content.
   */
  check(input: Input): InputState {
    const now = this.stamp(input[0]);
    if (input.length === 2) return now !== null ? "same" : "changed";
    const [path, stamp, hash] = input;
    if (now === stamp) return "same";
    if (now === null || stamp === null) return "changed";
    return hash !== null && this.of(path) === hash ? "moved" : "changed";
  }

  /** An input that holds, with its stamp now: the next run need not read a file touched but unchanged. */
  restamp(input: Input): Input {
    if (input.length === 2 || this.stamp(input[0]) === input[1]) return input;
    return [input[0], this.stamp(input[0]), input[2]];
  }

  /** A file read (its stamp null should it no longer exist). */
  input(path: string): Input {
    return [path, this.stamp(path), this.of(path)];
  }

  /** A path looked for that did not exist then (whatever is there now: the parse did not see it). */
  absence(path: string): Input {
    return [path, null, null];
  }

  /** A path whose existence alone counts. */
  presence(path: string): Input {
    return [path, true];
  }
}

function stampOf(path: string): string | null {
  let st;
  try {
    st = statSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    // ENOTDIR: a path looked for under something that is a file does not exist either.
    return null;
  }
  return st === undefined ? null : `${st.mtimeNs}:${st.ctimeNs}:${st.size}:${st.ino}`;
}

/** How many new entries are written in one LevelDB batch. */
const BATCH = 256;

export class ParseCache {
  /** LevelDB, opened on first use: a warm run the manifest answers never loads it. */
  private opened: Promise<Level<string, string>> | null = null;
  private pending: { key: string; value: string }[] = [];
  /** Whether this run wrote an entry (the manifest found at the start no longer vouches for them). */
  private wrote = false;
  /** The recipe keys of the last getMany (made on demand), their digest, and the manifest when it held for them. */
  private asked: { keys: () => readonly string[]; digest: string; held: { manifest: Manifest; moved: boolean } | null } | null = null;
  private readonly answers = new InlineAnswerNotes();
  /** The headers that held or were written in this run, by key: what a new manifest is made of. */
  private readonly current = new Map<string, Header>();
  /** Each recipe's summaries as JSON, by key, where this run has them: the new manifest's summaries part. */
  private readonly summaryTexts = new Map<string, string>();

  private constructor(
    private readonly dir: string,
    /** Identifies the code, options and configuration entries were made with. */
    private readonly generation: string,
    private readonly hashes: FileHashes,
  ) {}

  /**
   * `configInputs` are the files the configuration read (or looked for), with their content
   * hashes: one changed input invalidates every entry, as each recipe is parsed on top of the
   * configuration.
   */
  static open(dir: string, generation: string, configInputs: readonly FileInput[], hashes = new FileHashes()): ParseCache {
    return new ParseCache(dir, ParseCache.generationOf(generation, configInputs), hashes);
  }

  /** The generation of entries made with `generation` (bake's code, the variables) on a configuration of `configInputs`. */
  static generationOf(generation: string, configInputs: readonly FileInput[]): string {
    const h = createHash("sha256").update(generation);
    for (const input of [...configInputs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) h.update(`\0${input[0]}\0${input[1] === true ? "+" : (input[2] ?? "-")}`);
    return h.digest("hex");
  }

  /** `${@...}` results of the recipes parsed now that may be kept between runs (inline-answers.ts). */
  noteAnswers(noted: InlineAnswers): void {
    this.answers.add(noted);
  }

  private db(): Promise<Level<string, string>> {
    this.opened ??= (async () => {
      // Loaded here: a run the manifest answers has no use for it.
      const { Level } = await import("level");
      const db = new Level<string, string>(this.dir, { valueEncoding: "utf8" });
      await db.open();
      return db;
    })();
    return this.opened;
  }

  private static key(file: string, appends: readonly string[]): string {
    return JSON.stringify([file, appends]);
  }

  /**
   * For each recipe (file and its bbappends), its cached parse when every input is unchanged,
   * else null, with what `records` asks for of it (see CachedRecords).
   */
  async getMany<R extends CachedRecords>(recipes: readonly (readonly [file: string, appends: readonly string[]])[], records: R): Promise<(CachedRecipe<R> | null)[]> {
    // The recipes in order: paths hold no NUL and none is empty, so NUL between paths and two
    // between recipes say it unambiguously. Their LevelDB keys (JSON, about 10 ms for 2,000
    // recipes) are made only when entries are read or written.
    const digest = createHash("sha256").update(recipes.map(([file, appends]) => [file, ...appends].join("\0")).join("\0\0")).digest("hex");
    let keysMemo: string[] | null = null;
    const keysOf = () => (keysMemo ??= recipes.map(([file, appends]) => ParseCache.key(file, appends)));
    let held = this.manifest(digest);
    const fromManifest = (m: Manifest) => {
      const unsigned = new Set(m.unsigned);
      return m.counts.map(([targets, skipped], i) => ({ targets, skipped, signed: !unsigned.has(i) }));
    };
    if (held !== null && records === "summaries") {
      const summaries = readSummaries(this.dir, held.manifest.summaries);
      if (summaries !== null && summaries.length === recipes.length) {
        this.asked = { keys: keysOf, digest, held };
        return fromManifest(held.manifest).map((counts, i) => ({ ...counts, records: summaries[i] as RecordOf[R][] }));
      }
      // Not the summaries it names: the manifest is not trusted at all, each recipe's header decides.
      held = null;
    }
    let valid: ({ targets: number; skipped: number; signed: boolean } | null)[] = held !== null ? fromManifest(held.manifest) : await this.headers(keysOf());
    let texts = await this.bodies(keysOf, valid, records);
    if (held !== null && [...texts.values()].some((text) => !text)) {
      // An entry the manifest vouched for is gone (the database removed or damaged): each recipe's header decides.
      held = null;
      valid = await this.headers(keysOf());
      texts = await this.bodies(keysOf, valid, records);
    }
    this.asked = { keys: keysOf, digest, held };
    return valid.map((h, i): CachedRecipe<R> | null => {
      if (h === null) return null;
      if (records === "counts") return { targets: h.targets, skipped: h.skipped, signed: h.signed, records: [] };
      const text = texts.get(i);
      // All are written in one batch; should one still be missing, the recipe is parsed again.
      if (!text) return null;
      // `b` entries hold RecipeInfo records, `s` entries their summaries: what R names.
      const parsed = JSON.parse(text) as RecordOf[R][];
      this.summaryTexts.set(keysOf()[i]!, records === "infos" ? JSON.stringify((parsed as RecipeInfo[]).map(summaryOf)) : text);
      return { targets: h.targets, skipped: h.skipped, signed: h.signed, records: parsed };
    });
  }

  /** The entries `records` asks for of the recipes whose parse holds, by index (undefined where missing). */
  private async bodies(keysOf: () => readonly string[], valid: readonly (object | null)[], records: CachedRecords): Promise<Map<number, string | undefined>> {
    const wanted = records === "counts" ? [] : valid.flatMap((h, i) => (h === null ? [] : [i]));
    if (wanted.length === 0) return new Map();
    const prefix = records === "infos" ? "b" : "s";
    const keys = keysOf();
    const bodies = await (await this.db()).getMany(wanted.map((i) => `${prefix}${keys[i]}`));
    return new Map(wanted.map((i, n) => [i, bodies[n]]));
  }

  /** The manifest when it holds for these recipes (`digest` of their paths), and whether a stamp in it moved; else null. */
  private manifest(digest: string): { manifest: Manifest; moved: boolean } | null {
    const m = readManifest(this.dir);
    if (m === null) return null;
    if (m.format !== CACHE_FORMAT || m.generation !== this.generation || m.recipes !== digest) return null;
    let moved = false;
    this.hashes.learnAbsences(m.inputs);
    for (const input of m.inputs) {
      const state = this.hashes.check(input);
      if (state === "changed") return null;
      if (state === "moved") moved = true;
    }
    return { manifest: m, moved };
  }

  /** Each recipe's header when it holds, else null. */
  private async headers(keys: readonly string[]): Promise<(Header | null)[]> {
    // No database (a cold run: the cache removed): no entries, and LevelDB is loaded and made at
    // the first write, while the recipes are parsed, not before the first one is.
    if (this.opened === null && !existsSync(join(this.dir, "CURRENT"))) return keys.map(() => null);
    const headers = (await (await this.db()).getMany(keys.map((k) => `h${k}`))).map((text) => (text ? (JSON.parse(text) as Header) : null));
    this.hashes.learnAbsences(headers.flatMap((h) => h?.inputs ?? []));
    return headers.map((h, i): Header | null => {
      if (h === null) return null;
      if (h.format !== CACHE_FORMAT || h.generation !== this.generation) return null;
      for (const input of h.inputs) if (this.hashes.check(input) === "changed") return null;
      this.current.set(keys[i]!, h);
      return h;
    });
  }

  /**
   * After a parse that did not find the manifest holding, or rewrote entries it vouched for (a
   * recipe parsed again for its signatures): a new one, when every recipe asked for has an entry
   * that holds (none failed to parse). Inputs are taken with their stamps now, so a file touched
   * but unchanged is read once more, not on every run (a manifest that held with such a file is
   * written again for that).
   */
  private async newManifest(): Promise<{ restamped: Manifest } | { manifest: Omit<Manifest, "summaries">; summaries: Buffer } | null> {
    if (this.asked === null) return null;
    const held = this.asked.held;
    const keys = this.asked.keys();
    if (held !== null) {
      if (!this.wrote) {
        if (!held.moved) return null;
        // The same summaries file, whatever state it is in: the header vouches for the one it named.
        const inputs = held.manifest.inputs.map((input) => this.hashes.restamp(input));
        return { restamped: { ...held.manifest, inputs } };
      }
      const updated = this.updatedManifest(held.manifest, keys);
      if (updated !== null) return updated;
      // The entries not written now are those the manifest vouched for: their headers as they are.
      const missing = keys.filter((key) => !this.current.has(key));
      const texts = missing.length > 0 ? await (await this.db()).getMany(missing.map((key) => `h${key}`)) : [];
      for (let i = 0; i < missing.length; i++) {
        if (!texts[i]) return null;
        this.current.set(missing[i]!, JSON.parse(texts[i]!) as Header);
      }
    }
    const counts: [number, number][] = [];
    const unsigned: number[] = [];
    // By path and kind: one recipe may read a file whose existence alone counts for another.
    const inputs = new Map<string, Input>();
    for (const [i, key] of keys.entries()) {
      const h = this.current.get(key);
      if (h === undefined) return null;
      counts.push([h.targets, h.skipped]);
      if (!h.signed) unsigned.push(i);
      for (const input of h.inputs) {
        const kind = `${input.length}${input[0]}`;
        if (!inputs.has(kind)) inputs.set(kind, this.hashes.restamp(input));
      }
    }
    const missing = keys.filter((key) => !this.summaryTexts.has(key));
    if (missing.length > 0) {
      const texts = await (await this.db()).getMany(missing.map((key) => `s${key}`));
      for (let i = 0; i < missing.length; i++) {
        if (!texts[i]) return null;
        this.summaryTexts.set(missing[i]!, texts[i]!);
      }
    }
    return {
      manifest: { format: CACHE_FORMAT, generation: this.generation, recipes: this.asked.digest, counts, unsigned, inputs: [...inputs.values()] },
      summaries: summariesPart(keys.map((key) => this.summaryTexts.get(key)!)),
    };
  }

  /**
   * Entries rewritten over a manifest that held (a build signing its graph's recipes): the
   * manifest again with those recipes' counts, signedness and summaries, and their inputs added to
   * its own, without reading the other entries' headers. An input a rewritten entry no longer has
   * stays listed: its change only sends the next run to the entries' headers. Null when the
   * summaries it names are not there whole.
   */
  private updatedManifest(held: Manifest, keys: readonly string[]): { manifest: Omit<Manifest, "summaries">; summaries: Buffer } | null {
    const summaries = readSummaries(this.dir, held.summaries);
    if (summaries === null || summaries.length !== keys.length || held.counts.length !== keys.length) return null;
    const counts = [...held.counts];
    const unsigned = new Set(held.unsigned);
    // The rewritten entries' inputs first: they are the newer view of a path both name.
    const inputs = new Map<string, Input>();
    const add = (input: Input) => {
      const kind = `${input.length}${input[0]}`;
      if (!inputs.has(kind)) inputs.set(kind, this.hashes.restamp(input));
    };
    // Each recipe's summaries as the file holds them (JSON.stringify gives back the text it was made from).
    const texts = keys.map((key, i) => {
      const h = this.current.get(key);
      if (h === undefined) return JSON.stringify(summaries[i]);
      counts[i] = [h.targets, h.skipped];
      if (h.signed) unsigned.delete(i);
      else unsigned.add(i);
      h.inputs.forEach(add);
      return this.summaryTexts.get(key)!;
    });
    held.inputs.forEach(add);
    return {
      manifest: { format: CACHE_FORMAT, generation: this.generation, recipes: held.recipes, counts, unsigned: [...unsigned].sort((a, b) => a - b), inputs: [...inputs.values()] },
      summaries: summariesPart(texts),
    };
  }

  /** Records a parse result; written with the next batch (at the latest on close), header, records and summaries in one. */
  async put(file: string, appends: readonly string[], entry: RecipeEntry): Promise<void> {
    const header: Header = {
      format: CACHE_FORMAT,
      generation: this.generation,
      inputs: [
        ...entry.inputs.read.map((p) => this.hashes.input(p)),
        ...entry.inputs.absent.map((p) => this.hashes.absence(p)),
        ...entry.inputs.present.map((p) => this.hashes.presence(p)),
      ],
      targets: entry.targets,
      skipped: entry.skipped,
      signed: entry.signed,
    };
    const key = ParseCache.key(file, appends);
    this.current.set(key, header);
    this.summaryTexts.set(key, entry.summaries);
    this.pending.push(
      { key: `b${key}`, value: entry.records },
      { key: `s${key}`, value: entry.summaries },
      { key: `h${key}`, value: JSON.stringify(header) },
    );
    if (this.pending.length >= BATCH) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const ops = this.pending.map(({ key, value }) => ({ type: "put" as const, key, value }));
    this.pending = [];
    const db = await this.db();
    if (!this.wrote) {
      // The manifest vouched for the entries as they were; a new one is written on close if all hold.
      dropManifest(this.dir);
      this.wrote = true;
    }
    await db.batch(ops);
  }

  /** The summaries, then the header that names them. */
  private writeNewManifest(manifest: Omit<Manifest, "summaries">, summaries: Buffer): void {
    let ref;
    try {
      ref = writeSummaries(this.dir, summaries);
    } catch {
      return; // Read-only, or full: the entries decide next time.
    }
    writeManifest(this.dir, { ...manifest, summaries: ref });
  }

  async close(): Promise<void> {
    try {
      // After the entries it vouches for.
      await this.flush();
      const next = await this.newManifest();
      if (next !== null && "restamped" in next) writeManifest(this.dir, next.restamped);
      else if (next !== null) this.writeNewManifest(next.manifest, next.summaries);
      this.answers.write(this.dir, this.generation);
    } finally {
      if (this.opened !== null) await (await this.opened).close();
    }
  }
}
