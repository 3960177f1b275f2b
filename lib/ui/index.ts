// Progress and messages for people: the live terminal display or plain lines, written to the
// output the CLI hands over (this stage never opens the process's streams itself).
import { KnottyUi } from "./knotty.js";
import { PlainUi } from "./plain.js";
import { displayName } from "../graph/types.js";
import { messageStyle } from "./style.js";
import type { BuildListener } from "../run/index.js";
import type { BuildUi, Output } from "./ui.js";

export type { BuildUi, Output, ParseProgress } from "./ui.js";
export { KnottyUi } from "./knotty.js";
export { PlainUi } from "./plain.js";
export { messageStyle, type MessageStyle } from "./style.js";
export {
  byteSize,
  clock,
  downloadProgressText,
  elapsed,
  failureLines,
  fetchedText,
  messageCountLines,
  progressBar,
  summaryLines,
  taskStartedText,
  type Level,
} from "./messages.js";

export interface UiOptions {
  /** Where the UI writes: the terminal bake's CLI hands it (process.stdout), or a test's capture. */
  readonly out: Output;
  /** `--quiet`: plain lines, warnings, errors and the summary only. */
  readonly quiet?: boolean;
  /** `-D`: also say which tasks were current (their stamp for their signature exists). */
  readonly debug?: boolean;
  /** NO_COLOR (any value but empty) turns colour off, TERM=dumb the live display. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The live display on a terminal, plain lines otherwise or with --quiet; colour unless NO_COLOR. */
export function createUi(opts: UiOptions): BuildUi {
  const { out, env } = opts;
  const tty = out.isTTY === true;
  const color = tty && !env.NO_COLOR;
  // Colour follows the stream we write to, not the process's stdout.
  const style = messageStyle(color);
  const live = tty && !opts.quiet && env.TERM !== "dumb";
  const ui: BuildUi = live ? new KnottyUi(out, style) : new PlainUi(out, style, opts.quiet ?? false);
  if (!opts.debug) return ui;
  const listener: BuildListener = (e) => {
    if (e.type === "TaskCurrent") ui.message("plain", `DEBUG: ${displayName(e.node)} is current (its stamp for this signature exists)`);
    ui.listener(e);
  };
  return {
    parse: ui.parse,
    listener,
    message: (level, text) => ui.message(level, text),
    get counts() {
      return ui.counts;
    },
    close: () => ui.close(),
  };
}
