import test from "ava";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TaskNode } from "../../lib/graph/types.js";
import {
  BuildStats,
  buildName,
  parseProcStat,
  parseTimes,
  type BuildEvent,
  type BuildInfo,
  type SetsceneStat,
  type TaskStat,
} from "../../lib/run/index.js";

function node(pn: string, task: string, deps: string[] = []): TaskNode {
  return {
    id: `/l/${pn}.bb:${task}`,
    recipeId: `/l/${pn}.bb`,
    recipe: { pn, pe: "", pv: "1.0", pr: "r0" },
    task: { name: task, after: [], flags: {}, basehash: "" },
    deps,
  } as unknown as TaskNode;
}

function lines<T>(file: string): T[] {
  return readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as T);
}

const summary = { total: 4, ran: 3, current: 1, failed: 0, notRun: 0, unstarted: 0, interrupted: false, failures: [] };

test("buildstats: a line per task that did work (start, duration, slot, signature, log, dependencies), setscene results, build.json; events pass through", (t) => {
  const base = mkdtempSync(join(tmpdir(), "bake-buildstats-"));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  let clock = Date.parse("2026-11-22T04:15:27.500Z");
  const seen: string[] = [];
  const stats = new BuildStats(base, (e) => seen.push(e.type), { now: () => new Date(clock), sampleMs: 0 });
  const fetch = node("busybox", "do_fetch");
  const configure = node("busybox", "do_configure", [fetch.id]);
  const compile = node("busybox", "do_compile", [configure.id, fetch.id]);
  const zlib = node("zlib", "do_compile");
  const sysroot = node("musl", "do_populate_sysroot");
  const events: BuildEvent[] = [
    { type: "Setscene", node: sysroot, result: "local", unihash: "u-musl", elapsedMs: 500 },
    { type: "Setscene", node: node("gcc", "do_populate_sysroot"), result: "missed", unihash: "u-gcc", elapsedMs: 0 },
    { type: "BuildStarted", total: 5, threads: 2 },
    { type: "TaskStarted", node: fetch, index: 1, total: 5, noexec: true },
    { type: "TaskSucceeded", node: fetch, elapsedMs: 1 },
    { type: "TaskStarted", node: configure, index: 2, total: 5, noexec: false },
    { type: "TaskStarted", node: zlib, index: 3, total: 5, noexec: false },
  ];
  for (const e of events) stats.listener(e);
  clock += 2000;
  stats.listener({ type: "TaskRan", node: configure, unihash: "u-configure", log: "/w/temp/log.do_configure.1" });
  stats.listener({ type: "TaskSucceeded", node: configure, elapsedMs: 2000 });
  // zlib still runs on slot 1: compile takes the slot configure left.
  stats.listener({ type: "TaskStarted", node: compile, index: 4, total: 5, noexec: false });
  clock += 61_250;
  stats.listener({ type: "TaskRan", node: compile, unihash: "u-compile", log: null });
  stats.listener({ type: "TaskFailed", node: compile, elapsedMs: 61_250, failure: { reason: "error", message: "x", log: null } });
  stats.listener({ type: "TaskSucceeded", node: zlib, elapsedMs: 63_250 });
  stats.listener({ type: "BuildFinished", summary });
  stats.close();

  t.deepEqual(seen.slice(0, 3), ["Setscene", "Setscene", "BuildStarted"]);
  t.is(seen.length, 14);
  t.deepEqual(readdirSync(base), [buildName(new Date("2026-11-22T04:15:27.500Z"))]);
  t.is(stats.dir, join(base, "20261122T041527Z"));
  const tasks = lines<TaskStat>(join(stats.dir, "tasks.jsonl"));
  t.deepEqual(tasks, [
    { task: "busybox:do_configure", pf: "busybox-1.0-r0", started: "2026-11-22T04:15:27.500Z", elapsed: 2, ok: true, slot: 0, unihash: "u-configure", log: "/w/temp/log.do_configure.1", cpu: null, deps: [] },
    { task: "busybox:do_compile", pf: "busybox-1.0-r0", started: "2026-11-22T04:15:29.500Z", elapsed: 61.25, ok: false, slot: 0, unihash: "u-compile", log: null, cpu: null, deps: ["busybox:do_configure"] },
    { task: "zlib:do_compile", pf: "zlib-1.0-r0", started: "2026-11-22T04:15:27.500Z", elapsed: 63.25, ok: true, slot: 1, unihash: null, log: null, cpu: null, deps: [] },
  ]);
  const setscene = lines<SetsceneStat>(join(stats.dir, "setscene.jsonl"));
  t.deepEqual(setscene.map((s) => [s.task, s.result, s.elapsed, s.unihash]), [
    ["musl:do_populate_sysroot", "local", 0.5, "u-musl"],
    ["gcc:do_populate_sysroot", "missed", 0, "u-gcc"],
  ]);
  t.is(setscene[0]!.started, "2026-11-22T04:15:27.000Z");
  const info = JSON.parse(readFileSync(join(stats.dir, "build.json"), "utf8")) as BuildInfo;
  t.is(info.threads, 2);
  t.is(info.started, "2026-11-22T04:15:27.500Z");
  t.is(info.finished, "2026-11-22T04:16:30.750Z");
  t.deepEqual(info.summary, { total: 4, ran: 3, current: 1, failed: 0, notRun: 0, unstarted: 0, interrupted: false });
});

