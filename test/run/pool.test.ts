// The task pool: what a worker says of a task reaches that task's listeners, and a kill reaches the
// worker that runs it (a running one: test/run/faults.test.ts), even one asked for before the
// pool's first worker has started.
import test from "ava";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TaskPool } from "../../lib/run/index.js";
import { buildGraph, makeFixture } from "./fixture.js";

function request(topdir: string, pn: string, task: string) {
  const graph = buildGraph(topdir, [pn]);
  const node = [...graph.nodes.values()].find((n) => n.recipe.pn === pn && n.task.name === task)!;
  return { topdir, vars: {}, recipeFile: node.recipe.file, variant: "", appends: [], task, taskhash: "0".repeat(64) };
}

test("each task's shell is reported to that task alone; tasks at once in two threads", async (t) => {
  const f = makeFixture();
  t.teardown(() => f.cleanup());
  const pool = new TaskPool(2);
  t.teardown(() => pool.close());
  const spawned = new Map<string, string[]>();
  const run = (pn: string) =>
    pool.runTask(request(f.topdir, pn, "do_configure"), { onSpawn: (_pgid, runfile) => spawned.set(pn, [...(spawned.get(pn) ?? []), runfile]) });
  const outcomes = await Promise.all([run("alpha"), run("beta"), run("alpha")]);
  t.true(outcomes.every((o) => o.ok), JSON.stringify(outcomes));
  t.is(spawned.get("alpha")!.length, 2);
  t.is(spawned.get("beta")!.length, 1);
  for (const [pn, files] of spawned) for (const file of files) t.regex(file, new RegExp(`/work/${pn}/temp/run\\.do_configure\\.\\d+$`));
});

test("a task killed before it was sent (the pool's first, its worker not started) runs nothing and is killed, not its thread", async (t) => {
  const f = makeFixture();
  t.teardown(() => f.cleanup());
  const pool = new TaskPool(1);
  t.teardown(() => pool.close());
  const abort = new AbortController();
  abort.abort();
  const outcome = await pool.runTask(request(f.topdir, "alpha", "do_configure"), { signal: abort.signal });
  // The worker's own answer (SIGTERM, with the task's log), not the pool's last resort (SIGKILL of the thread).
  t.like(outcome, { ok: false, failure: { reason: "killed", signal: "SIGTERM" } });
  const log = !outcome.ok ? outcome.failure.log : null;
  t.truthy(log);
  t.true(existsSync(log!));
  t.deepEqual(f.trace(), [], "nothing of the task ran");
  t.false(existsSync(join(f.topdir, "tmp/work/alpha/temp/run.do_configure")));
});

test("a task whose thread does not hear the kill (a js loop that never yields) is ended with its thread; the pool goes on", async (t) => {
  const f = makeFixture();
  t.teardown(() => f.cleanup());
  const pool = new TaskPool(1);
  t.teardown(() => pool.close());
  const abort = new AbortController();
  const running = pool.runTask(request(f.topdir, "stuck", "do_compile"), { signal: abort.signal });
  const log = join(f.topdir, `tmp/work/stuck/temp/log.do_compile.${process.pid}`);
  // Killed once it runs (its message in its log), not before it was sent.
  while (!(existsSync(log) && readFileSync(log, "utf8").includes("stuck from here"))) await new Promise((r) => setTimeout(r, 50));
  abort.abort();
  t.like(await running, { ok: false, failure: { reason: "killed", signal: "SIGKILL" } });
  // A new thread takes the next task.
  const next = await pool.runTask(request(f.topdir, "alpha", "do_configure"));
  t.true(next.ok, JSON.stringify(next));
  t.deepEqual(f.trace(), ["alpha:do_configure"]);
});
