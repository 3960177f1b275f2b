// Shell function bodies: parsed (syntax.ts, lexer.ts, parser.ts) only to learn which commands they run (commands.ts).
export { parseShell } from "./parser.js";
export { shellCommands } from "./commands.js";
export { ShellSyntaxError, type Assignment, type Command, type Redirect, type Script, type Word, type WordPart } from "./syntax.js";