test("buildstats: a build where nothing ran leaves no directory", (t) => {
  const base = mkdtempSync(join(tmpdir(), "bake-buildstats-"));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const stats = new BuildStats(base, () => {}, { sampleMs: 0 });
  stats.listener({ type: "BuildStarted", total: 1, threads: 2 });
  stats.listener({ type: "TaskCurrent", node: node("a", "do_compile") });
  stats.listener({ type: "BuildFinished", summary });
  t.false(stats.recorded);
  t.false(existsSync(stats.dir));
});

test("buildstats: a task's CPU time is what its outcome said (its shells, all they waited for); /proc/stat is sampled", (t) => {
  const base = mkdtempSync(join(tmpdir(), "bake-buildstats-"));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const stats = new BuildStats(join(base, "stats"), () => {}, { sampleMs: 10 });
  const compile = node("busybox", "do_compile");
  const install = node("busybox", "do_install");
  stats.listener({ type: "BuildStarted", total: 2, threads: 1 });
  stats.listener({ type: "TaskStarted", node: compile, index: 1, total: 2, noexec: false });
  stats.listener({ type: "TaskRan", node: compile, unihash: "u", log: join(base, "temp/log.do_compile.77"), cpu: 1.25 });
  stats.listener({ type: "TaskSucceeded", node: compile, elapsedMs: 100 });
  const until = Date.now() + 30;
  while (Date.now() < until);
  stats.listener({ type: "TaskStarted", node: install, index: 2, total: 2, noexec: false });
  stats.listener({ type: "TaskRan", node: install, unihash: "v", log: join(base, "temp/log.do_install.77") });
  stats.listener({ type: "TaskSucceeded", node: install, elapsedMs: 100 });
  stats.listener({ type: "BuildFinished", summary });
  const [c, i] = lines<TaskStat>(join(stats.dir, "tasks.jsonl"));
  t.is(c!.cpu, 1.25);
  t.is(i!.cpu, null, "no shell ran (a js task)");
  const samples = lines<{ t: number; cpu: number[] }>(join(stats.dir, "proc_stat.jsonl"));
  t.true(samples.length >= 2);
  t.is(samples[0]!.cpu.length, 8);
  t.true(samples.every((s, i) => i === 0 || s.t >= samples[i - 1]!.t));
});

test("parseTimes: every `times` line's user and system seconds, summed", (t) => {
  const temp = mkdtempSync(join(tmpdir(), "bake-buildstats-"));
  t.teardown(() => rmSync(temp, { recursive: true, force: true }));
  // Two shells, each appending what a real sh's `times` prints at its exit.
  for (let i = 0; i < 2; i++) {
    const r = spawnSync("sh", ["-c", `i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; times >>'${temp}/cpu'`]);
    t.is(r.status, 0);
  }
  const text = readFileSync(join(temp, "cpu"), "utf8");
  t.is(text.trim().split("\n").length, 4);
  t.true(parseTimes(text) > 0, text);
});

test("times: dash's and bash's formats, several runs summed", (t) => {
  t.is(parseTimes("0m0.004000s 0m0.001000s\n0m1.250000s 0m0.500000s\n"), 1.755);
  t.is(parseTimes("0m0.00s 0m0.00s\n1m2.50s 0m0.25s\n0m0.001s 0m0.000s\n0m0.100s 0m0.050s\n"), 62.901);
  t.is(parseTimes(""), 0);
});

test("proc-stat: /proc/stat's cpu line", (t) => {
  t.deepEqual(parseProcStat("cpu  10 1 5 100 3 0 2 0 0 0\ncpu0 5 0 2 50 1 0 1 0 0 0\n"), [10, 1, 5, 100, 3, 0, 2, 0]);
  t.is(parseProcStat("intr 1 2 3\n"), null);
});
