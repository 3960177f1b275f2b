// From text to AST: run the ANTLR lexer and parser, then turn the parse tree into typed statements,
// applying the checks BitBake makes on the way (odd quotes, comments inside continued lines, ...).
// Loaded on the first parse (parser.ts), not with the rest of the parse stage.
import { readFileSync } from "node:fs";
import {
  BaseErrorListener,
  CharStream,
  CommonTokenStream,
  Token as TokenKind,
  type ATNSimulator,
  type Interval,
  type RecognitionException,
  type Recognizer,
  type Token,
} from "antlr4ng";
import { BitBakeLexer } from "./generated/BitBakeLexer.js";
import {
  AssignmentContext,
  BitBakeParser,
  CommentLineContext,
  ExportStatementContext,
  FunctionDefContext,
  KeyOpAssignmentContext,
  KeywordStatementContext,
  PythonDefContext,
  UnsetStatementContext,
  type StatementContext,
} from "./generated/BitBakeParser.js";
import {
  fileKindOf,
  type AssignOp,
  type Assignment,
  type FileKind,
  type Location,
  type ParsedFile,
  type Statement,
} from "./ast.js";
import { FatalError, ParseError } from "./errors.js";
import { functionHeader, keywordStatement } from "./statement-text.js";

export function parseFile(path: string, kind: FileKind = fileKindOf(path)): ParsedFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ParseError(`cannot read ${path}: ${code === "ENOENT" ? "no such file" : String(err)}`, null);
  }
  return parseText(text, path, kind);
}

