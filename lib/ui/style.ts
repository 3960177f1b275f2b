// The colours of bake's messages: as BitBake's knotty, the WARNING and ERROR prefixes only, at the
// sixteen colours every colour terminal shows, or none (not a terminal, NO_COLOR).
import { createRequire } from "node:module";
import type { ChalkInstance } from "chalk";

export interface MessageStyle {
  /** The `WARNING:` prefix: yellow. */
  warning(text: string): string;
  /** The `ERROR:` prefix: bold red. */
  error(text: string): string;
}

const PLAIN: MessageStyle = { warning: (text) => text, error: (text) => text };

let chalk: ChalkInstance | null = null;

/**
 * chalk is loaded at the first coloured message, not with the UI: most runs print none, and its
 * loading (package resolution, supports-color's node:tty) was a fifth of the module-loading time
 * of a warm `bake -p`. Its level is ours: colour follows the stream bake writes to, which chalk's
 * own detection (the process's stdout) does not know.
 */
function colours(): ChalkInstance {
  chalk ??= new (createRequire(import.meta.url)("chalk") as typeof import("chalk")).Chalk({ level: 1 });
  return chalk;
}

const COLOURED: MessageStyle = {
  warning: (text) => colours().yellow(text),
  error: (text) => colours().red.bold(text),
};

export function messageStyle(color: boolean): MessageStyle {
  return color ? COLOURED : PLAIN;
}
