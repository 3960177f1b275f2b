// A parser for the plainest metadata files without ANTLR: files made only of blank lines, comments,
// assignments (`[export] NAME op "value"`, `[export] NAME[flag] op "value"`, the value possibly
// continued over backslash-ended lines), `export NAME`, the keyword statements and shell, js or
// python functions, without a carriage return (no `unset`, no python `def` block). It gives the
// statements the ANTLR parser gives (antlr-parser.ts, the grammar in grammar/), or null for any
// file holding anything else, which the ANTLR parser then reads, errors and all.
//
// Why: a parse thread starts cold, and ANTLR's runtime (loading it, its JIT warm-up, the lexer's
// DFA built a character at a time) and its per-character lexing were a tenth of the processor
// time of a cold `bake -p` of the generated corpus, whose recipes, classes and includes are all
// this plain. Every metadata file of openembedded-core, BitBake, meta-core, the tests and the
// corpus parses to the same statements either way (see test/parse/line-parser.test.ts).
import type { AssignOp, FileKind, Location, ParsedFile, Statement } from "./ast.js";
import { functionHeader, keywordStatement } from "./statement-text.js";

/** The statements of `source` (every line ending in "\n"), or null when it is not that plain. */
export function parsePlainText(source: string, path: string, kind: FileKind): ParsedFile | null {
  // A carriage return, a backslash continuation or a character outside the BMP's plain range:
  // the lexer's rules for these are ANTLR's to apply.
  if (source.includes("\r") || SURROGATE.test(source)) return null;
  const statements: Statement[] = [];
  let pos = 0;
  let line = 0;
  while (pos < source.length) {
    const end = source.indexOf("\n", pos);
    if (end < 0) return null;
    const text = source.slice(pos, end);
    line++;
    pos = end + 1;
    const loc: Location = { file: path, line, column: 1 };
    const first = text.charCodeAt(0);
    if (BLANK.test(text)) continue;
    if (first === 0x23 /* # */) {
      // A comment ending in a backslash may continue (the builder's check): ANTLR's to judge.
      if (text.trimEnd().endsWith("\\")) return null;
      continue;
    }
    if (first === 0x20 || first === 0x09) return null; // indented: an error
    if (CONTINUED.test(text)) {
      // An assignment whose quoted value goes on over backslash-continued lines (the lexer's
      // LINE_JOIN): its logical line, read as one. Anything else continued is ANTLR's.
      let logical = text;
      let last = text;
      while (CONTINUED.test(last)) {
        const e = source.indexOf("\n", pos);
        if (e < 0) return null;
        last = source.slice(pos, e);
        line++;
        pos = e + 1;
        // A comment line inside a continued statement: refused in recipes and classes (the builder's check).
        if (kind === "recipe" && last.startsWith("#")) return null;
        logical += "\n" + last;
      }
      const st = keywordOrAssignment(logical, loc);
      if (st === null || st.kind !== "assignment") return null;
      statements.push({ ...st, lastLine: line });
      continue;
    }
    if (FUNC_HEADER.test(text)) {
      // Body lines up to a line that is exactly "}" (blanks after it allowed).
      const body: string[] = [];
      const bodyLine = line + 1;
      for (;;) {
        const e = source.indexOf("\n", pos);
        if (e < 0) return null; // unterminated
        const bodyText = source.slice(pos, e);
        line++;
        pos = e + 1;
        if (FUNC_END.test(bodyText)) break;
        body.push(bodyText.replace(TRAILING_SPACE, "") + "\n");
      }
      const st = functionDef(text, body.join(""), loc, bodyLine);
      if (st === null || kind === "conf") return null;
      statements.push(st);
      continue;
    }
    if (/^def[ \t]/.test(text)) return null; // a python def block
    const st = keywordOrAssignment(text, loc);
    if (st === null) return null;
    if (kind === "conf" && !CONF_STATEMENTS.has(st.kind)) return null;
    statements.push(st);
  }
  return { path, kind, statements };
}

