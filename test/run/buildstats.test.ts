import test from "ava";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TaskNode } from "../../lib/graph/types.js";
import { buildName, recordBuildStats, type BuildEvent, type TaskStat } from "../../lib/run/index.js";

function node(pn: string, task: string): TaskNode {
  return {
    id: `/l/${pn}.bb:${task}`,
    recipeId: `/l/${pn}.bb`,
    recipe: { pn, pe: "", pv: "1.0", pr: "r0" },
    task: { name: task, after: [], flags: {}, basehash: "" },
    deps: [],
  } as unknown as TaskNode;
}

test("buildstats: one line per task that did work, with its start and duration; events pass through", (t) => {
  const base = mkdtempSync(join(tmpdir(), "bake-buildstats-"));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  let clock = Date.parse("2026-11-22T04:15:27.500Z");
  const seen: string[] = [];
  const listener = recordBuildStats(base, (e) => seen.push(e.type), () => new Date(clock));
  const compile = node("busybox", "do_compile");
  const fetch = node("busybox", "do_fetch");
  const events: BuildEvent[] = [
    { type: "TaskStarted", node: fetch, index: 1, total: 3, noexec: true },
    { type: "TaskSucceeded", node: fetch, elapsedMs: 1 },
    { type: "TaskStarted", node: compile, index: 2, total: 3, noexec: false },
  ];
  for (const e of events) listener(e);
  clock += 61_250;
  listener({ type: "TaskSucceeded", node: compile, elapsedMs: 61_250 });
  t.deepEqual(seen, ["TaskStarted", "TaskSucceeded", "TaskStarted", "TaskSucceeded"]);
  t.deepEqual(readdirSync(base), [buildName(new Date("2026-11-22T04:15:27.500Z"))]);
  t.is(readdirSync(base)[0], "20261122T041527Z");
  const lines = readFileSync(join(base, "20261122T041527Z/tasks.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as TaskStat);
  t.deepEqual(lines, [{ task: "busybox:do_compile", pf: "busybox-1.0-r0", started: "2026-11-22T04:15:27.500Z", elapsed: 61.25, ok: true }]);
});
