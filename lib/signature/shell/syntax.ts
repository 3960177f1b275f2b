// The shell syntax tree: what the parser makes of a function body, and its one error.
import { BakeError } from "../../common/errors.js";

declare module "../../common/errors.js" {
  interface BakeErrorKinds {
    "shell-syntax": ShellSyntaxError;
  }
}

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

/** Line and column are the function body's (the body does not know which file holds it). */
export class ShellSyntaxError extends BakeError {
  readonly kind = "shell-syntax" as const;
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`shell syntax error at line ${line}, column ${column}: ${reason}`);
    this.name = "ShellSyntaxError";
  }
}
