// Faults: the build lock, interrupts (through an injected source) and a bake killed with -9.
import test from "ava";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { acquireBuildLock, BuildLockHeld, runBuild, type BuildEvent, type InterruptSource } from "../../lib/run/index.js";
import { buildGraph, makeFixture, type Fixture } from "./fixture.js";

function withFixture(t: { teardown(fn: () => void): void }): Fixture {
  const f = makeFixture();
  t.teardown(() => f.cleanup());
  return f;
}

const never: InterruptSource = { subscribe: () => () => {} };

function button(): InterruptSource & { press(): void } {
  let handler: (() => void) | null = null;
  return {
    subscribe(h) {
      handler = h;
      return () => (handler = null);
    },
    press: () => handler?.(),
  };
}

/** Polls without a deadline of its own: ava's timeout is the only limit, so no test fails on speed. */
async function waitFor(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 20));
}

function stampsOf(f: Fixture, pn: string): string[] {
  const dir = join(f.topdir, "tmp/stamps", pn);
  return existsSync(dir) ? readdirSync(dir).map((s) => s.replace(/^1\.0\.(do_\w+)\..*$/, "$1")).sort() : [];
}

test("one bake per build directory: a live lock names its holder, a dead one is taken over", async (t) => {
  const f = withFixture(t);
  const graph = buildGraph(f.topdir, ["beta"]);
  const lock = acquireBuildLock(f.topdir);
  const err = await t.throwsAsync(runBuild(graph, { topdir: f.topdir, threads: 2, interrupts: never }), { instanceOf: BuildLockHeld });
  t.is(err?.pid, process.pid);
  t.regex(err?.message ?? "", new RegExp(`another bake \\(pid ${process.pid}\\) is running`));
  lock.release();
  t.false(existsSync(join(f.topdir, "bake.lock")));

  const dead = spawnSync("true").pid!;
  writeFileSync(join(f.topdir, "bake.lock"), `${dead}\n`);
  const events: BuildEvent[] = [];
  const summary = await runBuild(graph, { topdir: f.topdir, threads: 2, interrupts: never, listener: (e) => events.push(e) });
  t.like(summary, { ran: 5, failed: 0 });
  t.true(events.some((e) => e.type === "Note" && e.text.includes(`took over the build lock of bake pid ${dead}`)));
  t.false(existsSync(join(f.topdir, "bake.lock")));
});

test("a first interrupt lets the running task finish and starts nothing more", async (t) => {
  const f = withFixture(t);
  const intr = button();
  const run = runBuild(buildGraph(f.topdir, ["slow"]), { topdir: f.topdir, threads: 2, interrupts: intr });
  await waitFor(() => existsSync(join(f.topdir, "slow-started")));
  intr.press();
  writeFileSync(join(f.topdir, "go"), "");
  const summary = await run;
  t.like(summary, { interrupted: true, failed: 0, ran: 3, unstarted: 2 });
  t.deepEqual(f.trace(), ["slow:do_fetch", "slow:do_configure", "slow:do_compile", "slow:do_compile-end"]);
  t.deepEqual(stampsOf(f, "slow"), ["do_compile", "do_configure", "do_fetch"]);
});

test("a second interrupt kills the running task: it fails as killed and leaves no stamp", async (t) => {
  const f = withFixture(t);
  const intr = button();
  const run = runBuild(buildGraph(f.topdir, ["slow"]), { topdir: f.topdir, threads: 2, interrupts: intr });
  await waitFor(() => existsSync(join(f.topdir, "slow-started")));
  intr.press();
  intr.press();
  const summary = await run;
  t.like(summary, { interrupted: true, failed: 1, ran: 2 });
  t.like(summary.failures[0]!.failure, { reason: "killed", signal: "SIGTERM" });
  t.deepEqual(stampsOf(f, "slow"), ["do_configure", "do_fetch"]);
  // The shell is gone: were it alive, it would go on once allowed to.
  writeFileSync(join(f.topdir, "go"), "");
  await new Promise((r) => setTimeout(r, 300));
  t.false(f.trace().includes("slow:do_compile-end"));
});

/** Live (not zombie) processes whose process group is `pgid`. */
function groupAlive(pgid: number): number[] {
  const out: number[] = [];
  for (const pid of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] !== "Z" && Number(fields[2]) === pgid) out.push(Number(pid));
  }
  return out;
}

/** Resolves once `cond` holds, or after `ms` (the caller asserts which). */
async function within(ms: number, cond: () => boolean): Promise<number> {
  const start = Date.now();
  while (!cond() && Date.now() - start < ms) await new Promise((r) => setTimeout(r, 10));
  return Date.now() - start;
}

