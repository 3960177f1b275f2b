// The words a build prints, shared by the live display and the plain one (BitBake's knotty texts,
// so that people and scripts used to BitBake's output find their way).
import { displayName, type TaskNode } from "../graph/types.js";
// The events module alone: the run stage's index would load the scheduler and shared state with it.
import { attempted, type BuildSummary, type TaskFailure } from "../run/events.js";
import type { MessageStyle } from "./style.js";

export type Level = "note" | "warning" | "error" | "plain";

export function prefixed(style: MessageStyle, level: Level, text: string): string {
  switch (level) {
    case "note":
      return `NOTE: ${text}`;
    case "warning":
      return `${style.warning("WARNING:")} ${text}`;
    case "error":
      return `${style.error("ERROR:")} ${text}`;
    case "plain":
      return text;
    default:
      return unreachable(level);
  }
}

function unreachable(x: never): never {
  throw new Error(`unexpected value ${String(x)}`);
}

/** `busybox-1.36.1-r0` (PF without the epoch), how BitBake names a recipe in task messages. */
export function recipeTitle(node: TaskNode): string {
  const r = node.recipe;
  return [r.pn, r.pv, r.pr].filter(Boolean).join("-");
}

/** `1m12s`, `35s`, `2h03m` */
export function elapsed(ms: number): string {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}

export function taskStartedText(node: TaskNode, index: number, total: number, noexec: boolean): string {
  return `Running ${noexec ? "noexec task" : "task"} ${index} of ${total} (${displayName(node)})`;
}

function failureCause(f: TaskFailure): string {
  switch (f.reason) {
    case "exit-non-zero":
      return `failed with exit code '${f.code}'`;
    case "killed":
      return `was killed (${f.signal})`;
    case "js-error":
      return `failed: ${f.message}`;
    case "python-function":
      return `cannot run: ${f.func} is a Python function and bake runs shell and js functions only`;
    case "error":
      return `failed: ${f.message}`;
    default:
      return unreachable(f);
  }
}

function failureLog(f: TaskFailure): { log: string | null; tail: readonly string[] } {
  switch (f.reason) {
    case "exit-non-zero":
    case "killed":
    case "js-error":
      return { log: f.log || null, tail: f.tail };
    case "python-function":
    case "error":
      return { log: f.log, tail: [] };
    default:
      return unreachable(f);
  }
}

/** What a failure prints: the recipe and task, the cause, the log's last lines and its path. */
export function failureLines(style: MessageStyle, node: TaskNode, failure: TaskFailure): string[] {
  const out = [prefixed(style, "error", `${recipeTitle(node)} ${node.task.name}: ${failureCause(failure)}`)];
  const { log, tail } = failureLog(failure);
  if (log !== null) {
    out.push(prefixed(style, "error", `Logfile of failure stored in: ${log}`));
    if (tail.length > 0) {
      out.push(`Log data follows (last ${tail.length} lines):`);
      for (const line of tail) out.push(`| ${line}`);
    }
  }
  out.push(prefixed(style, "error", `Task (${node.id}) ${failureCause(failure)}`));
  return out;
}

/** BitBake's closing line, then the list of failed tasks. */
export function summaryLines(style: MessageStyle, s: BuildSummary, warnings: number, errors: number): string[] {
  const out: string[] = [];
  const tail = s.failed > 0 ? `${s.failed} failed.` : "all succeeded.";
  const line = `Tasks Summary: Attempted ${attempted(s)} tasks of which ${s.current} didn't need to be rerun and ${tail}`;
  out.push(prefixed(style, "note", line));
  if (s.interrupted) out.push(`Build interrupted: ${s.unstarted} task${plural(s.unstarted)} not started.`);
  if (s.notRun > 0) out.push(`${s.notRun} task${plural(s.notRun)} not run because a task they depend on failed.`);
  if (s.failures.length > 0) {
    out.push(`Summary: ${s.failures.length} task${plural(s.failures.length)} failed:`);
    for (const { id, failure } of s.failures) {
      out.push(`  ${id}`);
      const { log } = failureLog(failure);
      if (log) out.push(`    log: ${log}`);
    }
  }
  out.push(...messageCountLines(warnings, errors));
  return out;
}

