// The entry points of parsing. The ANTLR runtime and the generated lexer and parser take about
// 0.15 s of processor time to load, and a run that finds every recipe in the parse cache (a warm
// `bake -p`, a no-op build) parses nothing: they are loaded on the first parse, synchronously
// (require of an ES module), since parsing is synchronous. A file plain enough for
// line-parser.ts is read without them at all.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileKindOf, type FileKind, type ParsedFile } from "./ast.js";
import { parsePlainText } from "./line-parser.js";

type AntlrParser = typeof import("./antlr-parser.js");

let loaded: AntlrParser | null = null;

function antlrParser(): AntlrParser {
  loaded ??= createRequire(import.meta.url)("./antlr-parser.js") as AntlrParser;
  return loaded;
}

export function parseFile(path: string, kind: FileKind = fileKindOf(path)): ParsedFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    // ANTLR's parseFile says why, as a ParseError.
    return antlrParser().parseFile(path, kind);
  }
  return parseText(text, path, kind);
}

export function parseText(text: string, path: string, kind: FileKind = fileKindOf(path)): ParsedFile {
  // As antlr-parser.ts: every line, the last included, ends in a newline.
  const source = text.endsWith("\n") || text === "" ? text : text + "\n";
  return parsePlainText(source, path, kind) ?? antlrParser().parseText(text, path, kind);
}