function size(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

test("kill -9 of bake mid-task: the task's shell and its children die with it and write nothing after", async (t) => {
  const f = withFixture(t);
  const child = spawn(process.execPath, [fileURLToPath(new URL("./bake-child.js", import.meta.url)), f.topdir, "writer"], {
    stdio: "ignore",
  });
  const exited = new Promise((r) => child.on("exit", r));
  const ticks = join(f.topdir, "tmp/work/writer/ticks");
  const recorded = () => /^task (\d+) .*run\.do_compile\./m.test(readFileSync(join(f.topdir, "bake.lock"), "utf8"));
  await waitFor(() => existsSync(join(f.topdir, "writer-started")) && recorded() && size(ticks) > 0);
  const pgid = Number(/^task (\d+) .*run\.do_compile\./m.exec(readFileSync(join(f.topdir, "bake.lock"), "utf8"))?.[1]);
  // The shell and its writing child (and a sleep, at times); the launcher, which ends it, is outside the group.
  t.true(groupAlive(pgid).length >= 2, String(groupAlive(pgid)));
  child.kill("SIGKILL");
  await exited;
  const ms = await within(5000, () => groupAlive(pgid).length === 0);
  t.deepEqual(groupAlive(pgid), [], "the task's process group is gone");
  t.log(`task group gone ${ms} ms after bake's SIGKILL`);
  const after = size(ticks);
  await new Promise((r) => setTimeout(r, 300));
  t.is(size(ticks), after, "nothing writes into the work directory any more");
  // No stamp for the task that was killed; its script, log and their links stay, as BitBake leaves them.
  t.deepEqual(stampsOf(f, "writer"), ["do_configure", "do_fetch"]);
  const temp = join(f.topdir, "tmp/work/writer/temp");
  for (const kind of ["run", "log"]) {
    const link = readlinkSync(join(temp, `${kind}.do_compile`));
    t.regex(link, new RegExp(`^${kind}\\.do_compile\\.\\d+$`));
    t.true(statSync(join(temp, link)).isFile());
  }
  t.regex(readFileSync(join(temp, "log.task_order"), "utf8"), /^do_compile \(\d+\): log\.do_compile\.\d+$/m);
});

test("the next bake sweeps a group a dead bake left (its leader gone, a child still running) before it goes on", (t) => {
  const f = withFixture(t);
  const runfile = join(f.topdir, "run.do_compile.1");
  // A leader that exits at once, leaving a child in its group (detached: a group of its own).
  const leader = spawn("/bin/sh", ["-c", "sleep 300 & exit 0", runfile], { detached: true, stdio: "ignore" });
  const pgid = leader.pid!;
  const dead = spawnSync("true").pid!;
  return new Promise<void>((resolve) => {
    leader.on("exit", () => {
      t.true(groupAlive(pgid).length === 1, "the child outlives its leader");
      writeFileSync(join(f.topdir, "bake.lock"), `${dead}\ntask ${pgid} ${runfile}\n`);
      const lock = acquireBuildLock(f.topdir);
      t.deepEqual(lock.takenOver, { pid: dead, killedGroups: [pgid] });
      // Gone when the lock is ours, not some time later.
      t.deepEqual(groupAlive(pgid), []);
      lock.release();
      resolve();
    });
  });
});

test("kill -9 of bake mid-task: the next bake reruns only what had not completed", async (t) => {
  const f = withFixture(t);
  const child = spawn(process.execPath, [fileURLToPath(new URL("./bake-child.js", import.meta.url)), f.topdir, "slow"], {
    stdio: "ignore",
  });
  const exited = new Promise((r) => child.on("exit", r));
  await waitFor(() => existsSync(join(f.topdir, "slow-started")));
  child.kill("SIGKILL");
  await exited;
  t.deepEqual(stampsOf(f, "slow"), ["do_configure", "do_fetch"]);

  rmSync(join(f.topdir, "slow-started"));
  const events: BuildEvent[] = [];
  const run = runBuild(buildGraph(f.topdir, ["slow"]), { topdir: f.topdir, threads: 2, interrupts: never, listener: (e) => events.push(e) });
  await waitFor(() => existsSync(join(f.topdir, "slow-started")));
  writeFileSync(join(f.topdir, "go"), "");
  const summary = await run;
  t.like(summary, { ran: 3, current: 2, failed: 0 });
  t.true(events.some((e) => e.type === "Note" && /took over the build lock of bake pid \d+, which is gone/.test(e.text)));
  t.deepEqual(f.trace(), ["slow:do_fetch", "slow:do_configure", "slow:do_compile", "slow:do_compile", "slow:do_compile-end"].concat(["slow:do_install"]));
});
