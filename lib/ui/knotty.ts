// The live terminal display, after BitBake's knotty: messages scroll above a footer that is
// redrawn in place — a progress bar while parsing, then "Currently N running tasks (x of M)" with
// each running task and how long it has run.
import type { TaskId, TaskNode } from "../graph/types.js";
import type { BuildEvent } from "../run/index.js";
import {
  clock,
  downloadProgressText,
  elapsed,
  failureLines,
  fetchMessageText,
  prefixed,
  progressBar,
  recipeTitle,
  summaryLines,
  type Level,
} from "./messages.js";
import type { BuildUi, Output, ParseProgress } from "./ui.js";
import type { MessageStyle } from "./style.js";

/** The latest byte count of the file a running task is downloading. */
interface DownloadProgress {
  readonly url: string;
  readonly bytes: number;
  readonly total: number | null;
  readonly rate: number;
}

/** The footer is redrawn at most this often (events can come by thousands: current tasks). */
const REDRAW_MS = 100;
/** Elapsed times tick on their own. */
const TICK_MS = 1000;

export class KnottyUi implements BuildUi {
  readonly counts = { warnings: 0, errors: 0 };
  readonly parse: ParseProgress;
  private parsing: { title: string; total: number; done: number; t0: number } | null = null;
  private build: { total: number; index: number; stopping: boolean } | null = null;
  private readonly running = new Map<TaskId, { node: TaskNode; t0: number; download?: DownloadProgress }>();
  private footerLines = 0;
  private redrawTimer: NodeJS.Timeout | null = null;
  private readonly ticker: NodeJS.Timeout;

  constructor(
    private readonly out: Output,
    private readonly style: MessageStyle,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.parse = {
      start: (total, title = "Parsing recipes") => {
        this.parsing = { title, total, done: 0, t0: this.now() };
        this.scheduleRedraw();
      },
      update: (done) => {
        if (this.parsing) this.parsing.done = done;
        this.scheduleRedraw();
      },
      finish: (summary) => {
        if (this.parsing) {
          // Leave the full bar on screen, as knotty does, then the closing line.
          const p = this.parsing;
          this.parsing = null;
          this.printAbove([this.parseBar(p, p.total)]);
        }
        if (summary !== undefined) this.printAbove([summary]);
      },
    };
    this.ticker = setInterval(() => {
      if (this.running.size > 0 || this.parsing) this.redraw();
    }, TICK_MS);
    this.ticker.unref();
  }

  private columns(): number {
    return Math.max(40, this.out.columns || 80);
  }

  private rows(): number {
    return Math.max(5, this.out.rows || 24);
  }

  private clearFooter(): void {
    // Up to the footer's first line, then erase to the end of the screen.
    if (this.footerLines > 0) this.out.write(`\x1b[${this.footerLines}F\x1b[J`);
    this.footerLines = 0;
  }

  private printAbove(lines: readonly string[]): void {
    this.clearFooter();
    if (lines.length > 0) this.out.write(lines.map((l) => `${l}\n`).join(""));
    this.scheduleRedraw();
  }

  private scheduleRedraw(): void {
    if (this.redrawTimer !== null) return;
    this.redrawTimer = setTimeout(() => this.redraw(), this.footerLines === 0 ? 0 : REDRAW_MS);
    this.redrawTimer.unref();
  }

  private parseBar(p: { title: string; total: number; t0: number }, done: number): string {
    return progressBar(`${p.title}: `, done, p.total, this.columns(), ` Time: ${clock(this.now() - p.t0)}`);
  }

  private footer(): string[] {
    const width = this.columns();
    if (this.parsing) {
      return [this.parseBar(this.parsing, this.parsing.done)];
    }
    const b = this.build;
    if (b === null) return [];
    const lines: string[] = [];
    const count = this.running.size;
    if (b.stopping) {
      lines.push(`Waiting for ${count} running task${count === 1 ? "" : "s"} to finish:`);
    } else {
      const title = count === 0 ? `No currently running tasks (${b.index} of ${b.total})` : `Currently ${String(count).padStart(2)} running tasks (${b.index} of ${b.total})`;
      lines.push(progressBar(`${title} `, Math.max(0, b.index - count), b.total, width));
    }
    const now = this.now();
    let i = 0;
    for (const { node, t0, download } of this.running.values()) {
      if (lines.length >= this.rows() - 1) break;
      const progress = download ? ` ${downloadProgressText(download)}` : "";
      lines.push(`${i++}: ${recipeTitle(node)} ${node.task.name} - ${elapsed(now - t0)}${progress}`);
    }
    // Lines cut to the width, so that each takes exactly one row and clearing stays exact.
    return lines.map((l) => (l.length >= width ? l.slice(0, width - 1) : l));
  }

  private redraw(): void {
    if (this.redrawTimer !== null) clearTimeout(this.redrawTimer);
    this.redrawTimer = null;
    this.clearFooter();
    const lines = this.footer();
    if (lines.length > 0) this.out.write(lines.map((l) => `${l}\n`).join(""));
    this.footerLines = lines.length;
  }

  message(level: Level, text: string): void {
    if (level === "warning") this.counts.warnings++;
    if (level === "error") this.counts.errors++;
    this.printAbove([prefixed(this.style, level, text)]);
  }

  readonly listener = (e: BuildEvent): void => {
    switch (e.type) {
      case "BuildStarted":
        this.build = { total: e.total, index: 0, stopping: false };
        this.printAbove([prefixed(this.style, "note", "Executing Tasks")]);
        return;
      case "TaskStarted":
        if (this.build) this.build.index = e.index;
        this.running.set(e.node.id, { node: e.node, t0: this.now() });
        this.scheduleRedraw();
        return;
      case "TaskCurrent":
        if (this.build) this.build.index++;
        this.scheduleRedraw();
        return;
      case "TaskSucceeded":
        this.running.delete(e.node.id);
        this.scheduleRedraw();
        return;
      case "TaskFailed":
        this.running.delete(e.node.id);
        this.counts.errors++;
        this.printAbove(failureLines(this.style, e.node, e.failure));
        return;
      case "TaskNotRun":
      case "TaskRan":
      case "Setscene":
        return;
      case "Interrupted":
        if (this.build) this.build.stopping = true;
        this.printAbove([e.hard ? "Second Keyboard Interrupt, stopping..." : "Keyboard Interrupt, closing down..."]);
        return;
      case "Note":
        this.message(e.level, e.text);
        return;
      case "TaskFetch": {
        const task = this.running.get(e.node.id);
        switch (e.event.type) {
          case "progress":
            if (task) task.download = e.event;
            this.scheduleRedraw();
            return;
          case "fetched":
            if (task) delete task.download;
            this.scheduleRedraw();
            return;
          case "warning":
          case "note":
            this.message(e.event.type, fetchMessageText(e.node, e.event));
            return;
          default:
            return unreachable(e.event);
        }
      }
      case "BuildFinished":
        this.build = null;
        this.running.clear();
        this.printAbove(summaryLines(this.style, e.summary, this.counts.warnings, this.counts.errors));
        return;
      default:
        return unreachable(e);
    }
  };

  close(): void {
    clearInterval(this.ticker);
    if (this.redrawTimer !== null) clearTimeout(this.redrawTimer);
    this.redrawTimer = null;
    this.clearFooter();
  }
}

function unreachable(x: never): never {
  throw new Error(`unexpected event ${JSON.stringify(x)}`);
}
