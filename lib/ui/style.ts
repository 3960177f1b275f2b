// The colours of bake's messages: as BitBake's knotty, the WARNING and ERROR prefixes only. The
// sixteen-colour ANSI codes every colour terminal shows, or none (not a terminal, NO_COLOR).
// Two escapes do not repay a colour library's loading (chalk: a fifth of a warm `bake -p`'s modules' time).

export interface MessageStyle {
  /** The `WARNING:` prefix: yellow. */
  warning(text: string): string;
  /** The `ERROR:` prefix: bold red. */
  error(text: string): string;
}

const PLAIN: MessageStyle = { warning: (text) => text, error: (text) => text };

const ANSI: MessageStyle = {
  warning: (text) => `\x1b[33m${text}\x1b[39m`,
  error: (text) => `\x1b[31m\x1b[1m${text}\x1b[22m\x1b[39m`,
};

export function messageStyle(color: boolean): MessageStyle {
  return color ? ANSI : PLAIN;
}
