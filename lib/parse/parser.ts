// The entry points of parsing. The ANTLR runtime and the generated lexer and parser take about
// 0.15 s of processor time to load, and a run that finds every recipe in the parse cache (a warm
// `bake -p`, a no-op build) parses nothing: they are loaded on the first parse, synchronously
// (require of an ES module), since parsing is synchronous.
import { createRequire } from "node:module";
import type { FileKind, ParsedFile } from "./ast.js";

type AntlrParser = typeof import("./antlr-parser.js");

let loaded: AntlrParser | null = null;

function antlrParser(): AntlrParser {
  loaded ??= createRequire(import.meta.url)("./antlr-parser.js") as AntlrParser;
  return loaded;
}

export function parseFile(path: string, kind?: FileKind): ParsedFile {
  return antlrParser().parseFile(path, kind);
}

export function parseText(text: string, path: string, kind?: FileKind): ParsedFile {
  return antlrParser().parseText(text, path, kind);
}
