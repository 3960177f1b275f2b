// The task launcher (lib/run/launcher.ts): each task a session and process group of its own that
// is `/bin/sh RUNFILE`; what a task leaves behind dies when it ends; the launcher ends the running
// one when bake dies (SIGTERM, then SIGKILL after a grace
// period); and a launcher that dies while bake lives does not leave its task running.
import test from "ava";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { lineSplitter, threadLauncher } from "../../lib/run/launcher.js";
import { isolationCommand } from "../../lib/run/network.js";
import { runBuild, type InterruptSource } from "../../lib/run/index.js";
import { buildGraph, makeFixture } from "./fixture.js";

const unshare = isolationCommand();

/** pid, state, ppid, pgrp and session of a process, or null once it is gone (a zombie is gone). */
function stat(pid: number): { ppid: number; pgrp: number; session: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return f[0] === "Z" ? null : { ppid: Number(f[1]), pgrp: Number(f[2]), session: Number(f[3]) };
  } catch {
    return null;
  }
}

/** Live processes matching `what`. */
function processes(what: (s: { ppid: number; pgrp: number }) => boolean): number[] {
  return readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      const s = stat(pid);
      return s !== null && what(s);
    });
}

/** Polls without a deadline of its own: ava's timeout is the only limit, so no test fails on speed. */
async function until(what: () => boolean): Promise<boolean> {
  while (!what()) await new Promise((r) => setTimeout(r, 50));
  return true;
}

function scratch(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "bake-launcher-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function script(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return path;
}

const read = (path: string) => (existsSync(path) ? readFileSync(path, "utf8").trim() : "");

test("a task is a session and group of its own running /bin/sh RUNFILE; what it leaves is killed when it ends; the launcher has no other child", async (t) => {
  if (unshare === null) return t.pass("no network namespaces here: tasks are spawned by bake");
  const dir = scratch(t);
  const launcher = threadLauncher(unshare)!;
  const log = join(dir, "log");
  for (const n of [1, 2, 3]) {
    const run = script(dir, `run.${n}`, `tr '\\0' ' ' < /proc/$$/cmdline > ${dir}/cmdline; sleep 600 & echo $! > ${dir}/left; echo task ${n}; exit ${n}`);
    const task = launcher.launch(run, log);
    const pid = await task.pid;
    t.is(await task.status, n, "its exit status");
    t.is(read(join(dir, "cmdline")), `/bin/sh ${run}`);
    const left = Number(read(join(dir, "left")));
    t.true(await until(() => stat(left) === null), "the sleep it left behind is killed");
    t.true(await until(() => processes((s) => s.pgrp === pid).length === 0), "its group is empty");
  }
  t.is(readFileSync(log, "utf8"), "task 1\ntask 2\ntask 3\n", "output appended to the log");
  // A long task: its session, group and parent while it runs.
  const run = script(dir, "run.long", `echo $$ > ${dir}/pid; sleep 600`);
  const task = launcher.launch(run, log);
  const pid = await task.pid;
  t.true(await until(() => read(join(dir, "pid")) === String(pid)));
  const s = stat(pid)!;
  t.like(s, { pgrp: pid, session: pid });
  // Besides the task, the launcher has no child (no watcher, nothing left of earlier tasks).
  t.deepEqual(processes((p) => p.ppid === s.ppid).filter((p) => p !== pid), []);
  process.kill(-pid, "SIGKILL");
  t.is(await task.status, 128 + 9);
});

