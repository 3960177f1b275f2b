// A POSIX shell parser for the bodies of shell functions, and the list of commands a body runs.
//
// BitBake parses shell functions (with its bundled pysh) only to learn which commands they run:
// a command whose name is also a variable of the datastore (a shell function) becomes a
// dependency of the task's signature. Variable references need no shell parsing, since they
// come from the datastore's own expansion. This parser is a recursive descent over the source,
// with the lexer driven by the parser (so `$(…)` can hold any script, here-documents are read
// at the newline that follows their operator, and reserved words are recognised only where a
// command starts).
import { memoizeByText } from "./code-cache.js";

export type WordPart =
  | { readonly kind: "literal"; readonly text: string }
  | { readonly kind: "single-quoted"; readonly text: string }
  | { readonly kind: "double-quoted"; readonly parts: readonly WordPart[] }
  /** `$name`, `$1`, `$?`, or `${…}` (whose inner text is kept verbatim). */
  | { readonly kind: "parameter"; readonly text: string }
  /** `$(…)`, `` `…` `` or a process substitution `<(…)` / `>(…)`. */
  | {
      readonly kind: "command-substitution";
      readonly form: "dollar" | "backquote" | "process";
      readonly script: Script;
    }
  | { readonly kind: "arithmetic"; readonly text: string };

export interface Word {
  /** The word as written, quotes and expansions included. */
  readonly raw: string;
  readonly parts: readonly WordPart[];
}

export interface Assignment {
  readonly name: string;
  readonly value: Word;
}

export interface Redirect {
  readonly op: string;
  readonly fd: number | null;
  readonly target: Word;
  /** The body of a here-document (`<<`, `<<-`), as read; null for other redirections. */
  readonly heredoc: string | null;
}

export type Command =
  | {
      readonly kind: "simple";
      readonly assignments: readonly Assignment[];
      readonly words: readonly Word[];
      readonly redirects: readonly Redirect[];
    }
  | { readonly kind: "pipeline"; readonly negated: boolean; readonly commands: readonly Command[] }
  | { readonly kind: "and-or"; readonly op: "&&" | "||"; readonly left: Command; readonly right: Command }
  | { readonly kind: "subshell"; readonly body: Script; readonly redirects: readonly Redirect[] }
  | { readonly kind: "group"; readonly body: Script; readonly redirects: readonly Redirect[] }
  | {
      readonly kind: "if";
      readonly clauses: readonly { readonly condition: Script; readonly body: Script }[];
      readonly elseBody: Script | null;
      readonly redirects: readonly Redirect[];
    }
  | {
      readonly kind: "for";
      readonly variable: string;
      /** null when `in …` is left out (the loop runs over "$@"). */
      readonly items: readonly Word[] | null;
      readonly body: Script;
      readonly redirects: readonly Redirect[];
    }
  | {
      readonly kind: "loop";
      readonly until: boolean;
      readonly condition: Script;
      readonly body: Script;
      readonly redirects: readonly Redirect[];
    }
  | {
      readonly kind: "case";
      readonly subject: Word;
      readonly items: readonly { readonly patterns: readonly Word[]; readonly body: Script }[];
      readonly redirects: readonly Redirect[];
    }
  | { readonly kind: "function"; readonly name: string; readonly body: Command };

/** A list of commands (`a; b & c` and newlines); background markers are not kept. */
export type Script = readonly Command[];

export class ShellSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`shell syntax error at line ${line}, column ${column}: ${reason}`);
    this.name = "ShellSyntaxError";
  }
}

type Token =
  | { readonly t: "word"; readonly word: Word; readonly start: number }
  | { readonly t: "op"; readonly op: string; readonly start: number }
  | { readonly t: "io-number"; readonly fd: number; readonly start: number }
  | { readonly t: "newline"; readonly start: number }
  | { readonly t: "eof"; readonly start: number };

