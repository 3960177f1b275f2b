// Build statistics (OE's buildstats): when each task that did work started and how long it took,
// one JSON line per task in `${BUILDSTATS_BASE}/<build start, UTC>/tasks.jsonl`, written as tasks
// finish so that a killed build keeps what it measured. `npm run buildstats` sums them by recipe.
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { BuildEvent, BuildListener } from "./events.js";
import type { TaskId } from "../graph/types.js";

export interface TaskStat {
  /** `busybox:do_compile`. */
  readonly task: string;
  readonly pf: string;
  /** ISO 8601, UTC. */
  readonly started: string;
  readonly elapsed: number;
  readonly ok: boolean;
}

/** `20261122T041527Z`: the name of one build's directory (BitBake's BUILDNAME, in UTC). */
export function buildName(at: Date): string {
  return at.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

/** A listener that records task times under `base`, then passes every event on to `inner`. */
export function recordBuildStats(base: string, inner: BuildListener, now: () => Date = () => new Date()): BuildListener {
  const dir = join(base, buildName(now()));
  const file = join(dir, "tasks.jsonl");
  const started = new Map<TaskId, { at: Date; noexec: boolean }>();
  let made = false;
  const write = (stat: TaskStat): void => {
    if (!made) mkdirSync(dir, { recursive: true });
    made = true;
    appendFileSync(file, JSON.stringify(stat) + "\n");
  };
  return (event: BuildEvent) => {
    if (event.type === "TaskStarted") started.set(event.node.id, { at: now(), noexec: event.noexec });
    else if (event.type === "TaskSucceeded" || event.type === "TaskFailed") {
      const s = started.get(event.node.id);
      started.delete(event.node.id);
      if (s && !s.noexec) {
        const r = event.node.recipe;
        write({
          task: `${r.pn}:${event.node.task.name}`,
          pf: `${r.pn}-${r.pe !== "" && r.pe !== "0" ? `${r.pe}_` : ""}${r.pv}-${r.pr}`,
          started: s.at.toISOString(),
          elapsed: Math.round(event.elapsedMs) / 1000,
          ok: event.type === "TaskSucceeded",
        });
      }
    }
    inner(event);
  };
}
