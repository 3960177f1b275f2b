// The calls of a `python` function body, found with a tokenizer rather than a Python parser.
//
// bake does not run Python, but recipes and classes carry `python` functions (kept, and an
// error when run) and their signatures should still move when what they read changes. Python
// call syntax for the calls that matter (`d.getVar('X')`, `bb.build.exec_func('f', d)`,
// `bb.utils.contains('X', 'a', …)`, `name(…)`) is simple enough to find from tokens.

import { analyzeCalls, type CallArgument, type CallSite, type CodeAnalysis } from "./js.js";

type PyToken =
  | { readonly t: "name"; readonly text: string }
  | { readonly t: "string"; readonly value: string }
  | { readonly t: "number"; readonly value: number }
  | { readonly t: "punct"; readonly text: string };

const STRING_START = /^([rRbBuUfF]{0,2})('''|"""|'|")/;

function tokenize(code: string): PyToken[] {
  const tokens: PyToken[] = [];
  let i = 0;
  while (i < code.length) {
    const c = code[i]!;
    if (c === "#") {
      while (i < code.length && code[i] !== "\n") i++;
      continue;
    }
    if (/\s/.test(c) || c === "\\") {
      i++;
      continue;
    }
    const str = STRING_START.exec(code.slice(i, i + 5));
    if (str) {
      const prefix = str[1]!.toLowerCase();
      const quote = str[2]!;
      let j = i + str[0].length;
      let value = "";
      while (j < code.length && !code.startsWith(quote, j)) {
        if (code[j] === "\\" && !prefix.includes("r")) {
          value += unescapePy(code[j + 1] ?? "");
          j += 2;
        } else {
          value += code[j];
          j++;
        }
      }
      i = j + quote.length;
      // An f-string is not a constant: give it a placeholder that no variable is named.
      tokens.push(prefix.includes("f") ? { t: "punct", text: "f-string" } : { t: "string", value });
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(code.slice(i, i + 200));
    if (name) {
      tokens.push({ t: "name", text: name[0] });
      i += name[0].length;
      continue;
    }
    const num = /^[0-9][0-9a-fA-FxXoObB_.eE]*/.exec(code.slice(i, i + 64));
    if (num) {
      tokens.push({ t: "number", value: Number(num[0].replace(/_/g, "")) });
      i += num[0].length;
      continue;
    }
    tokens.push({ t: "punct", text: c });
    i++;
  }
  return tokens;
}

function unescapePy(c: string): string {
  switch (c) {
    case "n":
      return "\n";
    case "t":
      return "\t";
    case "\n":
      return "";
    default:
      return c;
  }
}

// Keywords that can stand before `(` without being a call.
const KEYWORDS = new Set([
  "and", "as", "assert", "await", "del", "elif", "else", "except", "for", "from", "global", "if", "import",
  "in", "is", "lambda", "nonlocal", "not", "or", "raise", "return", "while", "with", "yield",
]);

const CONSTANT_NAMES: Readonly<Record<string, unknown>> = { None: null, True: true, False: false };

function callSites(tokens: readonly PyToken[]): CallSite[] {
  const calls: CallSite[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok.t !== "name" || KEYWORDS.has(tok.text)) continue;
    const before = tokens[i - 1];
    if (before && before.t === "punct" && before.text === ".") continue; // inside a dotted name
    if (before && before.t === "name" && (before.text === "def" || before.text === "class")) continue;
    let name = tok.text;
    let j = i + 1;
    while (tokens[j]?.t === "punct" && (tokens[j] as { text: string }).text === "." && tokens[j + 1]?.t === "name") {
      name += "." + (tokens[j + 1] as { text: string }).text;
      j += 2;
    }
    const open = tokens[j];
    if (!open || open.t !== "punct" || open.text !== "(") continue;
    calls.push({ name, args: argumentsAt(tokens, j + 1) });
  }
  return calls;
}

/** The arguments of a call from just after its `(`: each a constant when it is one literal. */
function argumentsAt(tokens: readonly PyToken[], from: number): CallArgument[] {
  const args: CallArgument[] = [];
  let depth = 0;
  let current: PyToken[] = [];
  const finish = (): void => {
    if (current.length === 0) return;
    const only = current.length === 1 ? current[0]! : null;
    if (only?.t === "string" || only?.t === "number") args.push({ constant: true, value: only.value });
    else if (only?.t === "name" && only.text in CONSTANT_NAMES) args.push({ constant: true, value: CONSTANT_NAMES[only.text] });
    else args.push({ constant: false });
    current = [];
  };
  for (let k = from; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.t === "punct" && "([{".includes(t.text)) depth++;
    if (t.t === "punct" && ")]}".includes(t.text)) {
      if (depth === 0) break;
      depth--;
    }
    if (depth === 0 && t.t === "punct" && t.text === ",") finish();
    else current.push(t);
  }
  finish();
  return args;
}

/** Analyse a `python` function body (an approximation of BitBake's PythonParser, see above). */
export function analyzePython(code: string): CodeAnalysis {
  return analyzeCalls(callSites(tokenize(code)));
}