const OPERATORS = [
  ";;&", "<<-", "<<<", "&>>",
  "&&", "||", ";;", ";&", "<<", ">>", "<&", ">&", "<>", ">|", "&>", "|&",
  ";", "&", "|", "<", ">", "(", ")",
];
const REDIRECT_OPS = new Set(["<", ">", ">>", "<<", "<<-", "<<<", "<&", ">&", "<>", ">|", "&>", "&>>"]);
const METACHARS = new Set([" ", "\t", "\n", ";", "&", "|", "<", ">", "(", ")"]);
/** Words that end a list when they stand where a command would start. */
const LIST_TERMINATORS = new Set(["then", "else", "elif", "fi", "do", "done", "esac", "}"]);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ASSIGNMENT_PREFIX = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;

interface PendingHeredoc {
  readonly delimiter: string;
  readonly stripTabs: boolean;
  readonly redirect: { heredoc: string | null };
}

class Parser {
  private pos = 0;
  private lookahead: Token | null = null;
  private pending: PendingHeredoc[] = [];

  constructor(private readonly src: string) {}

  parseProgram(): Script {
    const script = this.parseList();
    const tok = this.peek();
    if (tok.t !== "eof") this.fail(`unexpected ${describe(tok)}`, tok.start);
    return script;
  }

  // ── lists and commands ─────────────────────────────────────────────────────

  private parseList(): Command[] {
    const commands: Command[] = [];
    for (;;) {
      this.skipNewlines();
      const tok = this.peek();
      if (tok.t === "eof") break;
      if (tok.t === "op" && (tok.op === ")" || tok.op === ";;" || tok.op === ";&" || tok.op === ";;&")) break;
      if (tok.t === "word" && LIST_TERMINATORS.has(literalOf(tok.word) ?? "")) break;
      commands.push(this.parseAndOr());
      const sep = this.peek();
      if (sep.t === "op" && (sep.op === ";" || sep.op === "&")) {
        this.next();
      } else if (sep.t !== "newline") {
        break;
      }
    }
    return commands;
  }

  private parseAndOr(): Command {
    let left = this.parsePipeline();
    for (;;) {
      const tok = this.peek();
      if (tok.t !== "op" || (tok.op !== "&&" && tok.op !== "||")) return left;
      this.next();
      this.skipNewlines();
      const right = this.parsePipeline();
      left = { kind: "and-or", op: tok.op, left, right };
    }
  }

  private parsePipeline(): Command {
    let negated = false;
    while (this.peekKeyword("!")) {
      this.next();
      negated = !negated;
    }
    const commands = [this.parseCommand()];
    for (;;) {
      const tok = this.peek();
      if (tok.t !== "op" || (tok.op !== "|" && tok.op !== "|&")) break;
      this.next();
      this.skipNewlines();
      commands.push(this.parseCommand());
    }
    if (commands.length === 1 && !negated) return commands[0]!;
    return { kind: "pipeline", negated, commands };
  }

  private parseCommand(): Command {
    const tok = this.peek();
    if (tok.t === "op" && tok.op === "(") {
      this.next();
      const body = this.parseList();
      this.expectOp(")");
      return { kind: "subshell", body, redirects: this.parseRedirects() };
    }
    if (tok.t === "word") {
      switch (literalOf(tok.word)) {
        case "{": {
          this.next();
          const body = this.parseList();
          this.expectKeyword("}");
          return { kind: "group", body, redirects: this.parseRedirects() };
        }
        case "if":
          return this.parseIf();
        case "for":
          return this.parseFor();
        case "while":
        case "until":
          return this.parseLoop();
        case "case":
          return this.parseCase();
        case "function":
          return this.parseBashFunction();
      }
    }
    return this.parseSimpleCommand();
  }