export function parseText(text: string, path: string, kind: FileKind = fileKindOf(path)): ParsedFile {
  // The lexer's line rules need every line, the last included, to end in a newline.
  const source = text.endsWith("\n") || text === "" ? text : text + "\n";
  const lines = source.split("\n");
  const input = SURROGATE.test(source) ? CharStream.fromString(source) : new Utf16Text(source);
  const errors = new FirstSyntaxError(path, lines);
  const lexer = recognizers().lexer;
  // The setter resets the lexer (its modes, line and column) for the new text.
  lexer.inputStream = input;
  lexer.removeErrorListeners();
  lexer.addErrorListener(errors);
  const tokens = new CommonTokenStream(lexer);
  tokens.fill();
  checkUnclosedFunction(lexer, tokens, path, lines);
  const parser = recognizers().parser;
  // The setter resets the parser (its context and error recovery) for the new tokens.
  parser.tokenStream = tokens;
  parser.removeErrorListeners();
  parser.addErrorListener(errors);
  const tree = parser.file();
  errors.throwIfAny();
  const builder = new StatementBuilder(path, kind, lines);
  const statements: Statement[] = [];
  for (const ctx of tree.statement()) {
    const st = builder.build(ctx);
    if (!st) continue;
    if (kind === "conf" && !CONF_STATEMENTS.has(st.kind)) {
      throw new ParseError(
        `unparsed line: ${describe(st)} is not allowed in a configuration file`,
        st.loc,
        lines[st.loc.line - 1] ?? null,
      );
    }
    statements.push(st);
  }
  return { path, kind, statements };
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * One lexer and one parser for every file this thread parses, each given the next text: a new pair
 * per file (a recipe, its bbappend) cost a parse thread of the generated corpus about 0.1 ms a file
 * in constructors (the lexer's ATN simulator and context cache, the parser's), a twentieth of
 * parsing it. Parsing is synchronous and never re-entered, so one pair serves every call.
 */
let kept: { readonly lexer: BitBakeLexer; readonly parser: BitBakeParser } | null = null;

function recognizers(): { readonly lexer: BitBakeLexer; readonly parser: BitBakeParser } {
  if (kept === null) {
    const lexer = new BitBakeLexer(new Utf16Text(""));
    kept = { lexer, parser: new BitBakeParser(new CommonTokenStream(lexer)) };
  }
  return kept;
}

/**
 * The lexer's input for a text without surrogate pairs, where a code point is a UTF-16 unit: token
 * texts are slices of the string. (antlr4ng's CharStream copies the text into an array of code
 * points and rebuilds every token's text a character at a time, a tenth of a recipe's parse.)
 */
class Utf16Text implements CharStream {
  name = "";
  index = 0;
  constructor(private readonly text: string) {}
  get size(): number {
    return this.text.length;
  }
  reset(): void {
    this.index = 0;
  }
  consume(): void {
    if (this.index >= this.text.length) throw new Error("cannot consume EOF");
    this.index++;
  }
  LA(offset: number): number {
    if (offset === 0) return 0;
    const pos = this.index + (offset < 0 ? offset : offset - 1);
    return pos < 0 || pos >= this.text.length ? TokenKind.EOF : this.text.charCodeAt(pos);
  }
  mark(): number {
    return -1;
  }
  release(): void {}
  seek(index: number): void {
    this.index = index <= this.index ? index : Math.min(index, this.text.length);
  }
  getTextFromRange(start: number, stop: number): string {
    return this.text.slice(start, stop + 1);
  }
  getTextFromInterval(interval: Interval): string {
    return this.text.slice(interval.start, interval.stop + 1);
  }
  getSourceName(): string {
    return this.name || "<unknown>";
  }
  toString(): string {
    return this.text;
  }
}

/** BitBake's configuration reader knows only these; functions, inherit and tasks belong to recipes. */
const CONF_STATEMENTS: ReadonlySet<Statement["kind"]> = new Set([
  "assignment", "export", "unset", "include", "addpylib", "addfragments",
]);

function describe(st: Statement): string {
  switch (st.kind) {
    case "function":
    case "pythonDef":
      return "a function definition";
    case "inherit":
      return st.deferred ? "inherit_defer" : "inherit";
    case "exportFunctions":
      return "EXPORT_FUNCTIONS";
    default:
      return st.kind;
  }
}

function checkUnclosedFunction(lexer: BitBakeLexer, tokens: CommonTokenStream, path: string, lines: string[]): void {
  if (lexer.mode !== BitBakeLexer.FUNC) return;
  const header = [...tokens.getTokens()].reverse().find((t) => t.type === BitBakeLexer.FUNC_HEADER);
  const line = header?.line ?? 1;
  throw new ParseError(
    `unterminated function: no line consisting of "}" closes the function started here`,
    { file: path, line, column: 1 },
    lines[line - 1] ?? null,
  );
}

/** Keeps the first lexer or parser error and turns it into a ParseError with a readable cause. */
class FirstSyntaxError extends BaseErrorListener {
  private first: ParseError | null = null;

  constructor(private readonly path: string, private readonly lines: string[]) {
    super();
  }

  override syntaxError<S extends Token, T extends ATNSimulator>(
    _recognizer: Recognizer<T>,
    offendingSymbol: S | null,
    line: number,
    charPositionInLine: number,
    msg: string,
    _e: RecognitionException | null,
  ): void {
    if (this.first) return;
    const loc = { file: this.path, line, column: charPositionInLine + 1 };
    const text = this.lines[line - 1] ?? null;
    // BitBake's own words for an unset it cannot read (`unset A:override`): the whole line.
    const message = text !== null && /^unset\s/.test(text) ? `unparsed line: '${text.trim()}'` : explain(offendingSymbol, msg);
    this.first = new ParseError(message, loc, text);
  }

  throwIfAny(): void {
    if (this.first) throw this.first;
  }
}

function explain(token: Token | null, msg: string): string {
  if (!token) return `unparsed line (${msg})`;
  switch (token.type) {
    case BitBakeLexer.INDENT:
      return "unparsed line: a statement or comment may not start with whitespace";
    case BitBakeLexer.KEY:
      return `unparsed line: unexpected '${token.text}' (expected an assignment operator such as "=")`;
    case BitBakeLexer.KEY_OP:
      return `unparsed line: unexpected '${KEY_OP_PARTS.exec(token.text!)?.[1] ?? token.text}' (expected an assignment operator such as "=")`;
    case BitBakeLexer.NEWLINE:
    case BitBakeLexer.EOF:
      return "unparsed line: the statement ends too early (a value must be quoted)";
    case BitBakeLexer.ERROR_CHAR:
      return `unparsed line: unexpected '${token.text}'`;
    default:
      return `unparsed line: unexpected '${(token.text ?? "").trim()}'`;
  }
}

const OPS: ReadonlySet<string> = new Set(["=", "?=", "??=", ":=", "+=", "=+", ".=", "=."]);
/** A KEY_OP token split as BitBake's non-greedy assignment pattern splits it: `A+=` is A and +=, `A+ =` is A+ and =. */
const KEY_OP_PARTS = /^([a-zA-Z0-9\-_+.${}/~:]+?)[ \t]*(:=|\?\?=|\?=|\+=|=\+|=\.|\.=|=)$/;
const CONTINUATION = /\\[ \t]*\r?\n/g;

class StatementBuilder {
  constructor(
    private readonly path: string,
    private readonly kind: FileKind,
    private readonly lines: string[],
  ) {}

  build(ctx: StatementContext): Statement | null {
    const loc = this.locOf(ctx.start!);
    if (ctx instanceof CommentLineContext) {
      this.checkCommentContinuation(ctx.start!);
      return null;
    }
    if (!(ctx instanceof FunctionDefContext) && !(ctx instanceof PythonDefContext)) {
      this.checkNoCommentInContinuation(ctx);
    }
    if (ctx instanceof AssignmentContext) {
      const op = ctx.assignOp().getText();
      if (!OPS.has(op)) throw this.parseError(`unknown operator '${op}'`, ctx.assignOp().start!);
      return this.assignment(ctx, loc, ctx.KEY().getText(), ctx.flag()?.FLAG_NAME().getText() ?? null, op as AssignOp);
    }
    if (ctx instanceof KeyOpAssignmentContext) {
      const [, name, op] = KEY_OP_PARTS.exec(ctx.KEY_OP().getText())!;
      return this.assignment(ctx, loc, name!, null, op as AssignOp);
    }
    if (ctx instanceof ExportStatementContext) {
      return { kind: "export", loc, name: ctx.KEY().getText() };
    }
    if (ctx instanceof UnsetStatementContext) {
      const flag = ctx.flag()?.FLAG_NAME().getText() ?? null;
      // BitBake's `unset VAR[flag]` pattern wants a flag name of two characters or more, without '/'.
      if (flag !== null && (flag.length < 2 || flag.includes("/"))) {
        throw this.parseError(`unparsed line: '${flag}' is not a flag name unset accepts`, ctx.flag()!.start!);
      }
      return { kind: "unset", loc, name: ctx.UNSET_NAME().getText(), flag };
    }
    if (ctx instanceof KeywordStatementContext) {
      return this.keywordStatement(ctx, loc);
    }
    if (ctx instanceof FunctionDefContext) {
      return this.functionDef(ctx, loc);
    }
    if (ctx instanceof PythonDefContext) {
      return this.pythonDef(ctx, loc);
    }
    throw this.parseError("unparsed line", ctx.start!);
  }

  private assignment(ctx: AssignmentContext | KeyOpAssignmentContext, loc: Location, name: string, flag: string | null, op: AssignOp): Statement {
    const valueToken = ctx._value!;
    const raw = valueToken.text!;
    const quote = raw[0]!;
    // BitBake's assignment regex refuses a line holding exactly three quotes of the value's kind.
    if (countOf(raw, quote) === 3) {
      throw this.parseError(`unparsed line: unbalanced ${quote === '"' ? "double" : "single"} quotes in the value`, valueToken);
    }
    const value = raw.slice(1, -1).replace(CONTINUATION, "");
    const continued = raw.length - 2 - value.length > 0 ? (raw.match(CONTINUATION)?.length ?? 0) : 0;
    const st: Assignment = { kind: "assignment", loc, exported: ctx.EXPORT() !== null, name, flag, op, value };
    return continued > 0 ? { ...st, lastLine: loc.line + continued } : st;
  }

  private keywordStatement(ctx: KeywordStatementContext, loc: Location): Statement {
    // The keyword's token includes the blanks after it.
    const keyword = ctx.keyword().getText().trimEnd();
    const restToken = ctx.REST_TEXT();
    const rest = (restToken?.getText() ?? "").replace(CONTINUATION, "").trim();
    const r = keywordStatement(keyword, rest, loc);
    if ("error" in r) throw this.parseError(r.error, ctx.start!);
    return r.statement;
  }

  private functionDef(ctx: FunctionDefContext, loc: Location): Statement {
    const { language, fakeroot, name } = functionHeader(ctx.FUNC_HEADER().getText());
    // A body line keeps its text but loses trailing whitespace, as BitBake right-strips every line.
    const body = ctx.FUNC_LINE().map((t) => t.getText().replace(/\s+$/, "") + "\n").join("");
    if (name === null && language === "shell") {
      throw this.parseError("an anonymous function must be `python () {` or `js () {`", ctx.start!);
    }
    return { kind: "function", loc, name, language, fakeroot, body, bodyLine: loc.line + 1 };
  }

  private pythonDef(ctx: PythonDefContext, loc: Location): Statement {
    const header = ctx.PYDEF_HEADER().getText().replace(CONTINUATION, "").replace(/\s+$/, "");
    const m = /^def\s+(\w+).*:/.exec(header);
    if (!m) throw this.parseError("a python def needs a ':' after its name", ctx.start!);
    const bodyLines = ctx.PYDEF_LINE().map((t) => t.getText().replace(/\s+$/, ""));
    return { kind: "pythonDef", loc, name: m[1]!, body: [header, ...bodyLines].join("\n") };
  }

  /** A comment ending in a backslash continues only onto another comment (else BitBake stops). */
  private checkCommentContinuation(token: Token): void {
    if (!token.text!.replace(/\s+$/, "").endsWith("\\")) return;
    const next = this.lines[token.line];
    if (next === undefined || next === "" || !next.startsWith("#")) {
      throw new FatalError(
        "confusing multi-line comment: the comment ends in a backslash but the next line is not a comment; " +
          "make it all a comment or remove the backslash",
        this.locOf(token),
        this.lines[token.line - 1] ?? null,
      );
    }
  }

  /** In recipes and classes, a continued line may not go on with a comment line (conf files allow it). */
  private checkNoCommentInContinuation(ctx: StatementContext): void {
    if (this.kind !== "recipe") return;
    const first = ctx.start!.line;
    const last = ctx.stop?.line ?? first;
    for (let line = first + 1; line <= last; line++) {
      if (this.lines[line - 1]!.startsWith("#")) {
        throw new FatalError(
          "a comment line inside a multi-line (backslash-continued) expression is not allowed here",
          { file: this.path, line, column: 1 },
          this.lines[line - 1]!,
        );
      }
    }
  }

  private locOf(token: Token): Location {
    return { file: this.path, line: token.line, column: token.column + 1 };
  }

  private parseError(message: string, token: Token): ParseError {
    return new ParseError(message, this.locOf(token), this.lines[token.line - 1] ?? null);
  }
}

function countOf(text: string, ch: string): number {
  let n = 0;
  for (const c of text) if (c === ch) n++;
  return n;
}
