// The shell lexer. It is driven by the parser, one token at a time, because what a token is
// depends on where the parser stands: `$(…)` and `<(…)` hold a whole script (the lexer hands
// back to the parser for it), and here-documents are read at the newline after their operator.
import { ShellSyntaxError, type Script, type Word, type WordPart } from "./syntax.js";

export type Token =
  | { readonly t: "word"; readonly word: Word; readonly start: number }
  | { readonly t: "op"; readonly op: string; readonly start: number }
  | { readonly t: "io-number"; readonly fd: number; readonly start: number }
  | { readonly t: "newline"; readonly start: number }
  | { readonly t: "eof"; readonly start: number };

/** What the lexer needs the parser for: the scripts inside substitutions. */
export interface NestedScripts {
  /** After `$(` or `<(`: the script up to the matching `)`, read from this same lexer. */
  untilParen(): Script;
  /** The text of a backquoted command, unescaped, read as a script of its own. */
  standalone(text: string): Script;
}

const OPERATORS = [
  ";;&", "<<-", "<<<", "&>>",
  "&&", "||", ";;", ";&", "<<", ">>", "<&", ">&", "<>", ">|", "&>", "|&",
  ";", "&", "|", "<", ">", "(", ")",
];
/** OPERATORS by their first character, in the order above (longest first). */
const OPERATORS_BY_FIRST = new Map<number, string[]>();
for (const op of OPERATORS) {
  const first = op.charCodeAt(0);
  const list = OPERATORS_BY_FIRST.get(first);
  if (list) list.push(op);
  else OPERATORS_BY_FIRST.set(first, [op]);
}
export const REDIRECT_OPS = new Set(["<", ">", ">>", "<<", "<<-", "<<<", "<&", ">&", "<>", ">|", "&>", "&>>"]);

// Character classes by code unit (all of them ASCII): the lexer looks at every character of every
// shell function of every recipe, and a table read costs less than a one-character string and a
// Set lookup per character.
const METACHAR = 1;
/** Where a plain run of a word's characters ends: a metacharacter, or what starts quoting or an expansion. */
const WORD_STOP = 2;
/** The same inside double quotes. */
const QUOTED_STOP = 4;
const CLASS = new Uint8Array(128);
for (const c of " \t\n;&|<>()") CLASS[c.charCodeAt(0)]! |= METACHAR | WORD_STOP;
for (const c of "\\'\"$`") CLASS[c.charCodeAt(0)]! |= WORD_STOP;
for (const c of '"\\$`') CLASS[c.charCodeAt(0)]! |= QUOTED_STOP;

function isClass(code: number, cls: number): boolean {
  return code < 128 && (CLASS[code]! & cls) !== 0;
}

/** [A-Za-z_] */
function isNameStart(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95;
}

/** [A-Za-z0-9_] */
function isNameChar(code: number): boolean {
  return isNameStart(code) || (code >= 48 && code <= 57);
}

interface PendingHeredoc {
  readonly delimiter: string;
  readonly stripTabs: boolean;
  readonly redirect: { heredoc: string | null };
}

export class ShellLexer {
  private pos = 0;
  private pending: PendingHeredoc[] = [];

  constructor(
    private readonly src: string,
    private readonly nested: NestedScripts,
  ) {}

  /** A here-document whose body is read at the next newline, into `redirect.heredoc`. */
  queueHeredoc(target: Word, stripTabs: boolean, redirect: { heredoc: string | null }): void {
    this.pending.push({ delimiter: unquote(target), stripTabs, redirect });
  }