const SURROGATE = /[\uD800-\uDFFF]/;
/** A physical line that the next one continues (a backslash, blanks after it allowed). */
const CONTINUED = /\\[ \t]*$/;
/** The lexer's LINE_JOIN, removed from values (as antlr-parser.ts). */
const CONTINUATION = /\\[ \t]*\r?\n/g;
const BLANK = /^[ \t]*$/;
const TRAILING_SPACE = /\s+$/;
// The lexer's FUNC_HEADER, a whole line: `(prefix blanks)* (name blanks* | python/js blanks*)? ( ) {`.
const FUNC_HEADER = /^(?:(?:python|fakeroot|js)[ \t]+)*(?:[a-zA-Z0-9_.\-+{}$:]+[ \t]*|(?:python|js)[ \t]*)?\([ \t]*\)[ \t]*\{[ \t]*$/;
const FUNC_END = /^\}[ \t]*$/;
const CONF_STATEMENTS: ReadonlySet<Statement["kind"]> = new Set(["assignment", "export", "unset", "include", "addpylib", "addfragments"]);

/** The keywords taken here (their token is the keyword and the blanks after it), and what they make. */
const KEYWORDS = [
  "include_all", "include", "require", "inherit_defer", "inherit", "EXPORT_FUNCTIONS", "addtask", "deltask", "addhandler", "addpylib", "addfragments",
] as const;
type Keyword = (typeof KEYWORDS)[number];
// Every keyword of the lexer, for telling a keyword statement from one this parser does not take.
const ALL_KEYWORDS = /^(?:include_all|include|require|inherit_defer|inherit|EXPORT_FUNCTIONS|addtask|deltask|addhandler|addpylib|addfragments|export|unset)[ \t]/;