  private parseIf(): Command {
    this.next();
    const clauses: { condition: Script; body: Script }[] = [];
    let elseBody: Script | null = null;
    for (;;) {
      const condition = this.parseList();
      this.expectKeyword("then");
      const body = this.parseList();
      clauses.push({ condition, body });
      if (this.peekKeyword("elif")) {
        this.next();
        continue;
      }
      if (this.peekKeyword("else")) {
        this.next();
        elseBody = this.parseList();
      }
      this.expectKeyword("fi");
      break;
    }
    return { kind: "if", clauses, elseBody, redirects: this.parseRedirects() };
  }

  private parseFor(): Command {
    this.next();
    const nameTok = this.next();
    if (nameTok.t !== "word") this.fail(`expected a name after 'for', found ${describe(nameTok)}`, nameTok.start);
    const variable = nameTok.word.raw;
    this.skipNewlines();
    let items: Word[] | null = null;
    if (this.peekKeyword("in")) {
      this.next();
      items = [];
      for (;;) {
        const tok = this.peek();
        if (tok.t !== "word") break;
        this.next();
        items.push(tok.word);
      }
      const sep = this.peek();
      if (sep.t === "op" && sep.op === ";") this.next();
      else if (sep.t !== "newline") this.fail(`expected ';' or a newline in 'for', found ${describe(sep)}`, sep.start);
    } else {
      const sep = this.peek();
      if (sep.t === "op" && sep.op === ";") this.next();
    }
    this.skipNewlines();
    this.expectKeyword("do");
    const body = this.parseList();
    this.expectKeyword("done");
    return { kind: "for", variable, items, body, redirects: this.parseRedirects() };
  }

  private parseLoop(): Command {
    const until = literalOf((this.next() as { word: Word }).word) === "until";
    const condition = this.parseList();
    this.expectKeyword("do");
    const body = this.parseList();
    this.expectKeyword("done");
    return { kind: "loop", until, condition, body, redirects: this.parseRedirects() };
  }

