// The list of commands a shell function body runs, as BitBake's ShellParser makes it: a command
// whose name is also a variable of the datastore (a shell function) becomes a dependency of the
// task's signature.
import { memoizeByText } from "../code-cache.js";
import { parseShell } from "./parser.js";
import type { Assignment, Command, Script, Word, WordPart } from "./syntax.js";

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
