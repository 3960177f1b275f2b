import test from "ava";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import {
  assignLanes,
  buildReport,
  BuildStatsError,
  cpuUse,
  criticalPath,
  readBuildStats,
  recipeTotals,
  renderReport,
  sstateTotals,
  type ReportInput,
} from "../../lib/report/index.js";
import type { SetsceneStat, TaskStat } from "../../lib/run/index.js";

const T0 = Date.parse("2026-11-22T04:00:00.000Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function stat(task: string, start: number, elapsed: number, deps: string[] = [], extra: Partial<TaskStat> = {}): TaskStat {
  return { task, pf: `${task.split(":")[0]}-1.0-r0`, started: at(start), elapsed, ok: true, deps, ...extra };
}

test("critical path: the dependent chain with the greatest total time, not the longest in tasks", (t) => {
  // a → b (long) → d, a → c → c2 → d: three short tasks weigh less than one long one.
  const tasks = [
    { name: "a", elapsed: 1 },
    { name: "b", elapsed: 10, deps: ["a"] },
    { name: "c", elapsed: 2, deps: ["a"] },
    { name: "c2", elapsed: 2, deps: ["c"] },
    { name: "d", elapsed: 1, deps: ["b", "c2"] },
    { name: "lone", elapsed: 5 },
  ];
  t.deepEqual(criticalPath(tasks), { tasks: ["a", "b", "d"], seconds: 12 });
});

test("critical path: dependencies outside the build count as done; ties go to the first listed; empty", (t) => {
  t.deepEqual(criticalPath([{ name: "x", elapsed: 3, deps: ["restored:do_populate_sysroot"] }]), { tasks: ["x"], seconds: 3 });
  t.deepEqual(criticalPath([{ name: "p", elapsed: 2 }, { name: "q", elapsed: 2 }]).tasks, ["p"]);
  t.deepEqual(criticalPath([]), { tasks: [], seconds: 0 });
});

test("critical path: a chain of 20,000 tasks (no recursion to overflow); a cycle is an error", (t) => {
  const chain = Array.from({ length: 20_000 }, (_, i) => ({ name: `t${i}`, elapsed: 1, deps: i > 0 ? [`t${i - 1}`] : [] }));
  const p = criticalPath(chain);
  t.is(p.tasks.length, 20_000);
  t.is(p.seconds, 20_000);
  t.throws(() => criticalPath([{ name: "a", elapsed: 1, deps: ["b"] }, { name: "b", elapsed: 1, deps: ["a"] }]), { message: /cycle/ });
});

test("recipe totals: task time, sampled CPU, span, failures; slowest first", (t) => {
  const rows = recipeTotals([
    stat("zlib:do_compile", 0, 4, [], { cpu: 3.5 }),
    stat("zlib:do_install", 10, 1, [], { cpu: null }),
    stat("busybox:do_compile", 2, 30, [], { cpu: 50, ok: false }),
    stat("hello:do_fetch", 1, 0.5),
  ]);
  t.deepEqual(rows, [
    { pf: "busybox-1.0-r0", tasks: 1, seconds: 30, cpu: 50, span: 30, failed: true },
    { pf: "zlib-1.0-r0", tasks: 2, seconds: 5, cpu: 3.5, span: 11, failed: false },
    { pf: "hello-1.0-r0", tasks: 1, seconds: 0.5, cpu: null, span: 0.5, failed: false },
  ]);
});

test("cpu use: shares of all CPUs between samples of /proc/stat (user+nice, system+irq+softirq, iowait)", (t) => {
  const points = cpuUse(
    [
      { t: T0 + 1000, cpu: [100, 0, 50, 1000, 0, 0, 0, 0] },
      { t: T0 + 2000, cpu: [250, 50, 80, 1230, 20, 10, 10, 0] },
      // No time passed (the counters did not move): no point.
      { t: T0 + 2000, cpu: [250, 50, 80, 1230, 20, 10, 10, 0] },
    ],
    T0,
  );
  t.deepEqual(points, [{ t: 2, user: 0.4, system: 0.1, iowait: 0.04 }]);
});

test("lanes: the lowest free one, reused once its interval has ended", (t) => {
  t.deepEqual(assignLanes([{ start: 0, end: 5 }, { start: 1, end: 2 }, { start: 2, end: 3 }, { start: 4, end: 9 }, { start: 5, end: 6 }]), [0, 1, 1, 1, 0]);
});

test("sstate totals: each wanted task's last result counts", (t) => {
  const s = (task: string, result: SetsceneStat["result"]): SetsceneStat => ({ task, pf: "x", result, started: at(0), elapsed: 0, unihash: "u" });
  const totals = sstateTotals([s("a:do_populate_sysroot", "missed"), s("b:do_package", "local"), s("c:do_deploy", "mirror"), s("a:do_populate_sysroot", "local"), s("d:do_package", "refused")]);
  t.deepEqual(
    { local: totals.local, mirror: totals.mirror, missed: totals.missed, refused: totals.refused },
    { local: 2, mirror: 1, missed: 0, refused: 1 },
  );
  t.deepEqual(totals.byResult.local, ["a:do_populate_sysroot", "b:do_package"]);
});