  private parseCase(): Command {
    this.next();
    const subjectTok = this.next();
    if (subjectTok.t !== "word") this.fail(`expected a word after 'case', found ${describe(subjectTok)}`, subjectTok.start);
    this.skipNewlines();
    this.expectKeyword("in");
    const items: { patterns: Word[]; body: Script }[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.peekKeyword("esac")) break;
      let tok = this.peek();
      if (tok.t === "op" && tok.op === "(") {
        this.next();
      }
      const patterns: Word[] = [];
      for (;;) {
        tok = this.next();
        if (tok.t !== "word") this.fail(`expected a pattern in 'case', found ${describe(tok)}`, tok.start);
        patterns.push(tok.word);
        const sep = this.next();
        if (sep.t === "op" && sep.op === "|") continue;
        if (sep.t === "op" && sep.op === ")") break;
        this.fail(`expected '|' or ')' after a case pattern, found ${describe(sep)}`, sep.start);
      }
      const body = this.parseList();
      items.push({ patterns, body });
      const end = this.peek();
      if (end.t === "op" && (end.op === ";;" || end.op === ";&" || end.op === ";;&")) {
        this.next();
        continue;
      }
      if (this.peekKeyword("esac")) break;
      this.fail(`expected ';;' or 'esac', found ${describe(end)}`, end.start);
    }
    this.expectKeyword("esac");
    return { kind: "case", subject: subjectTok.word, items, redirects: this.parseRedirects() };
  }

  /** bash's `function name [()] body`. */
  private parseBashFunction(): Command {
    this.next();
    const nameTok = this.next();
    if (nameTok.t !== "word") this.fail(`expected a function name, found ${describe(nameTok)}`, nameTok.start);
    const open = this.peek();
    if (open.t === "op" && open.op === "(") {
      this.next();
      this.expectOp(")");
    }
    this.skipNewlines();
    return { kind: "function", name: nameTok.word.raw, body: this.parseCommand() };
  }

  private parseSimpleCommand(): Command {
    const assignments: Assignment[] = [];
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    for (;;) {
      const tok = this.peek();
      if (tok.t === "io-number" || (tok.t === "op" && REDIRECT_OPS.has(tok.op))) {
        redirects.push(this.parseRedirect());
        continue;
      }
      if (tok.t !== "word") {
        if (tok.t === "op" && tok.op === "(" && words.length === 1 && assignments.length === 0 && redirects.length === 0) {
          // `name ( )` starts a function definition.
          this.next();
          this.expectOp(")");
          this.skipNewlines();
          return { kind: "function", name: words[0]!.raw, body: this.parseCommand() };
        }
        break;
      }
      this.next();
      if (words.length === 0) {
        const assignment = asAssignment(tok.word);
        if (assignment) {
          assignments.push(this.withArrayValue(assignment));
          continue;
        }
      }
      words.push(tok.word);
    }
    if (words.length === 0 && assignments.length === 0 && redirects.length === 0) {
      const tok = this.peek();
      this.fail(`unexpected ${describe(tok)}`, tok.start);
    }
    return { kind: "simple", assignments, words, redirects };
  }

  /** bash arrays, `name=(a b c)`: the words up to `)` are kept as the value's raw text. */
  private withArrayValue(assignment: Assignment): Assignment {
    if (assignment.value.raw !== "" || this.src[this.pos] !== "(" || this.lookahead) return assignment;
    const open = this.pos;
    this.pos++;
    const parts: WordPart[] = [];
    for (;;) {
      const tok = this.next();
      if (tok.t === "op" && tok.op === ")") break;
      if (tok.t === "word") parts.push(...tok.word.parts);
      else if (tok.t !== "newline") this.fail(`unexpected ${describe(tok)} in an array`, tok.start);
    }
    return { name: assignment.name, value: { raw: this.src.slice(open, this.pos), parts } };
  }

  private parseRedirects(): Redirect[] {
    const redirects: Redirect[] = [];
    for (;;) {
      const tok = this.peek();
      if (tok.t === "io-number" || (tok.t === "op" && REDIRECT_OPS.has(tok.op))) redirects.push(this.parseRedirect());
      else return redirects;
    }
  }

  private parseRedirect(): Redirect {
    let fd: number | null = null;
    let tok = this.next();
    if (tok.t === "io-number") {
      fd = tok.fd;
      tok = this.next();
    }
    if (tok.t !== "op" || !REDIRECT_OPS.has(tok.op)) this.fail(`expected a redirection, found ${describe(tok)}`, tok.start);
    const op = tok.op;
    const target = this.next();
    if (target.t !== "word") this.fail(`expected a word after '${op}', found ${describe(target)}`, target.start);
    const redirect = { op, fd, target: target.word, heredoc: null as string | null };
    if (op === "<<" || op === "<<-") {
      this.pending.push({ delimiter: unquote(target.word), stripTabs: op === "<<-", redirect });
    }
    return redirect;
  }

  // ── tokens ─────────────────────────────────────────────────────────────────

  private peek(): Token {
    if (!this.lookahead) this.lookahead = this.lex();
    return this.lookahead;
  }

  private next(): Token {
    const tok = this.peek();
    this.lookahead = null;
    return tok;
  }

  private peekKeyword(word: string): boolean {
    const tok = this.peek();
    return tok.t === "word" && literalOf(tok.word) === word;
  }

  private expectKeyword(word: string): void {
    const tok = this.next();
    if (tok.t !== "word" || literalOf(tok.word) !== word) this.fail(`expected '${word}', found ${describe(tok)}`, tok.start);
  }

  private expectOp(op: string): void {
    const tok = this.next();
    if (tok.t !== "op" || tok.op !== op) this.fail(`expected '${op}', found ${describe(tok)}`, tok.start);
  }

  private skipNewlines(): void {
    while (this.peek().t === "newline") this.next();
  }

  private lex(): Token {
    const src = this.src;
    for (;;) {
      const c = src[this.pos];
      if (c === " " || c === "\t" || c === "\r") this.pos++;
      else if (c === "\\" && src[this.pos + 1] === "\n") this.pos += 2;
      else if (c === "#") {
        while (this.pos < src.length && src[this.pos] !== "\n") this.pos++;
      } else break;
    }
    const start = this.pos;
    if (this.pos >= src.length) {
      this.readHeredocs();
      return { t: "eof", start };
    }
    const c = src[this.pos]!;
    if (c === "\n") {
      this.pos++;
      this.readHeredocs();
      return { t: "newline", start };
    }
    if ((c === "<" || c === ">") && src[this.pos + 1] === "(") return { t: "word", word: this.lexWord(), start };
    for (const op of OPERATORS) {
      if (src.startsWith(op, this.pos)) {
        this.pos += op.length;
        return { t: "op", op, start };
      }
    }
    const digits = /^[0-9]+(?=[<>])/.exec(src.slice(this.pos, this.pos + 12));
    if (digits) {
      this.pos += digits[0].length;
      return { t: "io-number", fd: Number(digits[0]), start };
    }
    return { t: "word", word: this.lexWord(), start };
  }

  private readHeredocs(): void {
    const pending = this.pending;
    this.pending = [];
    for (const doc of pending) {
      const lines: string[] = [];
      while (this.pos < this.src.length) {
        let end = this.src.indexOf("\n", this.pos);
        if (end < 0) end = this.src.length;
        const line = this.src.slice(this.pos, end);
        this.pos = Math.min(end + 1, this.src.length);
        const compared = doc.stripTabs ? line.replace(/^\t+/, "") : line;
        if (compared === doc.delimiter) break;
        lines.push(compared);
      }
      // A here-document left open runs to the end of the script: shells accept it with a warning.
      doc.redirect.heredoc = lines.map((l) => l + "\n").join("");
    }
  }

  private lexWord(): Word {
    const start = this.pos;
    const parts: WordPart[] = [];
    let literal = "";
    const flush = (): void => {
      if (literal) parts.push({ kind: "literal", text: literal });
      literal = "";
    };
    const src = this.src;
    while (this.pos < src.length) {
      const c = src[this.pos]!;
      if (METACHARS.has(c)) {
        // `<(…)` and `>(…)` at the start of a word are process substitutions (bash).
        if ((c === "<" || c === ">") && this.pos === start && src[this.pos + 1] === "(") {
          this.pos += 2;
          parts.push({ kind: "command-substitution", form: "process", script: this.parseNested() });
          continue;
        }
        break;
      }
      if (c === "\\") {
        if (src[this.pos + 1] === "\n") {
          this.pos += 2;
          continue;
        }
        literal += src.slice(this.pos, this.pos + 2);
        this.pos += 2;
        continue;
      }
      if (c === "'") {
        flush();
        const end = src.indexOf("'", this.pos + 1);
        if (end < 0) this.fail("unterminated single quote", this.pos);
        parts.push({ kind: "single-quoted", text: src.slice(this.pos + 1, end) });
        this.pos = end + 1;
        continue;
      }
      if (c === '"') {
        flush();
        parts.push(this.lexDoubleQuoted());
        continue;
      }
      if (c === "$" || c === "`") {
        const part = this.lexExpansion(false);
        if (part) {
          flush();
          parts.push(part);
          continue;
        }
      }
      literal += c;
      this.pos++;
    }
    flush();
    return { raw: src.slice(start, this.pos), parts };
  }

  private lexDoubleQuoted(): WordPart {
    const open = this.pos;
    this.pos++;
    const parts: WordPart[] = [];
    let literal = "";
    const src = this.src;
    for (;;) {
      if (this.pos >= src.length) this.fail("unterminated double quote", open);
      const c = src[this.pos]!;
      if (c === '"') {
        this.pos++;
        break;
      }
      if (c === "\\") {
        const n = src[this.pos + 1];
        if (n === "\n") {
          this.pos += 2;
          continue;
        }
        literal += n === "$" || n === "`" || n === '"' || n === "\\" ? n : "\\" + (n ?? "");
        this.pos += 2;
        continue;
      }
      if (c === "$" || c === "`") {
        const part = this.lexExpansion(true);
        if (part) {
          if (literal) parts.push({ kind: "literal", text: literal });
          literal = "";
          parts.push(part);
          continue;
        }
      }
      literal += c;
      this.pos++;
    }
    if (literal) parts.push({ kind: "literal", text: literal });
    return { kind: "double-quoted", parts };
  }

  /** At `$` or a backquote: the expansion that starts here, or null when `$` is a plain character. */
  private lexExpansion(inDoubleQuotes: boolean): WordPart | null {
    const src = this.src;
    const start = this.pos;
    if (src[start] === "`") {
      return { kind: "command-substitution", form: "backquote", script: this.lexBackquoted(inDoubleQuotes) };
    }
    const n = src[start + 1];
    if (n === "(") {
      if (src[start + 2] === "(") {
        const end = arithmeticEnd(src, start + 3);
        if (end >= 0) {
          this.pos = end + 2;
          return { kind: "arithmetic", text: src.slice(start + 3, end) };
        }
      }
      this.pos = start + 2;
      return { kind: "command-substitution", form: "dollar", script: this.parseNested() };
    }
    if (n === "{") {
      this.pos = start + 2;
      this.skipBraced();
      return { kind: "parameter", text: src.slice(start, this.pos) };
    }
    if (n === "'" && !inDoubleQuotes) {
      // bash's $'…' (ANSI-C quoting): a quoted string where backslash escapes the quote.
      let i = start + 2;
      while (i < src.length && src[i] !== "'") i += src[i] === "\\" ? 2 : 1;
      if (i >= src.length) this.fail("unterminated $'…' string", start);
      this.pos = i + 1;
      return { kind: "single-quoted", text: src.slice(start + 2, i) };
    }
    const name = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])/.exec(src.slice(start + 1, start + 200));
    if (name) {
      this.pos = start + 1 + name[0].length;
      return { kind: "parameter", text: src.slice(start, this.pos) };
    }
    return null;
  }

  /** After `${`: move past the matching `}`, minding quotes and nested expansions. */
  private skipBraced(): void {
    const src = this.src;
    const open = this.pos - 2;
    let depth = 1;
    while (this.pos < src.length) {
      const c = src[this.pos]!;
      if (c === "\\") this.pos += 2;
      else if (c === "'") {
        const end = src.indexOf("'", this.pos + 1);
        if (end < 0) this.fail("unterminated single quote", this.pos);
        this.pos = end + 1;
      } else if (c === '"') this.lexDoubleQuoted();
      else if (c === "$" || c === "`") {
        if (!this.lexExpansion(false)) this.pos++;
      } else if (c === "{") {
        depth++;
        this.pos++;
      } else if (c === "}") {
        this.pos++;
        if (--depth === 0) return;
      } else this.pos++;
    }
    this.fail("unterminated '${'", open);
  }

  /** After `$(`: the script up to the matching `)`. */
  private parseNested(): Script {
    const saved = this.lookahead;
    this.lookahead = null;
    const script = this.parseList();
    this.expectOp(")");
    this.lookahead = saved;
    return script;
  }

  private lexBackquoted(inDoubleQuotes: boolean): Script {
    const src = this.src;
    const open = this.pos;
    let i = open + 1;
    let inner = "";
    for (;;) {
      if (i >= src.length) this.fail("unterminated backquote", open);
      const c = src[i]!;
      if (c === "`") break;
      if (c === "\\") {
        const n = src[i + 1] ?? "";
        // Inside backquotes a backslash quotes only these (and '"' when in double quotes).
        if (n === "$" || n === "`" || n === "\\" || (inDoubleQuotes && n === '"')) inner += n;
        else if (n !== "\n") inner += c + n;
        i += 2;
        continue;
      }
      inner += c;
      i++;
    }
    this.pos = i + 1;
    try {
      return new Parser(inner).parseProgram();
    } catch (e) {
      if (e instanceof ShellSyntaxError) this.fail(`in backquoted command: ${e.reason}`, open);
      throw e;
    }
  }

  private fail(reason: string, offset: number): never {
    const before = this.src.slice(0, offset);
    const line = before.split("\n").length;
    const column = offset - before.lastIndexOf("\n");
    throw new ShellSyntaxError(reason, line, column);
  }
}

