// Build statistics (OE's buildstats), written under `${BUILDSTATS_BASE}/<build start, UTC>/` as the
// build goes, so that a killed build keeps what it measured:
//   tasks.jsonl     one line per task that did work: start, duration, worker slot, signature, log,
//                   CPU time of its processes, and the tasks of this build it waited for;
//   setscene.jsonl  one line per sstate task the build wanted: restored (local, mirror), missed, refused;
//   proc_stat.jsonl the machine's CPU counters (/proc/stat), sampled every second;
//   build.json      when, how many threads and CPUs, and at the end the build's summary.
// `bake report` and `npm run buildstats` read them (lib/report).
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { BuildEvent, BuildListener, BuildSummary } from "./events.js";
import type { SetsceneResult } from "../setscene/index.js";
import { displayName, type TaskId, type TaskNode } from "../graph/types.js";
import { readCpuCounters, type CpuCounters } from "./proc-stat.js";

export interface TaskStat {
  /** `busybox:do_compile`: unique in a build (one version of a PN is built). */
  readonly task: string;
  readonly pf: string;
  /** ISO 8601, UTC. */
  readonly started: string;
  readonly elapsed: number;
  readonly ok: boolean;
  /** Which of the build's BB_NUMBER_THREADS slots ran it, from 0. */
  readonly slot?: number;
  /** The signature (unihash) it ran for. */
  readonly unihash?: string | null;
  readonly log?: string | null;
  /**
   * CPU seconds (user + system) of its shell functions and all they waited for, as the task
   * launcher's account of each reaped shell, or their `times` at exit, said. null: it ran no shell
   * (a js task), or it did not exit by itself.
   */
  readonly cpu?: number | null;
  /** The tasks it depends on that ran in this build (`task` names). */
  readonly deps?: readonly string[];
}

export interface SetsceneStat {
  readonly task: string;
  readonly pf: string;
  readonly result: SetsceneResult;
  /** ISO 8601, UTC: when the restore started (a miss: when it was looked up). */
  readonly started: string;
  readonly elapsed: number;
  readonly unihash: string;
}

/** One line of proc_stat.jsonl. */
export interface CpuSample {
  /** Milliseconds since the epoch. */
  readonly t: number;
  readonly cpu: CpuCounters;
}

export interface BuildInfo {
  readonly version: 1;
  /** ISO 8601, UTC: when bake began the build (before setscene). */
  readonly started: string;
  readonly threads: number | null;
  readonly cpus: number;
  readonly finished: string | null;
  readonly summary: Omit<BuildSummary, "failures"> | null;
}