/** BitBake's count of the warnings and errors said, at the end of a command (none when there were none). */
export function messageCountLines(warnings: number, errors: number): string[] {
  const out: string[] = [];
  if (warnings > 0) out.push(`Summary: There ${warnings === 1 ? "was 1 WARNING message" : `were ${warnings} WARNING messages`}.`);
  if (errors > 0) {
    out.push(
      `Summary: There ${errors === 1 ? "was 1 ERROR message" : `were ${errors} ERROR messages`}, returning a non-zero exit code.`,
    );
  }
  return out;
}

function plural(n: number): string {
  return n === 1 ? "" : "s";
}

/** `0:00:03`, the progress bars' clock. */
export function clock(ms: number): string {
  const secs = Math.floor(ms / 1000);
  const mm = String(Math.floor((secs % 3600) / 60)).padStart(2, "0");
  return `${Math.floor(secs / 3600)}:${mm}:${String(secs % 60).padStart(2, "0")}`;
}

/**
 * `<prefix> 45% |#########           |<suffix>`, as wide as `width`: knotty's bars
 * ("Parsing recipes: " with " Time: 0:00:03"; "Currently  2 running tasks (5 of 9) ").
 */
export function progressBar(prefix: string, done: number, total: number, width: number, suffix = ""): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const pct = `${String(Math.floor(fraction * 100)).padStart(3)}%`;
  const barWidth = Math.max(10, width - `${prefix}${pct} ||${suffix}`.length - 1);
  const filled = Math.round(fraction * barWidth);
  return `${prefix}${pct} |${"#".repeat(filled)}${" ".repeat(barWidth - filled)}|${suffix}`;
}

/** `512 B`, `3.4 KiB`, `1.2 MiB`: download sizes and rates. */
export function byteSize(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** The file part of a URL (what a person recognises in a progress line). */
function fileOf(url: string): string {
  const path = url.split(";")[0]!.replace(/\/+$/, "");
  return path.slice(path.lastIndexOf("/") + 1) || path;
}

/** A running download on the task's line: `45% 1.2 MiB of 2.7 MiB, 512.0 KiB/s busybox-1.36.1.tar.bz2`. */
export function downloadProgressText(p: { url: string; bytes: number; total: number | null; rate: number }): string {
  const pct = p.total !== null && p.total > 0 ? `${Math.floor((100 * p.bytes) / p.total)}% ` : "";
  const of = p.total !== null ? ` of ${byteSize(p.total)}` : "";
  return `${pct}${byteSize(p.bytes)}${of}, ${byteSize(p.rate)}/s ${fileOf(p.url)}`;
}

/** A fetcher's warning or note: `busybox-1.36.1-r0 do_fetch: URL: message`. */
export function fetchMessageText(node: TaskNode, e: { url: string; message: string }): string {
  return `${recipeTitle(node)} ${node.task.name}: ${e.url}: ${e.message}`;
}

/** One finished download: `busybox-1.36.1-r0 do_fetch: fetched URL (2.7 MiB, 1.3 MiB/s) from MIRROR`. */
export function fetchedText(node: TaskNode, e: { url: string; from: string; bytes: number | null; seconds: number }): string {
  const size = e.bytes === null ? "" : ` (${byteSize(e.bytes)}, ${byteSize(e.bytes / Math.max(e.seconds, 0.001))}/s)`;
  const from = e.from === e.url.split(";")[0] || e.from === e.url ? "" : ` from ${e.from}`;
  return `${recipeTitle(node)} ${node.task.name}: fetched ${e.url.split(";")[0]}${size}${from}`;
}