/** From just after `$((`: the offset of the closing `))`, or -1 when this is `$( (…) … )` instead. */
function arithmeticEnd(src: string, from: number): number {
  let depth = 0;
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (c === "(") depth++;
    else if (c === ")") {
      if (depth > 0) depth--;
      else return src[i + 1] === ")" ? i : -1;
    } else if (c === "\n" || c === ";") {
      if (depth === 0) return -1;
    }
  }
  return -1;
}

function literalOf(word: Word): string | null {
  return word.parts.length === 1 && word.parts[0]!.kind === "literal" ? word.parts[0]!.text : null;
}

function asAssignment(word: Word): Assignment | null {
  const first = word.parts[0];
  if (!first || first.kind !== "literal") return null;
  const m = ASSIGNMENT_PREFIX.exec(first.text);
  if (!m) return null;
  const rest = first.text.slice(m[0].length);
  const parts = rest ? [{ kind: "literal" as const, text: rest }, ...word.parts.slice(1)] : word.parts.slice(1);
  return { name: m[0].replace(/\+?=$/, ""), value: { raw: word.raw.slice(m[0].length), parts } };
}

/** A here-document delimiter with its quoting removed. */
function unquote(word: Word): string {
  return word.parts
    .map((p) => {
      switch (p.kind) {
        case "literal":
          return p.text.replace(/\\(.)/g, "$1");
        case "single-quoted":
          return p.text;
        case "double-quoted":
          return p.parts.map((q) => (q.kind === "literal" ? q.text : "")).join("");
        default:
          return "";
      }
    })
    .join("");
}