/** `20261122T041527Z`: the name of one build's directory (BitBake's BUILDNAME, in UTC). */
export function buildName(at: Date): string {
  return at.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

export function packageFullName(node: TaskNode): string {
  const r = node.recipe;
  return `${r.pn}-${r.pe !== "" && r.pe !== "0" ? `${r.pe}_` : ""}${r.pv}-${r.pr}`;
}

export interface BuildStatsOptions {
  readonly now?: () => Date;
  /** How often CPU use is sampled; 0: never (tests). */
  readonly sampleMs?: number;
}

interface Running {
  readonly at: Date;
  readonly noexec: boolean;
  readonly slot: number;
  unihash: string | null;
  log: string | null;
  cpu: number | null;
}

/** Records one build's statistics under `base` while passing every event on to `inner`. */
export class BuildStats {
  readonly dir: string;
  private readonly now: () => Date;
  private readonly started: Date;
  private readonly running = new Map<TaskId, Running>();
  /** Slots in use: slot → task. */
  private readonly slots: (TaskId | null)[] = [];
  /** Tasks that ran in this build: id → `task` name. */
  private readonly ran = new Map<TaskId, string>();
  private readonly pendingSamples: CpuSample[] = [];
  private readonly timer: NodeJS.Timeout | null = null;
  private threads: number | null = null;
  /**
   * The files lines are appended to, each opened once (a line a task costs a write, not an open,
   * a write and a close); each line is written whole as it comes, so a killed build keeps them.
   */
  private readonly files = new Map<string, number>();
  private made = false;
  private closed = false;

  constructor(base: string, private readonly inner: BuildListener, opts: BuildStatsOptions = {}) {
    this.now = opts.now ?? (() => new Date());
    this.started = this.now();
    this.dir = join(base, buildName(this.started));
    const every = opts.sampleMs ?? 1000;
    if (every > 0) {
      this.sample();
      this.timer = setInterval(() => this.sample(), every);
      this.timer.unref();
    }
  }

  /** Whether anything was recorded (a build where everything was current leaves no directory). */
  get recorded(): boolean {
    return this.made;
  }

  readonly listener: BuildListener = (event: BuildEvent) => {
    this.record(event);
    this.inner(event);
  };

  /** Stops sampling; the last sample and the build's end are written (once: at BuildFinished or after). */
  close(summary: BuildSummary | null = null): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.made) {
      this.sample();
      this.writeInfo(summary);
    }
    for (const fd of this.files.values()) closeSync(fd);
    this.files.clear();
  }

  private record(event: BuildEvent): void {
    switch (event.type) {
      case "BuildStarted":
        this.threads = event.threads;
        return;
      case "TaskStarted": {
        let slot = this.slots.indexOf(null);
        if (slot < 0) slot = this.slots.push(null) - 1;
        this.slots[slot] = event.node.id;
        this.running.set(event.node.id, { at: this.now(), noexec: event.noexec, slot, unihash: null, log: null, cpu: null });
        return;
      }
      case "TaskRan": {
        const r = this.running.get(event.node.id);
        if (r) {
          r.unihash = event.unihash;
          r.log = event.log;
          r.cpu = event.cpu ?? null;
        }
        return;
      }
      case "TaskSucceeded":
      case "TaskFailed":
        this.finished(event.node, event.type === "TaskSucceeded", event.elapsedMs);
        return;
      case "Setscene": {
        const end = this.now();
        this.append("setscene.jsonl", {
          task: displayName(event.node),
          pf: packageFullName(event.node),
          result: event.result,
          started: new Date(end.getTime() - event.elapsedMs).toISOString(),
          elapsed: Math.round(event.elapsedMs) / 1000,
          unihash: event.unihash,
        } satisfies SetsceneStat);
        return;
      }
      case "BuildFinished":
        this.close(event.summary);
        return;
      default:
        return;
    }
  }

  private finished(node: TaskNode, ok: boolean, elapsedMs: number): void {
    const r = this.running.get(node.id);
    this.running.delete(node.id);
    if (!r) return;
    this.slots[r.slot] = null;
    if (r.noexec) return;
    const name = displayName(node);
    this.ran.set(node.id, name);
    this.append("tasks.jsonl", {
      task: name,
      pf: packageFullName(node),
      started: r.at.toISOString(),
      elapsed: Math.round(elapsedMs) / 1000,
      ok,
      slot: r.slot,
      unihash: r.unihash,
      log: r.log,
      cpu: r.cpu,
      deps: [...new Set(node.deps.flatMap((d) => this.ran.get(d) ?? []))],
    } satisfies TaskStat);
  }

  private sample(): void {
    const cpu = readCpuCounters();
    if (cpu) {
      const s: CpuSample = { t: this.now().getTime(), cpu };
      if (this.made) this.append("proc_stat.jsonl", s);
      else this.pendingSamples.push(s);
    }
  }

  private append(file: string, line: object): void {
    if (!this.made) {
      mkdirSync(this.dir, { recursive: true });
      this.made = true;
      this.writeInfo(null);
      const samples = this.pendingSamples.splice(0);
      if (samples.length > 0) writeSync(this.opened("proc_stat.jsonl"), samples.map((s) => JSON.stringify(s) + "\n").join(""));
    }
    writeSync(this.opened(file), JSON.stringify(line) + "\n");
  }

  private opened(file: string): number {
    let fd = this.files.get(file);
    if (fd === undefined) {
      fd = openSync(join(this.dir, file), "a");
      this.files.set(file, fd);
    }
    return fd;
  }

  private writeInfo(summary: BuildSummary | null): void {
    const info: BuildInfo = {
      version: 1,
      started: this.started.toISOString(),
      threads: this.threads,
      cpus: availableParallelism(),
      finished: summary ? this.now().toISOString() : null,
      summary: summary ? (({ failures: _, ...counts }) => counts)(summary) : null,
    };
    writeFileSync(join(this.dir, "build.json"), JSON.stringify(info, null, 2) + "\n");
  }
}
