// What a statement's text means once a parser has found it: the words after `addtask`, a function's
// header. Both parsers (antlr-parser.ts and line-parser.ts) read them here, so they cannot disagree.
import type { FunctionLanguage } from "./ast.js";

export interface AddTaskText {
  readonly tasks: string[];
  readonly after: string[];
  readonly before: string[];
  /** A word naming a task with an override keyword in it (an error), or null. */
  readonly badWord: string | null;
}

/** `addtask A [B…] [after X…] [before Y…]` (the text after `addtask`), as BitBake reads it. */
export function addTaskText(rest: string): AddTaskText {
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
export function withoutComment(text: string): string {
  const hash = text.indexOf("#");
  return (hash >= 0 ? text.slice(0, hash) : text).trim();
}

export function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}