function describe(tok: Token): string {
  switch (tok.t) {
    case "word":
      return `'${tok.word.raw}'`;
    case "op":
      return `'${tok.op}'`;
    case "io-number":
      return `'${tok.fd}'`;
    case "newline":
      return "a newline";
    case "eof":
      return "the end of the script";
  }
}

/** Parse a shell script (a function body); throws ShellSyntaxError with line and column. */
export function parseShell(source: string): Script {
  return new Parser(source).parseProgram();
}

/**
 * The commands a shell script runs, as BitBake's ShellParser counts them: the first word of
 * every simple command, also inside `$(…)`, backquotes, subshells, conditions and loops; not
 * a first word that is itself an expansion; not the functions the script defines itself;
 * and for `eval`, the commands of its arguments read as a script. Builtins and keywords are
 * not filtered here: a command matters to a signature only when a variable of that name exists.
 */
export const shellCommands: (source: string) => ReadonlySet<string> = memoizeByText((source) => {
  const all = new Set<string>();
  const defined = new Set<string>();
  collectScript(parseShell(source), all, defined);
  for (const name of defined) all.delete(name);
  return all;
});

function collectScript(script: Script, all: Set<string>, defined: Set<string>): void {
  for (const command of script) collectCommand(command, all, defined);
}

function collectCommand(command: Command, all: Set<string>, defined: Set<string>): void {
  switch (command.kind) {
    case "simple":
      return collectSimple(command.words, command.assignments, all, defined);
    case "pipeline":
      for (const c of command.commands) collectCommand(c, all, defined);
      return;
    case "and-or":
      collectCommand(command.left, all, defined);
      collectCommand(command.right, all, defined);
      return;
    case "subshell":
    case "group":
      return collectScript(command.body, all, defined);
    case "if":
      for (const clause of command.clauses) {
        collectScript(clause.condition, all, defined);
        collectScript(clause.body, all, defined);
      }
      if (command.elseBody) collectScript(command.elseBody, all, defined);
      return;
    case "for":
      for (const item of command.items ?? []) collectSubstitutions(item, all, defined);
      return collectScript(command.body, all, defined);
    case "loop":
      collectScript(command.condition, all, defined);
      return collectScript(command.body, all, defined);
    case "case":
      // BitBake (pysh) looks for substitutions in the first pattern of each item only, and not
      // in the subject word.
      for (const item of command.items) {
        if (item.patterns[0]) collectSubstitutions(item.patterns[0], all, defined);
        collectScript(item.body, all, defined);
      }
      return;
    case "function":
      defined.add(command.name);
      return collectCommand(command.body, all, defined);
  }
}

