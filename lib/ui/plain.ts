// One line per thing that happens: for pipes, CI logs and --quiet (which keeps only warnings,
// errors, failures and the summary).
import type { BuildEvent } from "../run/index.js";
import { displayName } from "../graph/types.js";
import { failureLines, fetchedText, fetchMessageText, prefixed, recipeTitle, summaryLines, taskStartedText, type Level } from "./messages.js";
import type { BuildUi, Output, ParseProgress } from "./ui.js";
import type { MessageStyle } from "./style.js";

export class PlainUi implements BuildUi {
  readonly counts = { warnings: 0, errors: 0 };
  readonly parse: ParseProgress;

  constructor(
    private readonly out: Output,
    private readonly style: MessageStyle,
    private readonly quiet: boolean,
  ) {
    this.parse = {
      start: (total, title = "Parsing recipes") => {
        if (!this.quiet) this.line(`${title} (${total})...`);
      },
      update: () => {},
      finish: (summary) => {
        if (summary !== undefined && !this.quiet) this.line(summary);
      },
    };
  }

  private line(text: string): void {
    this.out.write(`${text}\n`);
  }

  message(level: Level, text: string): void {
    if (level === "warning") this.counts.warnings++;
    if (level === "error") this.counts.errors++;
    if (this.quiet && (level === "note" || level === "plain")) return;
    this.line(prefixed(this.style, level, text));
  }

  readonly listener = (e: BuildEvent): void => {
    switch (e.type) {
      case "BuildStarted":
        if (!this.quiet) this.message("note", `Executing tasks (${e.total}, ${e.threads} at once)`);
        return;
      case "TaskStarted":
        if (!this.quiet) this.message("note", taskStartedText(e.node, e.index, e.total, e.noexec));
        return;
      case "TaskSucceeded":
        if (!this.quiet) this.message("note", `recipe ${recipeTitle(e.node)}: task ${e.node.task.name}: Succeeded`);
        return;
      case "TaskCurrent":
      case "TaskRan":
      case "Setscene":
        return;
      case "TaskFailed":
        this.counts.errors++;
        for (const l of failureLines(this.style, e.node, e.failure)) this.line(l);
        return;
      case "TaskNotRun":
        if (!this.quiet) this.message("note", `${displayName(e.node)} not run: ${displayName(e.failedDependency)} failed`);
        return;
      case "Interrupted":
        this.line(
          e.hard
            ? "Second Keyboard Interrupt, stopping: killing the running tasks..."
            : `Keyboard Interrupt, closing down: waiting for ${e.running} running task${e.running === 1 ? "" : "s"} to finish (interrupt again to kill them)...`,
        );
        return;
      case "Note":
        this.message(e.level, e.text);
        return;
      case "TaskFetch":
        switch (e.event.type) {
          case "progress":
            return;
          case "fetched":
            if (!this.quiet) this.message("note", fetchedText(e.node, e.event));
            return;
          case "warning":
          case "note":
            this.message(e.event.type, fetchMessageText(e.node, e.event));
            return;
          default:
            return unreachable(e.event);
        }
      case "BuildFinished":
        for (const l of summaryLines(this.style, e.summary, this.counts.warnings, this.counts.errors)) this.line(l);
        return;
      default:
        return unreachable(e);
    }
  };

  close(): void {}
}

function unreachable(x: never): never {
  throw new Error(`unexpected event ${JSON.stringify(x)}`);
}
