// Syntax trees kept between runs, by file content. Loading the ANTLR runtime and generated parser
// costs about 0.15 s of processor time and its first parses in a process several times more (its
// lexer and parser build their decision tables as they go): `bake -e RECIPE` on a warm build spent
// most of its time there for a recipe, a bbappend and a few classes. The trees are written by
// whoever parses a file (the parse threads those of classes, includes and configuration files,
// -e also the recipe's own), and read back when the same path has the same text: -e on a recipe
// shown before runs no ANTLR parse at all, and one shown first parses only its recipe file and
// bbappends.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deserialize, serialize } from "node:v8";
import { trimToSize } from "../common/cache-trim.js";
import { fileKindOf, type FileKind, type ParsedFile } from "./ast.js";
import { parseFile, parseText } from "./parser.js";

/**
 * How many bytes of trees one generation keeps. Every edit of a class and every recipe shown with
 * -e adds a tree, so the store is bounded as ccache bounds its own (see trimToSize).
 */
export const SYNTAX_STORE_LIMIT = 256 * 1024 * 1024;

export class SyntaxTreeStore {
  private readonly dir: string;

  /**
   * Trees live in `root/<generation>`, `generation` naming the parser's code: trees of another
   * build of it are never read. When `prune` is set (once a run, by the thread that leads the
   * parse, not by every worker) those are removed, and this generation's are cut to `limit` bytes.
   */
  constructor(root: string, generation: string, prune = false, limit = SYNTAX_STORE_LIMIT) {
    const name = generation.slice(0, 24);
    this.dir = join(root, name);
    if (prune) {
      try {
        for (const old of readdirSync(root)) if (old !== name) rmSync(join(root, old), { recursive: true, force: true });
      } catch {
        // No store yet.
      }
      trimToSize(this.dir, limit);
    }
  }

  /** A file of this generation's store besides the trees (gone with them when the code changes). */
  beside(name: string): string {
    return join(this.dir, name);
  }

  parse(path: string, kind: FileKind = fileKindOf(path)): ParsedFile {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      return parseFile(path, kind); // says why the file cannot be read, as a ParseError
    }
    const key = createHash("sha256").update(`${path}\0${kind}\0`).update(text).digest("hex");
    const file = join(this.dir, `${key}.v8`);
    try {
      const tree = deserialize(readFileSync(file)) as ParsedFile;
      try {
        // Used now: the last to go when the store is cut (see trimToSize).
        const now = new Date();
        utimesSync(file, now, now);
      } catch {
        // A read-only store is not cut either.
      }
      return tree;
    } catch {
      // Not kept yet (or unreadable): parsed below.
    }
    const tree = parseText(text, path, kind);
    try {
      mkdirSync(this.dir, { recursive: true });
      const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      writeFileSync(tmp, serialize(tree));
      renameSync(tmp, file);
    } catch {
      // A read-only build directory: parsed again next time.
    }
    return tree;
  }
}