function input(over: Partial<ReportInput> = {}): ReportInput {
  return {
    name: "20261122T040000Z",
    info: { version: 1, started: at(0), threads: 2, cpus: 2, finished: at(20), summary: null },
    tasks: [
      stat("a:do_compile", 1, 5, [], { slot: 0, log: "/l/log.a", unihash: "ua" }),
      stat("b:do_compile", 1.5, 3, [], { slot: 1 }),
      stat("c:do_compile", 6, 4, ["a:do_compile"], { slot: 0 }),
    ],
    setscene: [{ task: "m:do_populate_sysroot", pf: "m-1-r0", result: "local", started: at(0.2), elapsed: 0.5, unihash: "um" }],
    samples: [],
    tails: new Map([["/l/log.a", ["DEBUG: Shell function do_compile finished"]]]),
    ...over,
  };
}

test("build report: times from the build's start, tasks by start, critical path marked, restores on lanes", (t) => {
  const m = buildReport(input());
  t.is(m.duration, 20);
  t.is(m.slots, 2);
  t.deepEqual(m.tasks.map((x) => [x.name, x.start, x.end, x.slot, x.critical]), [
    ["a:do_compile", 1, 6, 0, true],
    ["b:do_compile", 1.5, 4.5, 1, false],
    ["c:do_compile", 6, 10, 0, true],
  ]);
  t.deepEqual(m.tasks[0]!.tail, ["DEBUG: Shell function do_compile finished"]);
  t.deepEqual(m.criticalPath, { tasks: ["a:do_compile", "c:do_compile"], seconds: 9 });
  t.deepEqual(m.restores, [{ name: "m:do_populate_sysroot", pf: "m-1-r0", result: "local", start: 0.2, end: 0.7, lane: 0, unihash: "um" }]);
});

test("build report: statistics from before slots were recorded are packed into lanes", (t) => {
  const m = buildReport(input({ info: null, setscene: [], tasks: [stat("a:x", 0, 5), stat("b:x", 1, 1), stat("c:x", 3, 1)] }));
  t.deepEqual(m.tasks.map((x) => x.slot), [0, 1, 1]);
  t.is(m.slots, 2);
  t.is(m.duration, 5);
});

test("html: self-contained, the model travels gzip'd and decodes back, text is escaped", (t) => {
  const m = buildReport(input({ tasks: [stat("<script>:do_x", 0, 1, [], { slot: 0 })] }));
  const html = renderReport(m);
  t.notRegex(html, /(src|href)\s*=\s*["']?(https?:)?\/\//i, "nothing loaded from anywhere");
  t.false(html.includes("<script>:do_x"));
  const data = /<script type="application\/octet-stream" id="report-data">([^<]*)<\/script>/.exec(html)![1]!;
  t.deepEqual(JSON.parse(gunzipSync(Buffer.from(data, "base64")).toString()), JSON.parse(JSON.stringify(m)));
});

test("html: a big build stays small (5,000 tasks with log tails)", (t) => {
  const tasks = Array.from({ length: 5000 }, (_, i) =>
    stat(`r${Math.floor(i / 10)}:do_t${i % 10}`, i * 0.5, 2, i >= 10 ? [`r${Math.floor(i / 10) - 1}:do_t${i % 10}`] : [], {
      slot: i % 8,
      log: `/w/r${i}/temp/log.do_t${i % 10}.123`,
      unihash: (i * 2654435761).toString(16).padStart(64, "0"),
      cpu: 1.5,
    }),
  );
  const tail = ["DEBUG: Executing shell function do_compile", "gcc -O2 -c foo.c -o foo.o", "ar rcs libfoo.a foo.o", "DEBUG: Shell function do_compile finished"];
  const html = renderReport(buildReport(input({ tasks, tails: new Map(tasks.map((s) => [s.log!, tail])) })));
  t.log(`5,000 tasks: ${(html.length / 1024).toFixed(0)} KiB`);
  t.true(html.length < 2 * 1024 * 1024, `${html.length} bytes`);
});

test("reading statistics: a bad line is an error naming the file and line; a half-written last line is dropped", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "bake-report-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const good = JSON.stringify(stat("a:do_compile", 0, 1));
  writeFileSync(join(dir, "tasks.jsonl"), `${good}\n{"task": "b:do_com`);
  t.is(readBuildStats(dir).tasks.length, 1);
  writeFileSync(join(dir, "tasks.jsonl"), `${good}\nnot json\n${good}\n`);
  const e = t.throws(() => readBuildStats(dir), { instanceOf: BuildStatsError });
  t.is(e.file, join(dir, "tasks.jsonl"));
  t.is(e.line, 2);
  writeFileSync(join(dir, "tasks.jsonl"), `{"task": "a:do_compile"}\n`);
  t.throws(() => readBuildStats(dir), { message: /tasks\.jsonl:1: a task line needs task, pf, started/ });
});
