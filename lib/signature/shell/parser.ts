// A POSIX shell parser for the bodies of shell functions.
//
// BitBake parses shell functions (with its bundled pysh) only to learn which commands they run
// (commands.ts). Variable references need no shell parsing, since they come from the datastore's
// own expansion. This parser is a recursive descent over the source, with the lexer driven by the
// parser (lexer.ts), and reserved words recognised only where a command starts.
import { describeToken as describe, REDIRECT_OPS, ShellLexer, type Token } from "./lexer.js";
import type { Assignment, Command, Redirect, Script, Word } from "./syntax.js";

/** Words that end a list when they stand where a command would start. */
const LIST_TERMINATORS = new Set(["then", "else", "elif", "fi", "do", "done", "esac", "}"]);
const ASSIGNMENT_PREFIX = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;

class Parser {
  private readonly lexer: ShellLexer;
  private lookahead: Token | null = null;

  constructor(src: string) {
    this.lexer = new ShellLexer(src, {
      untilParen: () => this.parseNested(),
      standalone: (text) => new Parser(text).parseProgram(),
    });
  }

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
    if (assignment.value.raw !== "" || this.lookahead) return assignment;
    const value = this.lexer.arrayValue();
    return value === null ? assignment : { name: assignment.name, value };
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
      this.lexer.queueHeredoc(target.word, op === "<<-", redirect);
    }
    return redirect;
  }

  // ── tokens ─────────────────────────────────────────────────────────────────

  private peek(): Token {
    if (!this.lookahead) this.lookahead = this.lexer.next();
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

  /** After `$(`: the script up to the matching `)`. */
  private parseNested(): Script {
    const saved = this.lookahead;
    this.lookahead = null;
    const script = this.parseList();
    this.expectOp(")");
    this.lookahead = saved;
    return script;
  }

  private fail(reason: string, offset: number): never {
    return this.lexer.fail(reason, offset);
  }
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

/** Parse a shell script (a function body); throws ShellSyntaxError with line and column. */
export function parseShell(source: string): Script {
  return new Parser(source).parseProgram();
}
