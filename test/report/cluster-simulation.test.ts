// The icecc cluster model (lib/report/cluster-simulation.ts) on small task graphs whose answers
// can be worked out by hand.
import test from "ava";
import { measuredSlowdown, simulateCluster, taskKinds, wallBounds, type ClusterScenario } from "../../lib/report/index.js";
import type { TaskStat } from "../../lib/run/index.js";

let clock = Date.parse("2026-01-01T00:00:00Z");
function task(name: string, pf: string, cpu: number | null, deps: string[] = [], elapsed = 0): TaskStat {
  clock += 1000;
  return { task: name, pf, started: new Date(clock).toISOString(), elapsed, ok: true, cpu, deps };
}

/** Seconds, to the millisecond: the schedule is computed in floating point. */
const wall = (stats: readonly TaskStat[], s: ClusterScenario) => Math.round(simulateCluster(stats, s).wall * 1000) / 1000;

const scenario = (nodes: number, over: Partial<ClusterScenario> = {}): ClusterScenario => ({
  nodes,
  coresPerNode: 2,
  localCores: 2,
  threads: 2,
  makeJobs: 2,
  iceccJobs: Math.max(1, nodes * 2),
  compileFraction: 0.8,
  slowdown: 1,
  ...over,
});

/** A target recipe whose sysroot has the cross compiler, and the compiler's own recipe. */
const toolchain = [
  task("gcc-cross-x86_64:do_compile", "gcc-cross-x86_64-12.2.0-r0", 40),
  task("gcc-cross-x86_64:do_populate_sysroot", "gcc-cross-x86_64-12.2.0-r0", 0, ["gcc-cross-x86_64:do_compile"]),
  task("app:do_prepare_recipe_sysroot", "app-1.0-r0", null, ["gcc-cross-x86_64:do_populate_sysroot"], 0),
  task("app:do_compile", "app-1.0-r0", 100, ["app:do_prepare_recipe_sysroot"]),
  task("hdrs:do_compile", "hdrs-1.0-r0", 10, []),
];

test("only target compiles with the cross compiler in their sysroot are distributed", (t) => {
  t.deepEqual(taskKinds(toolchain), ["make", "serial", "serial", "distributed", "make"]);
  // A build that restored the compiler ran no task of it: every target do_compile counts.
  t.deepEqual(taskKinds(toolchain.slice(3)), ["distributed", "distributed"]);
});

test("a distributed compile: its compiling part spreads over the cluster, the rest stays on the two local cores", (t) => {
  const compile = [task("app:do_compile", "app-1.0-r0", 100)];
  t.is(wall(compile, scenario(0)), 50, "100 CPU-s on 2 cores");
  // 80 CPU-s over 8 slots and 20 locally over 2 cores: 10 s each, at once.
  t.is(wall(compile, scenario(4)), 10);
  t.is(wall(compile, scenario(64)), 10, "then the local part bounds it");
  t.is(wall(compile, scenario(1)), 40, "80 CPU-s over one node's 2 slots");
  const r = simulateCluster(compile, scenario(4));
  t.is(Math.round(r.remoteCpu), 80);
  t.is(Math.round(r.localCpu), 20);
});

test("host recipes, dependencies, threads, restored recipes and tasks timed by the clock", (t) => {
  const full = simulateCluster(toolchain, scenario(16));
  // gcc-cross and hdrs share the two cores (a core each) until hdrs is done at 10 s; gcc-cross's
  // last 30 CPU-s take 15 s on both; app's 20 local CPU-s then 10 s (its 80 on the cluster: 2.5 s).
  t.is(full.wall, 35);
  t.deepEqual(full.path.map((p) => p.task), ["gcc-cross-x86_64:do_compile", "gcc-cross-x86_64:do_populate_sysroot", "app:do_prepare_recipe_sysroot", "app:do_compile"]);
  // Without the compiler's cost, app and hdrs share the cores from the start: 10 s, then 5 s.
  const restored = simulateCluster(toolchain, scenario(16, { restored: (x) => x.pf.startsWith("gcc-cross") }));
  t.is(Math.round(restored.wall * 1000) / 1000, 15);
  t.deepEqual(restored.tasks.filter((x) => x.task.startsWith("gcc-cross")).map((x) => x.end), [0, 0], "restored tasks end at once");
  // Two serial tasks of 10 CPU-s, one thread: one after the other.
  const serial = [task("a:do_package", "a-1-r0", 10), task("b:do_package", "b-1-r0", 10)];
  t.is(wall(serial, scenario(0, { threads: 1 })), 20);
  t.is(wall(serial, scenario(0)), 10, "two threads, a core each");
  // A task whose CPU was not counted (bake's own work) takes its wall time over the slowdown.
  const io = [task("a:do_unpack", "a-1-r0", null, [], 21), task("b:do_package", "b-1-r0", 4)];
  t.is(wall(io, scenario(0, { slowdown: 3 })), 7);
});

test("the measured slowdown: median wall / CPU of single-threaded tasks of 5 CPU-s or more", (t) => {
  const stats = [
    task("a:do_configure", "a-1-r0", 10, [], 60),
    task("b:do_configure", "b-1-r0", 10, [], 50),
    task("c:do_package", "c-1-r0", 10, [], 40),
    task("c:do_compile", "c-1-r0", 100, [], 150), // make -j: not single-threaded
    task("d:do_package", "d-1-r0", 1, [], 100), // too little CPU to tell
  ];
  t.is(measuredSlowdown(stats), 5);
  t.is(measuredSlowdown([task("e:do_compile", "e-1-r0", 10, [], 10)]), 1, "nothing to tell from");
});

test("the bounds of a wall time: the chain of dependencies, the build host's work, the cluster's", (t) => {
  // a (10 CPU-s, serial) → app:do_compile (100 CPU-s, distributed); b (16 CPU-s, serial) beside them.
  const stats = [
    task("a:do_configure", "app-1.0-r0", 10),
    task("app:do_compile", "app-1.0-r0", 100, ["a:do_configure"]),
    task("b:do_package", "b-1.0-r0", 16),
  ];
  const local = wallBounds(stats, scenario(0));
  t.deepEqual(local, { criticalPath: 10 + 50, hostWork: 126 / 2, clusterWork: 0 });
  // 4 nodes: app's 20 local CPU-s take 10 s on 2 cores, its 80 on 8 slots 10 s.
  const four = wallBounds(stats, scenario(4));
  t.deepEqual(four, { criticalPath: 10 + 10, hostWork: 46 / 2, clusterWork: 80 / 8 });
  t.true(simulateCluster(stats, scenario(4)).wall >= Math.max(four.criticalPath, four.hostWork));
  // Dependencies given out of the measured order (a composed build) are followed all the same.
  const reversed = [task("z:do_package", "z-1-r0", 4, ["y:do_compile"]), task("y:do_compile", "y-1-r0", 6)];
  t.is(wallBounds(reversed, scenario(0)).criticalPath, 3 + 4);
});
