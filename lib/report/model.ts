// What a build report shows, computed from one build's statistics (lib/run/buildstats.ts) by pure
// functions: the tasks on their worker slots, the restores, CPU use over time, the critical path,
// per-recipe sums and shared-state results. The HTML (html.ts) is drawn from this alone.
import type { BuildInfo, CpuSample, SetsceneStat, TaskStat } from "../run/index.js";
import type { SetsceneResult } from "../setscene/index.js";

/** A build's statistics as read from its directory, plus the tails of the tasks' logs. */
export interface ReportInput {
  /** The build's directory name (`20261122T041527Z`). */
  readonly name: string;
  readonly info: BuildInfo | null;
  readonly tasks: readonly TaskStat[];
  readonly setscene: readonly SetsceneStat[];
  readonly samples: readonly CpuSample[];
  /** The last lines of each log file named by a task (missing: the log is gone). */
  readonly tails: ReadonlyMap<string, readonly string[]>;
}

export interface ReportTask {
  /** `busybox:do_compile`. */
  readonly name: string;
  readonly pf: string;
  /** Seconds from the build's start. */
  readonly start: number;
  readonly end: number;
  readonly slot: number;
  readonly ok: boolean;
  readonly cpu: number | null;
  readonly unihash: string | null;
  readonly log: string | null;
  readonly tail: readonly string[];
  readonly critical: boolean;
}

export interface ReportRestore {
  readonly name: string;
  readonly pf: string;
  readonly result: Exclude<SetsceneResult, "missed">;
  readonly start: number;
  readonly end: number;
  /** Restores run a few at once: each gets a lane of its own while it runs. */
  readonly lane: number;
  readonly unihash: string;
}

/** CPU use of the whole machine over the interval ending at `t` (seconds from the start), 0…1. */
export interface CpuPoint {
  readonly t: number;
  readonly user: number;
  readonly system: number;
  readonly iowait: number;
}

export interface RecipeTotal {
  readonly pf: string;
  readonly tasks: number;
  /** Sum of its tasks' times. */
  readonly seconds: number;
  /** Sum of its tasks' sampled CPU seconds; null when none ran a process. */
  readonly cpu: number | null;
  /** First task start to last task end. */
  readonly span: number;
  readonly failed: boolean;
}

export interface SstateTotals {
  readonly local: number;
  readonly mirror: number;
  readonly missed: number;
  readonly refused: number;
  /** Tasks (by name) of each result, for the lists under the counts. */
  readonly byResult: Readonly<Record<SetsceneResult, readonly string[]>>;
}

export interface ReportModel {
  readonly version: 1;
  readonly build: string;
  /** ISO 8601. */
  readonly started: string;
  /** Seconds from the start to the last task's end (or the recorded finish). */
  readonly duration: number;
  /** Worker slots drawn (BB_NUMBER_THREADS, or as many as were used at once). */
  readonly slots: number;
  readonly cpus: number | null;
  readonly tasks: readonly ReportTask[];
  readonly restores: readonly ReportRestore[];
  readonly cpu: readonly CpuPoint[];
  readonly criticalPath: { readonly tasks: readonly string[]; readonly seconds: number };
  /** Slowest first. */
  readonly recipes: readonly RecipeTotal[];
  readonly sstate: SstateTotals;
  readonly summary: BuildInfo["summary"];
}

/** What the critical path needs of a task: its time and what it waited for. */
export interface PathTask {
  readonly name: string;
  readonly elapsed: number;
  readonly deps?: readonly string[];
}

/**
 * The chain of tasks, each depending on the one before, with the greatest total time: how long
 * the build would take with unlimited workers, and where making a task faster shortens it.
 * Dependencies on tasks not in `tasks` (current, restored) count as done at the start. Ties go to
 * the task listed first, so the answer is the same for the same input.
 */
export function criticalPath(tasks: readonly PathTask[]): { tasks: string[]; seconds: number } {
  const byName = new Map(tasks.map((t) => [t.name, t] as const));
  const best = new Map<string, { total: number; via: string | null }>();
  const visiting = new Set<string>();
  const solve = (root: string): void => {
    // Iterative depth-first search: chains of thousands of tasks must not overflow the stack.
    const stack: { name: string; expanded: boolean }[] = [{ name: root, expanded: false }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (best.has(top.name)) {
        stack.pop();
        continue;
      }
      const t = byName.get(top.name)!;
      const deps = (t.deps ?? []).filter((d) => byName.has(d));
      if (!top.expanded) {
        top.expanded = true;
        visiting.add(top.name);
        for (const d of deps) {
          if (visiting.has(d)) throw new Error(`the tasks' dependencies form a cycle through ${d}`);
          if (!best.has(d)) stack.push({ name: d, expanded: false });
        }
        continue;
      }
      let via: string | null = null;
      let longest = 0;
      for (const d of deps) {
        const b = best.get(d)!.total;
        if (b > longest) {
          longest = b;
          via = d;
        }
      }
      best.set(top.name, { total: longest + t.elapsed, via });
      visiting.delete(top.name);
      stack.pop();
    }
  };
  let end: string | null = null;
  for (const t of tasks) {
    solve(t.name);
    if (end === null || best.get(t.name)!.total > best.get(end)!.total) end = t.name;
  }
  const path: string[] = [];
  for (let at = end; at !== null; at = best.get(at)!.via) path.push(at);
  path.reverse();
  return { tasks: path, seconds: end === null ? 0 : round(best.get(end)!.total) };
}