  next(): Token {
    const src = this.src;
    for (;;) {
      const c = src.charCodeAt(this.pos);
      if (c === 32 /* space */ || c === 9 /* tab */ || c === 13 /* \r */) this.pos++;
      else if (c === 92 /* \\ */ && src.charCodeAt(this.pos + 1) === 10) this.pos += 2;
      else if (c === 35 /* # */) {
        const eol = src.indexOf("\n", this.pos);
        this.pos = eol < 0 ? src.length : eol;
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
    // Every operator starts with a metacharacter, and most tokens are words: only those look further.
    const code = src.charCodeAt(this.pos);
    const ops = OPERATORS_BY_FIRST.get(code);
    if (ops !== undefined) {
      for (const op of ops) {
        if (src.startsWith(op, this.pos)) {
          this.pos += op.length;
          return { t: "op", op, start };
        }
      }
    }
    if (code >= 48 && code <= 57) {
      // An IO number: digits right before `<` or `>`, looked for within the next 12 characters.
      let end = this.pos + 1;
      const limit = Math.min(this.pos + 12, src.length);
      while (end < limit && src.charCodeAt(end) >= 48 && src.charCodeAt(end) <= 57) end++;
      const after = end < limit ? src.charCodeAt(end) : -1;
      if (after === 60 || after === 62) {
        const digits = src.slice(this.pos, end);
        this.pos = end;
        return { t: "io-number", fd: Number(digits), start };
      }
    }
    return { t: "word", word: this.lexWord(), start };
  }

  /**
   * bash arrays, `name=(a b c)`: right after an assignment with an empty value, the words up to
   * `)` as the value (raw text kept); null when no `(` follows.
   */
  arrayValue(): Word | null {
    if (this.src[this.pos] !== "(") return null;
    const open = this.pos;
    this.pos++;
    const parts: WordPart[] = [];
    for (;;) {
      const tok = this.next();
      if (tok.t === "op" && tok.op === ")") break;
      if (tok.t === "word") parts.push(...tok.word.parts);
      else if (tok.t !== "newline") this.fail(`unexpected ${describeToken(tok)} in an array`, tok.start);
    }
    return { raw: this.src.slice(open, this.pos), parts };
  }

  fail(reason: string, offset: number): never {
    const before = this.src.slice(0, offset);
    const line = before.split("\n").length;
    const column = offset - before.lastIndexOf("\n");
    throw new ShellSyntaxError(reason, line, column);
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
    const src = this.src;
    while (this.pos < src.length) {
      const code = src.charCodeAt(this.pos);
      const c = src[this.pos]!;
      if (isClass(code, METACHAR)) {
        // `<(…)` and `>(…)` at the start of a word are process substitutions (bash).
        if ((c === "<" || c === ">") && this.pos === start && src[this.pos + 1] === "(") {
          this.pos += 2;
          parts.push({ kind: "command-substitution", form: "process", script: this.nested.untilParen() });
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
        if (literal) parts.push({ kind: "literal", text: literal });
        literal = "";
        const end = src.indexOf("'", this.pos + 1);
        if (end < 0) this.fail("unterminated single quote", this.pos);
        parts.push({ kind: "single-quoted", text: src.slice(this.pos + 1, end) });
        this.pos = end + 1;
        continue;
      }
      if (c === '"') {
        if (literal) parts.push({ kind: "literal", text: literal });
        literal = "";
        parts.push(this.lexDoubleQuoted());
        continue;
      }
      if (c === "$" || c === "`") {
        const part = this.lexExpansion(false);
        if (part) {
          if (literal) parts.push({ kind: "literal", text: literal });
          literal = "";
          parts.push(part);
          continue;
        }
      }
      // A run of plain characters is taken as one slice: adding them one at a time made a
      // string per character, much of what signature analysis allocated.
      let end = this.pos + 1;
      while (end < src.length && !isClass(src.charCodeAt(end), WORD_STOP)) end++;
      literal += src.slice(this.pos, end);
      this.pos = end;
    }
    if (literal) parts.push({ kind: "literal", text: literal });
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
      let end = this.pos + 1;
      while (end < src.length && !isClass(src.charCodeAt(end), QUOTED_STOP)) end++;
      literal += src.slice(this.pos, end);
      this.pos = end;
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
      return { kind: "command-substitution", form: "dollar", script: this.nested.untilParen() };
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
    // $NAME (a name read up to 199 characters) or a special parameter.
    const first = src.charCodeAt(start + 1);
    if (isNameStart(first)) {
      let end = start + 2;
      const limit = Math.min(start + 200, src.length);
      while (end < limit && isNameChar(src.charCodeAt(end))) end++;
      this.pos = end;
      return { kind: "parameter", text: src.slice(start, this.pos) };
    }
    if (n !== undefined && "0123456789@*#?$!-".includes(n)) {
      this.pos = start + 2;
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
      return this.nested.standalone(inner);
    } catch (e) {
      if (e instanceof ShellSyntaxError) this.fail(`in backquoted command: ${e.reason}`, open);
      throw e;
    }
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

export function describeToken(tok: Token): string {
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