test("the launcher reports the processor time of a task's shell and of what it waited for, as `times` would", async (t) => {
  if (unshare === null) return t.pass("no network namespaces here: tasks are spawned by bake");
  const dir = scratch(t);
  const launcher = threadLauncher(unshare)!;
  // The shell busies itself, then a child it waits for does; `times` prints both at the end.
  const busy = "i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done";
  const run = script(dir, "run.busy", `${busy}; sh -c '${busy}'; times > ${dir}/times; exit 3`);
  const task = launcher.launch(run, join(dir, "log"));
  t.is(await task.status, 3);
  const cpu = await task.cpu;
  const times = [...read(join(dir, "times")).matchAll(/(\d+)m(\d+(?:\.\d+)?)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
  t.true(times > 0, `times said ${times}`);
  // The shell's account and the kernel's differ by what ran after `times` (the exit): little.
  t.true(cpu >= times - 0.005 && cpu <= times + 0.05, `launcher ${cpu} s, times ${times} s`);
  // A task that could not start has no processor time to report.
  const refused = launcher.launch(run, join(dir, "no/such/dir/log"));
  await t.throwsAsync(refused.cpu);
});

test("a task whose log cannot be opened is not started, says why, and the launcher goes on", async (t) => {
  if (unshare === null) return t.pass("no network namespaces here: tasks are spawned by bake");
  const dir = scratch(t);
  const launcher = threadLauncher(unshare)!;
  const run = script(dir, "run.ok", `echo ran >> ${dir}/ran`);
  const refused = launcher.launch(run, join(dir, "no/such/dir/log"));
  const err = await t.throwsAsync(refused.pid);
  t.regex(err!.message, /cannot start .*run\.ok with its output to .*no\/such\/dir\/log: No such file or directory/);
  await t.throwsAsync(refused.status);
  t.is(read(join(dir, "ran")), "");
  const task = launcher.launch(run, join(dir, "log"));
  t.is(await task.status, 0);
  t.is(read(join(dir, "ran")), "ran");
});

test("a launched task starts with the signal dispositions of a task bake spawns itself (SIGINT and SIGQUIT not ignored, nothing blocked)", async (t) => {
  if (unshare === null) return t.pass("no network namespaces here: tasks are spawned by bake");
  const dir = scratch(t);
  // Builtins only: the shell blocks every signal for a moment around each command it forks.
  const run = script(dir, "run.signals", `while read -r k v; do case $k in SigIgn:) echo $v > ${dir}/ignored;; SigBlk:) echo $v > ${dir}/blocked;; esac; done < /proc/$$/status`);
  const task = threadLauncher(unshare)!.launch(run, join(dir, "log"));
  t.is(await task.status, 0);
  const launched = BigInt(`0x${read(join(dir, "ignored"))}`);
  t.is(launched & ((1n << 1n) | (1n << 2n)), 0n, `SigIgn ${launched.toString(16)}: SIGINT (2) or SIGQUIT (3) ignored`);
  t.is(read(join(dir, "blocked")), "0000000000000000", "no signal blocked");
  t.is(spawnSync("/bin/sh", [run]).status, 0);
  // Signals 32 and 33 are glibc's own (thread cancellation, setxid): its posix_spawn leaves them
  // ignored in every child, as in each command GNU make runs, and no program using glibc can see
  // or change them (sigaction refuses both). Every other signal is as in a task bake spawns.
  const glibcInternal = (1n << 31n) | (1n << 32n);
  t.is(launched & ~glibcInternal, BigInt(`0x${read(join(dir, "ignored"))}`) & ~glibcInternal, "the same set ignored as in a task bake spawns");
});

/** bake in a process of its own running `body` as a task through its launcher; its pid and the task's. */
async function bakeWithTask(dir: string, body: string): Promise<{ bake: ReturnType<typeof spawn>; task: number }> {
  const run = script(dir, "run.task", body);
  const bake = spawn(process.execPath, [fileURLToPath(new URL("./launcher-child.js", import.meta.url)), run, join(dir, "log")], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  bake.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  await until(() => /^pid \d+$/m.test(out));
  return { bake, task: Number(/^pid (\d+)$/m.exec(out)![1]) };
}

test("kill -9 of bake: the running task's group gets SIGTERM first (make deletes its half-written target), then is gone", async (t) => {
  if (unshare === null) return t.pass("no network namespaces here: tasks are spawned by bake");
  const dir = scratch(t);
  const { bake, task } = await bakeWithTask(dir, `sleep 600 & echo $! > ${dir}/child; trap 'echo TERM > ${dir}/got; exit 143' TERM; touch ${dir}/ready; while :; do sleep 0.05; done`);
  t.true(await until(() => existsSync(join(dir, "ready"))));
  const child = Number(read(join(dir, "child")));
  t.true(processes((s) => s.pgrp === task).length >= 2);
  bake.kill("SIGKILL");
  t.true(await until(() => read(join(dir, "got")) === "TERM"), "the task's shell got SIGTERM");
  t.true(await until(() => processes((s) => s.pgrp === task).length === 0), "its whole group is gone");
  t.is(stat(child), null);
});

test("kill -9 of bake: a task that ignores SIGTERM is killed after the grace period", async (t) => {
  if (unshare === null) return t.pass("no network namespaces here: tasks are spawned by bake");
  const dir = scratch(t);
  const { bake, task } = await bakeWithTask(dir, `trap "" TERM; touch ${dir}/ready; while :; do sleep 0.1; done`);
  t.true(await until(() => existsSync(join(dir, "ready"))));
  bake.kill("SIGKILL");
  const t0 = Date.now();
  t.true(await until(() => processes((s) => s.pgrp === task).length === 0), "killed");
  t.log(`gone ${Date.now() - t0} ms after bake's SIGKILL`);
});

const never: InterruptSource = { subscribe: () => () => {} };

test("the launcher killed while bake lives: the task fails and its group does not outlive it", async (t) => {
  if (unshare === null) return t.pass("no network namespaces here: tasks are spawned by bake");
  const f = makeFixture();
  t.teardown(() => f.cleanup());
  const run = runBuild(buildGraph(f.topdir, ["slow"]), { topdir: f.topdir, threads: 2, interrupts: never });
  t.true(await until(() => existsSync(join(f.topdir, "slow-started"))));
  // The task may start before bake has written its group into the lock (a message from its worker).
  const listed = () => {
    try {
      return /^task (\d+) .*run\.do_compile\./m.exec(readFileSync(join(f.topdir, "bake.lock"), "utf8"))?.[1] ?? null;
    } catch {
      return null;
    }
  };
  let ended = false;
  void run.then(() => (ended = true));
  await until(() => listed() !== null || ended);
  t.false(ended, "the build ended before the task was killed");
  t.not(listed(), null, "the lock lists the task's group");
  const task = Number(listed());
  const launcher = stat(task)!.ppid;
  process.kill(launcher, "SIGKILL");
  const summary = await run;
  t.like(summary, { failed: 1 });
  t.true(await until(() => processes((s) => s.pgrp === task).length === 0), "the task's group is gone");
  // Were the shell alive, it would go on once allowed to.
  writeFileSync(join(f.topdir, "go"), "");
  await new Promise((r) => setTimeout(r, 300));
  t.false(f.trace().includes("slow:do_compile-end"));
});

test("the launcher's answers are read line by line however the pipe cuts them", (t) => {
  const text = "pid 12\nexit 0 0.001000\nerror No such file or directory\n\npid 3\nexit 130 1.250000\n";
  const want = text.split("\n").slice(0, -1);
  // Every way of cutting the text in two or three chunks, and one character at a time.
  const cuts: number[][] = [];
  for (let i = 0; i <= text.length; i++) for (let j = i; j <= text.length; j += 7) cuts.push([i, j]);
  cuts.push([...Array(text.length).keys()]);
  for (const at of cuts) {
    const lines: string[] = [];
    const feed = lineSplitter((line) => lines.push(line));
    let from = 0;
    for (const to of [...at, text.length]) {
      if (to > from) feed(text.slice(from, to));
      from = Math.max(from, to);
    }
    t.deepEqual(lines, want, `cut at ${at.join(",")}`);
  }
  // A line is given as soon as its newline comes, not when the next chunk does; an unended one waits.
  const lines: string[] = [];
  const feed = lineSplitter((line) => lines.push(line));
  feed("pid 7\nexi");
  t.deepEqual(lines, ["pid 7"]);
  feed("t 0 0.0");
  t.deepEqual(lines, ["pid 7"]);
  feed("00000\n");
  t.deepEqual(lines, ["pid 7", "exit 0 0.000000"]);
});
