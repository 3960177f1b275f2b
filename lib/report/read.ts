// Reading one build's statistics directory (what lib/run/buildstats.ts writes) into a ReportInput.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { logTail, type BuildInfo, type CpuSample, type SetsceneStat, type TaskStat } from "../run/index.js";
import { BakeError } from "../common/errors.js";
import type { ReportInput } from "./model.js";

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    buildstats: BuildStatsError;
  }
}

/** Lines of each task's log the report embeds. */
export const REPORT_TAIL_LINES = 12;
/** Longest line kept of a log's tail (a compiler's command lines run to kilobytes). */
const TAIL_LINE_CHARS = 240;

export class BuildStatsError extends BakeError {
  readonly kind = "buildstats" as const;
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly reason: string,
  ) {
    super(`${file}${line !== null ? `:${line}` : ""}: ${reason}`, { location: line !== null ? { file, line } : { file } });
    this.name = "BuildStatsError";
  }
}

function hasStats(dir: string): boolean {
  return existsSync(join(dir, "tasks.jsonl")) || existsSync(join(dir, "setscene.jsonl"));
}

/**
 * The statistics directory of `build` under `base`: a directory path, a build name
 * (`20261122T041527Z`), or none for the newest build.
 */
export function findBuild(base: string, build?: string): string {
  if (build !== undefined) {
    for (const dir of [build, join(base, build)]) if (existsSync(dir) && statSync(dir).isDirectory() && hasStats(dir)) return dir;
    throw new BuildStatsError(build, null, base === "" ? "no build statistics here (tasks.jsonl)" : `no build statistics here, nor in ${base}: give a build directory of it, or its name`);
  }
  if (!existsSync(base)) throw new BuildStatsError(base, null, "no build statistics yet: build something first");
  const builds = readdirSync(base).filter((n) => hasStats(join(base, n))).sort();
  if (builds.length === 0) throw new BuildStatsError(base, null, "no build statistics (tasks.jsonl) here");
  return join(base, builds[builds.length - 1]!);
}

function jsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, "utf8").split("\n");
  const out: T[] = [];
  lines.forEach((text, i) => {
    if (text.trim() === "") return;
    try {
      out.push(JSON.parse(text) as T);
    } catch (e) {
      // A killed build may leave its last line half-written: that one alone is not an error.
      if (i === lines.length - 1) return;
      throw new BuildStatsError(file, i + 1, `not a JSON line: ${(e as Error).message}`);
    }
  });
  return out;
}

function checkTask(file: string, i: number, t: TaskStat): TaskStat {
  if (typeof t.task !== "string" || typeof t.pf !== "string" || typeof t.elapsed !== "number" || Number.isNaN(Date.parse(t.started))) {
    throw new BuildStatsError(file, i + 1, "a task line needs task, pf, started (ISO 8601) and elapsed");
  }
  return t;
}

export function readBuildStats(dir: string): ReportInput {
  const tasksFile = join(dir, "tasks.jsonl");
  const tasks = jsonLines<TaskStat>(tasksFile).map((t, i) => checkTask(tasksFile, i, t));
  const infoFile = join(dir, "build.json");
  let info: BuildInfo | null = null;
  if (existsSync(infoFile)) {
    try {
      info = JSON.parse(readFileSync(infoFile, "utf8")) as BuildInfo;
    } catch (e) {
      throw new BuildStatsError(infoFile, null, `not JSON: ${(e as Error).message}`);
    }
  }
  const tails = new Map<string, string[]>();
  for (const t of tasks) {
    if (t.log && !tails.has(t.log)) tails.set(t.log, logTail(t.log, REPORT_TAIL_LINES).map((l) => (l.length > TAIL_LINE_CHARS ? `${l.slice(0, TAIL_LINE_CHARS)}…` : l)));
  }
  return {
    name: basename(dir),
    info,
    tasks,
    setscene: jsonLines<SetsceneStat>(join(dir, "setscene.jsonl")),
    samples: jsonLines<CpuSample>(join(dir, "proc_stat.jsonl")),
    tails,
  };
}
