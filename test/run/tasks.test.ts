// Real tasks through the real worker pool, on the tiny layer of fixture.ts: the script, the
// environment, logs, stamps, -f/-C, failures, js and python tasks.
import test from "ava";
import { existsSync, mkdirSync, readFileSync, readlinkSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { networkIsolationAvailable, runBuild, type BuildEvent, type BuildOptions, type BuildSummary } from "../../lib/run/index.js";
import { createUi } from "../../lib/ui/index.js";
import type { TaskGraph } from "../../lib/graph/types.js";
import { buildGraph, makeFixture, type Fixture } from "./fixture.js";

function withFixture(t: { teardown(fn: () => void): void }): Fixture {
  const f = makeFixture();
  t.teardown(() => f.cleanup());
  return f;
}

const never = { subscribe: () => () => {} };

async function build(
  f: Fixture,
  graph: TaskGraph,
  opts: Partial<BuildOptions> = {},
): Promise<{ summary: BuildSummary; events: BuildEvent[]; output: string }> {
  const events: BuildEvent[] = [];
  let output = "";
  const ui = createUi({ out: { write: (s: string) => (output += s) }, env: {} });
  const summary = await runBuild(graph, {
    topdir: f.topdir,
    threads: 2,
    interrupts: never,
    ...opts,
    listener: (e) => {
      events.push(e);
      ui.listener(e);
    },
  });
  ui.close();
  return { summary, events, output };
}

const workdir = (f: Fixture, pn: string) => join(f.topdir, "tmp/work", pn);

test("log and run links of an earlier run (and a temporary link a killed bake left) are re-pointed at this run's files", async (t) => {
  const f = withFixture(t);
  const temp = join(workdir(f, "alpha"), "temp");
  mkdirSync(temp, { recursive: true });
  for (const name of ["log.do_compile", "run.do_compile"]) symlinkSync(`${name}.1`, join(temp, name));
  // A run file of the same name, longer than this run's: emptied and written again, as BitBake writes it.
  writeFileSync(join(temp, `run.do_compile.${process.pid}`), "stale\n".repeat(10_000));
  symlinkSync("log.do_compile.1", join(temp, `log.do_compile.${process.pid}.tmp`));
  const { summary } = await build(f, buildGraph(f.topdir, ["alpha"]));
  t.like(summary, { failed: 0 });
  t.is(readlinkSync(join(temp, "run.do_compile")), `run.do_compile.${process.pid}`);
  t.is(readlinkSync(join(temp, "log.do_compile")), `log.do_compile.${process.pid}`);
  t.deepEqual(readdirSync(temp).filter((n) => n.endsWith(".tmp")), []);
  const runfile = readFileSync(join(temp, `run.do_compile.${process.pid}`), "utf8");
  t.true(runfile.startsWith("#!/bin/sh\n"));
  t.true(runfile.endsWith("\ndo_compile\n"));
  t.false(runfile.includes("stale"));
  // A new run file: executable, as BitBake makes it (0755 less the umask).
  const umask = process.umask();
  t.is(statSync(join(temp, `run.do_configure.${process.pid}`)).mode & 0o777, 0o755 & ~umask);
});

test("a shell task runs the script written to ${T}: exported variables, the functions it calls, a clean environment, log links", async (t) => {
  const f = withFixture(t);
  process.env.BAKE_LEAK_CHECK = "leaked";
  t.teardown(() => delete process.env.BAKE_LEAK_CHECK);
  const { summary } = await build(f, buildGraph(f.topdir, ["alpha"]));
  t.like(summary, { total: 5, ran: 5, failed: 0 });
  t.deepEqual(f.trace(), ["alpha:do_fetch", "alpha:do_configure", "alpha:do_compile", "alpha:do_install"]);

  const temp = join(workdir(f, "alpha"), "temp");
  t.is(readlinkSync(join(temp, "run.do_compile")), `run.do_compile.${process.pid}`);
  t.is(readlinkSync(join(temp, "log.do_compile")), `log.do_compile.${process.pid}`);
  const script = readFileSync(join(temp, `run.do_compile.${process.pid}`), "utf8");
  t.true(script.startsWith("#!/bin/sh\n"));
  t.regex(script, /^set -e$/m);
  t.regex(script, /^export PATH='\/usr\/bin:\/bin'$/m);
  t.regex(script, /^export GREETING='it'\\''s /m);
  t.notRegex(script, /NOT_EXPORTED|UNSET_BUT_EXPORTED|BAKE_LEAK_CHECK/);
  for (const fn of ["do_compile", "helper", "inner_helper", "trace"]) t.regex(script, new RegExp(`^${fn}\\(\\) \\{$`, "m"));
  t.notRegex(script, /unused_fn/);
  t.regex(script, /^umask 027\ncd '.*\/alpha\/build'\ndo_compile\n$/m);
  t.deepEqual(readFileSync(join(workdir(f, "alpha"), "build/helpers"), "utf8").split("\n"), ["inner", "helper", ""]);
  // cwd: the last of [dirs]; every one of them made.
  t.is(readFileSync(join(workdir(f, "alpha"), "build/cwd.out"), "utf8").trim(), join(workdir(f, "alpha"), "build"));
  t.true(existsSync(join(workdir(f, "alpha"), "build/sub")));

  // The environment is the exported variables, plus what sh adds itself (PWD, OLDPWD after cd).
  const env = readFileSync(join(workdir(f, "alpha"), "env.out"), "utf8");
  const names = env.split("\n").filter((l) => /^[A-Za-z_]+=/.test(l)).map((l) => l.split("=")[0]).sort();
  t.deepEqual(names.filter((n) => n !== "PWD" && n !== "OLDPWD"), ["GREETING", "PATH"]);
  t.true(env.includes(`GREETING=it's \\"quoted\\" \\$HOME \`x\`\n`));
});

test("only do_fetch and tasks flagged [network] reach the network; the others get a namespace of their own", async (t) => {
  if (!networkIsolationAvailable()) return t.pass("unshare --net --map-current-user is refused here: tasks run unisolated");
  const f = withFixture(t);
  await build(f, buildGraph(f.topdir, ["alpha"]));
  const ns = (task: string) => readFileSync(join(workdir(f, "alpha"), `netns.${task}`), "utf8").trim();
  const own = readlinkSync("/proc/self/ns/net");
  t.is(ns("fetch"), own);
  t.is(ns("install"), own);
  t.not(ns("compile"), own);
  t.regex(ns("compile"), /^net:\[\d+\]$/);
});

test("a launched task's processor time comes from the launcher; a shell bake spawns itself appends its `times` beside its log, which its thread reads and removes", async (t) => {
  if (!networkIsolationAvailable()) return t.pass("unshare --net --map-current-user is refused here: every task is spawned by bake");
  const f = withFixture(t);
  const { events } = await build(f, buildGraph(f.topdir, ["alpha"]));
  const ran = new Map(events.flatMap((e) => (e.type === "TaskRan" ? [[e.node.task.name, e] as const] : [])));
  const temp = join(workdir(f, "alpha"), "temp");
  const script = (task: string) => readFileSync(join(temp, `run.${task}.${process.pid}`), "utf8");
  // do_compile runs isolated, through the launcher; do_fetch reaches the network, spawned by bake.
  const compile = ran.get("do_compile")!;
  t.is(typeof compile.cpu, "number");
  t.true(compile.cpu! >= 0);
  t.notRegex(script("do_compile"), /times >>/);
  t.false(existsSync(join(temp, `cpu.do_compile.${process.pid}`)));
  t.regex(script("do_fetch"), /^ {4}times >>'.*\/cpu\.do_fetch\.\d+' 2>\/dev\/null \|\| :$/m);
  t.is(typeof ran.get("do_fetch")!.cpu, "number");
  t.true(ran.get("do_fetch")!.cpu! >= 0);
  t.false(existsSync(join(temp, `cpu.do_fetch.${process.pid}`)), "read by the task's thread, then removed");
});

test("stamps: a second build runs nothing; -f reruns the target and, through its taint, what follows it", async (t) => {
  const f = withFixture(t);
  const graph = buildGraph(f.topdir, ["alpha"]);
  await build(f, graph);
  f.clearTrace();
  const again = await build(f, graph);
  t.like(again.summary, { total: 5, ran: 0, current: 5 });
  t.deepEqual(f.trace(), []);
  t.regex(again.output, /Tasks Summary: Attempted 5 tasks of which 5 didn't need to be rerun and all succeeded\./);

  await build(f, buildGraph(f.topdir, ["alpha:do_compile"]), { force: true });
  t.deepEqual(f.trace(), ["alpha:do_compile"]);
  f.clearTrace();
  const after = await build(f, graph);
  t.deepEqual(f.trace(), ["alpha:do_install"]);
  t.like(after.summary, { ran: 2, current: 3 });
  t.true(after.events.some((e) => e.type === "Note" && /alpha:do_compile is tainted from a forced run/.test(e.text)));
});

test("-C TASK invalidates that task of the targets and builds them again from there", async (t) => {
  const f = withFixture(t);
  const graph = buildGraph(f.topdir, ["alpha", "beta"], { "beta:do_configure": ["alpha:do_install"] });
  await build(f, graph);
  f.clearTrace();
  await build(f, buildGraph(f.topdir, ["alpha"], {}), { clearStamp: "configure" });
  t.deepEqual(f.trace(), ["alpha:do_configure", "alpha:do_compile", "alpha:do_install"]);
  f.clearTrace();
  // beta's signatures depend on alpha's: it rebuilds after the change upstream.
  await build(f, graph);
  t.deepEqual(f.trace(), ["beta:do_configure", "beta:pre_step", "beta:do_compile", "beta:do_install"]);
});

test("a failing task: its log's tail and path, no stamp; -k builds what does not depend on it", async (t) => {
  const f = withFixture(t);
  const { summary, events, output } = await build(f, buildGraph(f.topdir, ["broken", "alpha"]), { keepGoing: true });
  t.like(summary, { failed: 1, notRun: 2, ran: 7 });
  const failure = summary.failures[0]!.failure;
  if (failure.reason !== "exit-non-zero") return t.fail(`unexpected ${failure.reason}`);
  t.is(failure.code, 3);
  t.is(failure.tail.length, 20);
  t.true(failure.tail.includes("output line 30"));
  t.false(failure.tail.includes("output line 5"));
  t.regex(failure.tail.join("\n"), /WARNING: exit code 3 from a shell command/);
  t.is(failure.log, join(workdir(f, "broken"), "temp", `log.do_compile.${process.pid}`));
  t.true(output.includes(`ERROR: broken-1.0-r0 do_compile: failed with exit code '3'`));
  t.true(output.includes(`ERROR: Logfile of failure stored in: ${failure.log}`));
  t.true(output.includes("| output line 30"));
  t.regex(output, /Tasks Summary: Attempted 8 tasks of which 0 didn't need to be rerun and 1 failed\./);
  t.deepEqual(
    events.filter((e) => e.type === "TaskNotRun").map((e) => (e.type === "TaskNotRun" ? e.node.task.name : "")).sort(),
    ["do_build", "do_install"],
  );
  const stamps = readdirSync(join(f.topdir, "tmp/stamps/broken/"));
  t.false(stamps.some((s) => s.startsWith("1.0.do_compile.")));
  t.true(stamps.some((s) => s.startsWith("1.0.do_configure.")));
  t.deepEqual(f.trace().filter((l) => l.startsWith("alpha:")).length, 4);
});

test("a js task runs in the worker with its messages in the log; a python task is refused by name", async (t) => {
  const f = withFixture(t);
  const { summary } = await build(f, buildGraph(f.topdir, ["scripted"]));
  const log = readFileSync(join(workdir(f, "scripted"), "temp/log.do_compile"), "utf8");
  t.regex(log, /^NOTE: hello from js in scripted$/m);
  t.regex(log, /^WARNING: careful$/m);
  t.like(summary, { failed: 1 });
  t.deepEqual(summary.failures[0]!.failure, {
    reason: "python-function",
    func: "do_install",
    log: join(workdir(f, "scripted"), "temp", `log.do_install.${process.pid}`),
  });
});

test("a js function run by another (bb.build.exec_func) leaves the outer one's later messages in the task's log", async (t) => {
  const f = withFixture(t);
  const { summary } = await build(f, buildGraph(f.topdir, ["nested"]));
  t.like(summary, { failed: 0 });
  const log = readFileSync(join(workdir(f, "nested"), "temp/log.do_compile"), "utf8");
  const lines = log.split("\n").filter((l) => /^(NOTE|WARNING): /.test(l));
  t.deepEqual(lines, [
    "NOTE: before the inner function",
    "NOTE: inner step of do_compile",
    "NOTE: after the inner function",
    "WARNING: still the outer task",
  ]);
});

test("prefuncs and postfuncs run around the task, each in its own way; cleandirs are emptied first", async (t) => {
  const f = withFixture(t);
  mkdirSync(join(workdir(f, "beta"), "clean"), { recursive: true });
  writeFileSync(join(workdir(f, "beta"), "clean/stale"), "old output");
  const { summary } = await build(f, buildGraph(f.topdir, ["beta"]));
  t.like(summary, { ran: 5, failed: 0 });
  t.deepEqual(f.trace(), ["beta:do_fetch", "beta:do_configure", "beta:pre_step", "beta:do_compile", "beta:do_install"]);
  t.deepEqual(readdirSync(join(workdir(f, "beta"), "clean")), []);
  const temp = join(workdir(f, "beta"), "temp");
  t.true(existsSync(join(temp, `run.pre_step.${process.pid}`)));
  const log = readFileSync(join(temp, "log.do_compile"), "utf8");
  t.regex(log, /Executing shell function pre_step[^]*Executing shell function do_compile[^]*NOTE: post step of do_compile/);
});
