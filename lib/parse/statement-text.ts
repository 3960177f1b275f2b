// What a statement's text means once a parser has found it: a keyword statement's words, a
// function's header. Both parsers (antlr-parser.ts and line-parser.ts) read them here, so they
// cannot disagree.
import type { FunctionLanguage, Location, Statement } from "./ast.js";

/** A keyword statement, or why its text is an error (the ANTLR parser reports it, the line parser declines). */
export type KeywordStatement = { readonly statement: Statement } | { readonly error: string };

/** `keyword rest` (`rest` trimmed, without continuations) as a statement. */
export function keywordStatement(keyword: string, rest: string, loc: Location): KeywordStatement {
  if (rest === "") return { error: `${keyword} needs an argument` };
  const args = rest.split(/\s+/);
  switch (keyword) {
    case "include":
    case "require":
    case "include_all":
      return { statement: { kind: "include", loc, mode: keyword, path: rest } };
    case "inherit":
      return { statement: { kind: "inherit", loc, deferred: false, classes: rest } };
    case "inherit_defer":
      return { statement: { kind: "inherit", loc, deferred: true, classes: rest } };
    case "EXPORT_FUNCTIONS":
      return { statement: { kind: "exportFunctions", loc, functions: args } };
    case "addtask": {
      const { tasks, after, before, badWord } = addTaskText(rest);
      if (badWord !== null) return { error: `task name '${badWord}' contains a keyword (_append, _prepend, _remove); rename the task` };
      return { statement: { kind: "addtask", loc, tasks, after, before } };
    }
    case "deltask":
      return { statement: { kind: "deltask", loc, tasks: words(withoutComment(rest)) } };
    case "addhandler":
      return { statement: { kind: "addhandler", loc, handlers: args } };
    case "addpylib":
      if (args.length !== 2) return { error: "addpylib needs a directory and a namespace" };
      return { statement: { kind: "addpylib", loc, dir: args[0]!, namespace: args[1]! } };
    case "addfragments":
      if (args.length !== 4) return { error: "addfragments needs four arguments" };
      return { statement: { kind: "addfragments", loc, args } };
    default:
      return { error: `unknown keyword ${keyword}` };
  }
}

interface AddTaskText {
  readonly tasks: string[];
  readonly after: string[];
  readonly before: string[];
  /** A word naming a task with an override keyword in it (an error), or null. */
  readonly badWord: string | null;
}

/** `addtask A [B…] [after X…] [before Y…]` (the text after `addtask`), as BitBake reads it. */
function addTaskText(rest: string): AddTaskText {
  const text = withoutComment(rest);
  const tasks = text.split(" before ")[0]!.split(" after ")[0]!;
  // BitBake concatenates the pieces without a separator: "after b before c after d" means after "bd".
  let after = "";
  let before = "";
  for (const part of text.split(" before ")) {
    const pieces = part.split(" after ");
    if (pieces.length > 1) after += pieces.slice(1).join(" ");
  }
  for (const part of text.split(" after ")) {
    const pieces = part.split(" before ");
    if (pieces.length > 1) before += pieces.slice(1).join(" ");
  }
  const badWord = text.split(/\s+/).find((word) => /_(append|prepend|remove)/.test(word)) ?? null;
  return { tasks: words(tasks), after: words(after), before: words(before), badWord };
}

export interface FunctionHeader {
  readonly language: FunctionLanguage;
  readonly fakeroot: boolean;
  /** null for an anonymous function (an error unless python or js). */
  readonly name: string | null;
}

/** A function's header line (`[python|js|fakeroot…] [name] () {`). */
export function functionHeader(header: string): FunctionHeader {
  let language: FunctionLanguage = "shell";
  let fakeroot = false;
  let name: string | null = null;
  for (const word of words(header.slice(0, header.indexOf("(")))) {
    if (word === "python") language = "python";
    else if (word === "js") language = "js";
    else if (word === "fakeroot") fakeroot = true;
    else name = word;
  }
  return { language, fakeroot, name };
}

/** A keyword statement's text without its comment. */
function withoutComment(text: string): string {
  const hash = text.indexOf("#");
  return (hash >= 0 ? text.slice(0, hash) : text).trim();
}

function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}
