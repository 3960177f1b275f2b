// What the rest of bake talks to: a sink for parsing progress, a listener for the build's events,
// and free-standing messages. Two implementations: the live terminal display (knotty) and plain
// lines (pipes, CI logs, --quiet).
import type { BuildListener } from "../run/index.js";
import type { Level } from "./messages.js";

/** Fed by the parse stage: how many recipes are parsed out of how many. */
export interface ParseProgress {
  start(total: number, title?: string): void;
  update(done: number): void;
  /** `summary` is printed as the closing line (e.g. "Parsing of 900 .bb files complete …"). */
  finish(summary?: string): void;
}

export interface BuildUi {
  readonly parse: ParseProgress;
  /** Pass to runBuild as its listener. */
  readonly listener: BuildListener;
  message(level: Level, text: string): void;
  /** Warnings and errors printed so far (the exit code and the summary use them). */
  readonly counts: { readonly warnings: number; readonly errors: number };
  /** Stop redrawing, leave the terminal clean. */
  close(): void;
}

/** Where a UI writes: the terminal's stream or a test's capture. */
export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
}