/** Each recipe's tasks summed, slowest (greatest task time) first. */
export function recipeTotals(tasks: readonly TaskStat[]): RecipeTotal[] {
  const by = new Map<string, TaskStat[]>();
  for (const t of tasks) {
    const list = by.get(t.pf);
    if (list) list.push(t);
    else by.set(t.pf, [t]);
  }
  const end = (t: TaskStat) => Date.parse(t.started) + t.elapsed * 1000;
  return [...by]
    .map(([pf, list]): RecipeTotal => {
      const cpus = list.map((t) => t.cpu).filter((c): c is number => typeof c === "number");
      return {
        pf,
        tasks: list.length,
        seconds: round(list.reduce((a, t) => a + t.elapsed, 0)),
        cpu: cpus.length === 0 ? null : round(cpus.reduce((a, b) => a + b, 0)),
        span: round((Math.max(...list.map(end)) - Math.min(...list.map((t) => Date.parse(t.started)))) / 1000),
        failed: list.some((t) => !t.ok),
      };
    })
    .sort((a, b) => b.seconds - a.seconds || a.pf.localeCompare(b.pf));
}

/** Machine CPU use between consecutive samples of /proc/stat's counters, as shares of all CPUs. */
export function cpuUse(samples: readonly CpuSample[], t0: number): CpuPoint[] {
  const out: CpuPoint[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!.cpu;
    const b = samples[i]!.cpu;
    const d = b.map((v, k) => v - a[k]!);
    const total = d.reduce((x, y) => x + y, 0);
    if (total <= 0) continue;
    const [user, nice, system, , iowait, irq, softirq] = d as [number, number, number, number, number, number, number, number];
    out.push({
      t: round((samples[i]!.t - t0) / 1000),
      user: round((user + nice) / total),
      system: round((system + irq + softirq) / total),
      iowait: round(iowait / total),
    });
  }
  return out;
}

/** The lowest free lane for each interval, in order of start (intervals given sorted by start). */
export function assignLanes(intervals: readonly { readonly start: number; readonly end: number }[]): number[] {
  const busyUntil: number[] = [];
  return intervals.map((iv) => {
    let lane = busyUntil.findIndex((until) => until <= iv.start);
    if (lane < 0) lane = busyUntil.push(0) - 1;
    busyUntil[lane] = iv.end;
    return lane;
  });
}

export function sstateTotals(setscene: readonly SetsceneStat[]): SstateTotals {
  // A task looked up again after hash equivalence changed its signature: its last result counts.
  const last = new Map<string, SetsceneResult>();
  for (const s of setscene) last.set(s.task, s.result);
  const byResult: Record<SetsceneResult, string[]> = { local: [], mirror: [], missed: [], refused: [] };
  for (const [task, result] of last) byResult[result].push(task);
  for (const list of Object.values(byResult)) list.sort();
  return { local: byResult.local.length, mirror: byResult.mirror.length, missed: byResult.missed.length, refused: byResult.refused.length, byResult };
}

export function buildReport(input: ReportInput): ReportModel {
  const starts = [...input.tasks.map((t) => Date.parse(t.started)), ...input.setscene.map((s) => Date.parse(s.started))];
  const t0 = input.info ? Date.parse(input.info.started) : starts.length > 0 ? Math.min(...starts) : 0;
  const rel = (iso: string) => round((Date.parse(iso) - t0) / 1000);
  const ordered = [...input.tasks].sort((a, b) => Date.parse(a.started) - Date.parse(b.started));
  // Older statistics have no slots: pack their tasks into as few lanes as they need.
  const packed = assignLanes(ordered.map((t) => ({ start: rel(t.started), end: rel(t.started) + t.elapsed })));
  const path = criticalPath(input.tasks.map((t) => ({ name: t.task, elapsed: t.elapsed, deps: t.deps ?? [] })));
  const onPath = new Set(path.tasks);
  const tasks = ordered.map((t, i): ReportTask => ({
    name: t.task,
    pf: t.pf,
    start: rel(t.started),
    end: round(rel(t.started) + t.elapsed),
    slot: t.slot ?? packed[i]!,
    ok: t.ok,
    cpu: t.cpu ?? null,
    unihash: t.unihash ?? null,
    log: t.log ?? null,
    tail: (t.log && input.tails.get(t.log)) || [],
    critical: onPath.has(t.task),
  }));
  const restoreStats = input.setscene.filter((s) => s.result !== "missed").sort((a, b) => Date.parse(a.started) - Date.parse(b.started));
  const lanes = assignLanes(restoreStats.map((s) => ({ start: rel(s.started), end: rel(s.started) + s.elapsed })));
  const restores = restoreStats.map((s, i): ReportRestore => ({
    name: s.task,
    pf: s.pf,
    result: s.result as ReportRestore["result"],
    start: rel(s.started),
    end: round(rel(s.started) + s.elapsed),
    lane: lanes[i]!,
    unihash: s.unihash,
  }));
  const ends = [...tasks.map((t) => t.end), ...restores.map((r) => r.end)];
  const finished = input.info?.finished ? rel(input.info.finished) : 0;
  const used = Math.max(0, ...tasks.map((t) => t.slot + 1));
  return {
    version: 1,
    build: input.name,
    started: new Date(t0).toISOString(),
    duration: round(Math.max(finished, 0, ...ends)),
    slots: Math.max(input.info?.threads ?? 0, used),
    cpus: input.info?.cpus ?? null,
    tasks,
    restores,
    cpu: cpuUse(input.samples, t0),
    criticalPath: path,
    recipes: recipeTotals(input.tasks),
    sstate: sstateTotals(input.setscene),
    summary: input.info?.summary ?? null,
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