function collectSimple(
  words: readonly Word[],
  assignments: readonly Assignment[],
  all: Set<string>,
  defined: Set<string>,
): void {
  // The words as pysh (BitBake's shell parser) lists them: the command name, the other words,
  // then the values of the assignments. pysh does not take a first word such as `x=$(cmd)` for
  // an assignment: it becomes the command name, and every later word a plain argument.
  type Item = { readonly word: Word; readonly kind: "name" | "token" | "assignment" };
  let items: Item[];
  const first = assignments[0];
  const asToken = (a: Assignment, kind: Item["kind"]): Item => ({
    word: { raw: `${a.name}=${a.value.raw}`, parts: a.value.parts },
    kind,
  });
  if (first && hasSubstitution(first.value)) {
    items = [asToken(first, "name"), ...assignments.slice(1).map((a) => asToken(a, "token"))];
    items.push(...words.map((w): Item => ({ word: w, kind: "token" })));
  } else {
    items = words.map((w, i): Item => ({ word: w, kind: i === 0 ? "name" : "token" }));
    items.push(...assignments.map((a): Item => ({ word: a.value, kind: "assignment" })));
  }
  // A command name holding a substitution is dropped from the list while pysh walks it, so the
  // word after it is never looked at (BitBake removes from a list it is iterating over).
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (collectSubstitutions(item.word, all, defined) && item.kind === "name") {
      items.splice(i, 1); // and the loop's i++ now passes over the next word
    }
  }
  // pysh quirk kept by BitBake: a command word holding '=' is passed over and the next plain
  // word is taken as the command.
  let useToken = false;
  for (const item of items) {
    if (item.kind !== "name" && !(useToken && item.kind === "token")) continue;
    const command = item.word.raw;
    if (command.includes("=")) {
      useToken = true;
      continue;
    }
    if (command === "eval") {
      collectScript(parseShell(items.slice(1).map((it) => it.word.raw).join(" ")), all, defined);
    } else if (!command.startsWith("$")) {
      all.add(command);
    }
    return;
  }
}

function hasSubstitution(word: Word): boolean {
  return word.parts.some(
    (p) =>
      p.kind === "command-substitution" ||
      (p.kind === "double-quoted" && p.parts.some((q) => q.kind === "command-substitution")),
  );
}

/**
 * Collect the commands of the substitutions in a word, where BitBake looks for them: at the
 * top level of the word and directly inside its double quotes (not inside `${…}`).
 * Returns whether the word had any.
 */
function collectSubstitutions(word: Word, all: Set<string>, defined: Set<string>): boolean {
  let found = false;
  const visit = (parts: readonly WordPart[], nested: boolean): void => {
    for (const p of parts) {
      if (p.kind === "command-substitution") {
        found = true;
        collectScript(p.script, all, defined);
      } else if (p.kind === "double-quoted" && !nested) {
        visit(p.parts, true);
      }
    }
  };
  visit(word.parts, false);
  return found;
}
