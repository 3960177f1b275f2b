// Where a command's lines go: the terminal when bake runs, a capture in tests. cli/ is the only
// part of bake that writes to the process's streams; the stages report through return values,
// events and callbacks.

export interface CommandLines {
  /** One line (or several, joined by newlines) of the command's output, without the final newline. */
  readonly out: (line: string) => void;
  /** One line of diagnostics: warnings, errors, usage. */
  readonly err: (line: string) => void;
}

export const terminal: CommandLines = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
};

/** Resolves at the first SIGINT or SIGTERM, for commands that serve until stopped. */
export function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