const KEY_CHAR = /[a-zA-Z0-9\-_+.${}/~:]/;
const KEY_OP_TOKEN = /^[a-zA-Z0-9\-_+.${}/~:]+[ \t]*(?::=|\?\?=|\?=|\+=|=\+|=\.|\.=|=)$/;
/** A KEY_OP token split as BitBake's non-greedy assignment pattern splits it (as antlr-parser.ts). */
const KEY_OP_PARTS = /^([a-zA-Z0-9\-_+.${}/~:]+?)[ \t]*(:=|\?\?=|\?=|\+=|=\+|=\.|\.=|=)$/;
// After `NAME[flag]`, the lexer's STMT mode: blanks, then an operator (the operator rules come
// before STMT_KEY_OP and win the ties).
const FLAG_ASSIGNMENT = /^([a-zA-Z0-9\-_+.${}/~:]+)\[([a-zA-Z0-9\-_+.@/]+)\][ \t]*(\?\?=|:=|\?=|\+=|=\+|=\.|\.=|=)[ \t]*(["'])/;
const OPS: ReadonlySet<string> = new Set(["=", "?=", "??=", ":=", "+=", "=+", ".=", "=."]);
const EXPORT_NAME_START = /[a-zA-Z0-9\-_${}/~]/;
const EXPORT_ONLY = /^([a-zA-Z0-9\-_+.${}/~:]+)[ \t]*$/;

function keywordOrAssignment(text: string, loc: Location): Statement | null {
  const keyOp = longestKeyOp(text, 0);
  const keyword = ALL_KEYWORDS.exec(text);
  if (keyword !== null) {
    const token = /^\S+[ \t]+/.exec(text)![0];
    if (keyOp === null || keyOp.length <= token.length) {
      const word = token.trimEnd();
      // `export` is the lexer's EXPORT token, then its STMT mode: a name, an operator, a value.
      if (word === "export") return exported(text, token.length, loc);
      if (!(KEYWORDS as readonly string[]).includes(word)) return null;
      return keywordOf(word as Keyword, text.slice(token.length), loc);
    }
  }
  return assignment(text, 0, keyOp, false, loc);
}

/**
 * The longest KEY_OP token at `at` (the lexer takes the longest match): a name, blanks and an
 * operator, which may start inside the name's run (`A+=`, `A.=`); null when there is none.
 */
function longestKeyOp(text: string, at: number): string | null {
  let run = at;
  while (run < text.length && KEY_CHAR.test(text[run]!)) run++;
  if (run === at) return null;
  let blanks = run;
  while (blanks < text.length && (text[blanks] === " " || text[blanks] === "\t")) blanks++;
  for (let end = Math.min(text.length, blanks + 3); end > at; end--) {
    // Every operator has "=" as its last or (`=+`, `=.`) second-last character: other candidates
    // need no regular expression (which backtracks through the whole name for each one).
    if (text.charCodeAt(end - 1) !== 0x3d /* = */ && text.charCodeAt(end - 2) !== 0x3d) continue;
    const candidate = text.slice(at, end);
    if (KEY_OP_TOKEN.test(candidate)) return candidate;
  }
  return null;
}

/** `NAME op "value"` (the KEY_OP token `keyOp`) or `NAME[flag] op "value"` from `at`. */
function assignment(text: string, at: number, keyOp: string | null, isExported: boolean, loc: Location): Statement | null {
  if (keyOp !== null) {
    const [, name, op] = KEY_OP_PARTS.exec(keyOp)!;
    const value = quotedValue(text, at + keyOp.length);
    if (value === null) return null;
    return { kind: "assignment", loc, exported: isExported, name: name!, flag: null, op: op as AssignOp, value };
  }
  const m = FLAG_ASSIGNMENT.exec(at === 0 ? text : text.slice(at));
  if (m === null || !OPS.has(m[3]!)) return null;
  const value = quotedValue(text, at + m[0].length - 1);
  if (value === null) return null;
  return { kind: "assignment", loc, exported: isExported, name: m[1]!, flag: m[2]!, op: m[3] as AssignOp, value };
}

/** After `export` and its blanks (`at`): an exported assignment, or `export NAME`. */
function exported(text: string, at: number, loc: Location): Statement | null {
  // In the lexer's STMT mode an operator token starting here would win a tie with a name that
  // starts with one of its characters (`+`, `.`, `:`): those are ANTLR's.
  if (!EXPORT_NAME_START.test(text[at] ?? "")) return null;
  const keyOp = longestKeyOp(text, at);
  if (keyOp === null) {
    const m = EXPORT_ONLY.exec(text.slice(at));
    if (m !== null) return { kind: "export", loc, name: m[1]! };
  }
  return assignment(text, at, keyOp, true, loc);
}

/**
 * The value of a quoted string starting after blanks at `from`: to the last quote of its kind on
 * the (logical) line (the lexer's greedy DQ_VALUE/SQ_VALUE), nothing but blanks after it; null
 * otherwise, or for the three quotes BitBake's pattern refuses. `text` holds the physical lines of
 * a continued line joined with "\n", each but the last ending in a backslash (and blanks).
 */
function quotedValue(text: string, from: number): string | null {
  let start = from;
  while (start < text.length && (text[start] === " " || text[start] === "\t")) start++;
  const quote = text[start];
  if (quote !== '"' && quote !== "'") return null;
  const last = text.lastIndexOf(quote);
  if (last <= start || !BLANK.test(text.slice(last + 1))) return null;
  const raw = text.slice(start, last + 1);
  let quotes = 0;
  for (const c of raw) if (c === quote) quotes++;
  if (quotes === 3) return null;
  return raw.slice(1, -1).replace(CONTINUATION, "");
}

function keywordOf(keyword: Keyword, restText: string, loc: Location): Statement | null {
  // REST_TEXT with a backslash is ANTLR's (an escaped character, a continuation).
  if (restText.includes("\\")) return null;
  const r = keywordStatement(keyword, restText.trim(), loc);
  return "error" in r ? null : r.statement;
}

/** As antlr-parser.ts's StatementBuilder.functionDef; null where it would raise an error. */
function functionDef(header: string, body: string, loc: Location, bodyLine: number): Statement | null {
  const { language, fakeroot, name } = functionHeader(header);
  if (name === null && language === "shell") return null;
  return { kind: "function", loc, name, language, fakeroot, body, bodyLine };
}
