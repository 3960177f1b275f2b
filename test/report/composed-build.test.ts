// A build from nothing put together from two partial builds and the task graph
// (lib/report/composed-build.ts): what the simulation of a cluster reads when no single build ran
// every task.
import test from "ava";
import { composeBuild, simulateCluster, type GraphTask } from "../../lib/report/index.js";
import type { TaskStat } from "../../lib/run/index.js";

const stat = (task: string, started: string, cpu: number, ok = true, deps: string[] = []): TaskStat => ({
  task,
  pf: `${task.split(":")[0]}-1.0-r0`,
  started,
  elapsed: cpu,
  ok,
  cpu,
  deps,
});

// gmp-native → gcc-cross (configure → noexec install marker → compile) → app; the second build
// restored gmp-native, so its own statistics say gcc-cross:do_configure waited for nothing.
const graph: GraphTask[] = [
  { id: "g:do_compile", name: "gmp-native:do_compile", deps: [] },
  { id: "g:do_populate_sysroot", name: "gmp-native:do_populate_sysroot", deps: ["g:do_compile"] },
  { id: "c:do_configure", name: "gcc-cross:do_configure", deps: ["g:do_populate_sysroot"] },
  { id: "c:do_mark", name: "gcc-cross:do_mark", deps: ["c:do_configure"] },
  { id: "c:do_compile", name: "gcc-cross:do_compile", deps: ["c:do_mark"] },
  { id: "a:do_compile", name: "app:do_compile", deps: ["c:do_compile", "g:do_populate_sysroot"] },
];
const first = [
  stat("gmp-native:do_compile", "2026-01-01T08:00:00Z", 100),
  stat("gmp-native:do_populate_sysroot", "2026-01-01T08:02:00Z", 1, true, ["gmp-native:do_compile"]),
  stat("gcc-cross:do_configure", "2026-01-01T08:03:00Z", 30, true, ["gmp-native:do_populate_sysroot"]),
  stat("gcc-cross:do_compile", "2026-01-01T08:04:00Z", 9, false),
];
const second = [
  stat("gcc-cross:do_configure", "2026-01-01T12:00:00Z", 20),
  stat("gcc-cross:do_compile", "2026-01-01T12:01:00Z", 400),
];

test("each task from the latest build that ran it successfully, its dependencies from the graph through unmeasured tasks", (t) => {
  const { tasks, unmeasured, measuredIn } = composeBuild([first, second], graph);
  t.deepEqual(unmeasured, ["gcc-cross:do_mark", "app:do_compile"]);
  t.deepEqual([...measuredIn].sort(), [["gcc-cross:do_compile", 1], ["gcc-cross:do_configure", 1], ["gmp-native:do_compile", 0], ["gmp-native:do_populate_sysroot", 0]], "which build each task's figures come from");
  const by = new Map(tasks.map((x) => [x.task, x] as const));
  t.is(by.get("gcc-cross:do_configure")!.cpu, 20, "the later build's measurement");
  t.is(by.get("gcc-cross:do_compile")!.cpu, 400, "a failed run does not count");
  t.deepEqual(by.get("gcc-cross:do_configure")!.deps, ["gmp-native:do_populate_sysroot"], "the restored dependency comes back from the graph");
  t.deepEqual(by.get("gcc-cross:do_compile")!.deps, ["gcc-cross:do_configure"], "through the noexec task");
  t.deepEqual(tasks.map((x) => x.task), ["gmp-native:do_compile", "gmp-native:do_populate_sysroot", "gcc-cross:do_configure", "gcc-cross:do_compile"]);
  // The chain is whole again: a serial schedule, not the restored recipe beside the compiler.
  const r = simulateCluster(tasks, { nodes: 0, coresPerNode: 2, localCores: 2, threads: 2, makeJobs: 2, iceccJobs: 1, compileFraction: 0.8, slowdown: 1 });
  t.is(Math.round(r.wall), 50 + 1 + 20 + 200);
});

test("a loop in the graph is an error naming a task in it", (t) => {
  const loop: GraphTask[] = [
    { id: "x", name: "x:do_a", deps: ["y"] },
    { id: "y", name: "y:do_a", deps: ["x"] },
    { id: "z", name: "z:do_a", deps: ["x"] },
  ];
  t.throws(() => composeBuild([[stat("z:do_a", "2026-01-01T08:00:00Z", 1)]], loop), { message: /dependency loop through [xy]:do_a/ });
});
