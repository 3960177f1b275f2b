// The run queue with a fake execute: limits, order, failures, interrupts — no processes involved.
import test from "ava";
import type { RecipeInfo, TaskInfo } from "../../lib/config/index.js";
import { taskId, type TaskGraph, type TaskId, type TaskNode } from "../../lib/graph/types.js";
import { DependencyLoop } from "../../lib/graph/index.js";
import {
  longestPathPriorities,
  runQueue,
  type BuildEvent,
  type InterruptSource,
  type TaskOutcome,
} from "../../lib/run/index.js";

function recipe(pn: string): RecipeInfo {
  return {
    file: `/fake/${pn}.bb`, variant: "", pn, pe: "", pv: "1.0", pr: "r0", provides: [pn], depends: [],
    packages: [], rdepends: {}, rrecommends: {}, rprovides: {}, defaultPreference: 0, layerPriority: 0,
    skipped: null, stamp: null, hostTools: [], inherits: [], tasks: [],
  };
}

/** `{ "a:do_x": ["b:do_y"] }`: each task and what it depends on; names are `pn:task`. */
function graph(spec: Record<string, readonly string[]>, flags: Record<string, TaskInfo["flags"]> = {}): TaskGraph {
  const id = (name: string) => {
    const [pn, task] = name.split(":") as [string, string];
    return taskId(`/fake/${pn}.bb`, task);
  };
  const nodes = new Map<TaskId, TaskNode>();
  for (const [name, deps] of Object.entries(spec)) {
    const [pn, task] = name.split(":") as [string, string];
    const info: TaskInfo = { name: task, after: [], flags: flags[name] ?? {}, basehash: `h-${name}` };
    nodes.set(id(name), { id: id(name), recipeId: `/fake/${pn}.bb`, recipe: recipe(pn), task: info, deps: deps.map(id) });
  }
  return { nodes, targets: [] };
}

const short = (n: TaskNode) => `${n.recipe.pn}:${n.task.name}`;
const ok: TaskOutcome = { ok: true };
const fail: TaskOutcome = { ok: false, failure: { reason: "exit-non-zero", code: 1, log: "/x/log", tail: ["boom"] } };
const never: InterruptSource = { subscribe: () => () => {} };

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("a generated DAG: never more than `threads` at once, every dependency done before its dependents start", async (t) => {
  const rnd = random(42);
  const spec: Record<string, string[]> = {};
  const names: string[] = [];
  for (let i = 0; i < 300; i++) {
    const name = `r${i % 40}:do_t${i}`;
    // Dependencies only on earlier tasks: a DAG by construction.
    const deps = names.filter(() => rnd() < 4 / Math.max(1, names.length));
    spec[name] = deps;
    names.push(name);
  }
  const g = graph(spec);
  const done = new Set<TaskId>();
  let active = 0;
  let peak = 0;
  const violations: string[] = [];
  const summary = await runQueue(g, g.nodes.keys(), {
    threads: 3,
    interrupts: never,
    execute: async (node) => {
      for (const d of node.deps) if (!done.has(d)) violations.push(`${node.id} started before ${d}`);
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, Math.floor(rnd() * 3)));
      active--;
      done.add(node.id);
      return ok;
    },
  });
  t.deepEqual(violations, []);
  t.true(peak <= 3);
  t.is(peak, 3);
  t.is(done.size, 300);
  t.like(summary, { total: 300, ran: 300, failed: 0, current: 0, unstarted: 0 });
});

test("the task with the longest chain behind it starts first", async (t) => {
  // x and y stand alone; a has b and c waiting behind it.
  const g = graph({ "x:do_a": [], "y:do_a": [], "p:do_a": [], "p:do_b": ["p:do_a"], "p:do_c": ["p:do_b"] });
  const priorities = longestPathPriorities(g, new Set(g.nodes.keys()));
  t.deepEqual(Object.fromEntries([...priorities].map(([id, p]) => [short(g.nodes.get(id)!), p])), {
    "x:do_a": 1, "y:do_a": 1, "p:do_a": 3, "p:do_b": 2, "p:do_c": 1,
  });
  const order: string[] = [];
  await runQueue(g, g.nodes.keys(), {
    threads: 1,
    interrupts: never,
    execute: async (n) => {
      order.push(short(n));
      return ok;
    },
  });
  // Graph order alone would start x and y first; equal priorities keep graph order.
  t.deepEqual(order, ["p:do_a", "p:do_b", "x:do_a", "y:do_a", "p:do_c"]);
});

test("a failure stops the build: its dependents and everything not started stay undone", async (t) => {
  const g = graph({ "a:do_x": [], "a:do_y": ["a:do_x"], "b:do_x": [], "c:do_x": [] });
  const ran: string[] = [];
  const events: BuildEvent[] = [];
  const summary = await runQueue(g, g.nodes.keys(), {
    threads: 1,
    interrupts: never,
    listener: (e) => events.push(e),
    execute: async (n) => {
      ran.push(short(n));
      return short(n) === "a:do_x" ? fail : ok;
    },
  });
  t.deepEqual(ran, ["a:do_x"]);
  t.like(summary, { total: 4, ran: 0, failed: 1, notRun: 0, unstarted: 3, interrupted: false });
  t.is(summary.failures[0]!.failure.reason, "exit-non-zero");
  const failed = events.find((e) => e.type === "TaskFailed");
  t.is(failed?.type === "TaskFailed" ? short(failed.node) : null, "a:do_x");
});

test("-k goes on with everything that does not depend on the failure", async (t) => {
  const g = graph({ "a:do_x": [], "a:do_y": ["a:do_x"], "a:do_z": ["a:do_y"], "b:do_x": [], "c:do_x": ["b:do_x"] });
  const ran: string[] = [];
  const notRun: string[] = [];
  const summary = await runQueue(g, g.nodes.keys(), {
    threads: 2,
    keepGoing: true,
    interrupts: never,
    listener: (e) => {
      if (e.type === "TaskNotRun") notRun.push(`${short(e.node)} because ${short(e.failedDependency)}`);
    },
    execute: async (n) => {
      ran.push(short(n));
      return short(n) === "a:do_x" ? fail : ok;
    },
  });
  t.deepEqual(ran.sort(), ["a:do_x", "b:do_x", "c:do_x"]);
  t.deepEqual(notRun.sort(), ["a:do_y because a:do_x", "a:do_z because a:do_x"]);
  t.like(summary, { ran: 2, failed: 1, notRun: 2, unstarted: 0 });
});

test("current tasks complete without running, and dependents learn which dependencies ran", async (t) => {
  const g = graph({ "a:do_x": [], "a:do_y": ["a:do_x"], "a:do_z": ["a:do_y"] });
  const asked: string[] = [];
  const ran: string[] = [];
  const summary = await runQueue(g, g.nodes.keys(), {
    threads: 2,
    interrupts: never,
    isCurrent: (n, ranDeps) => {
      asked.push(`${short(n)}<-[${ranDeps.map(short).join(",")}]`);
      return short(n) !== "a:do_y";
    },
    execute: async (n) => {
      ran.push(short(n));
      return ok;
    },
  });
  t.deepEqual(ran, ["a:do_y"]);
  t.deepEqual(asked, ["a:do_x<-[]", "a:do_y<-[]", "a:do_z<-[a:do_y]"]);
  t.like(summary, { ran: 1, current: 2 });
});

test("noexec tasks are reported as such; the running count numbers every task done or started", async (t) => {
  const g = graph({ "a:do_x": [], "a:do_build": ["a:do_x"] }, { "a:do_build": { noexec: "1" } });
  const started: [string, number, number, boolean][] = [];
  await runQueue(g, g.nodes.keys(), {
    threads: 1,
    interrupts: never,
    isCurrent: (n) => n.task.name === "do_x",
    listener: (e) => {
      if (e.type === "TaskStarted") started.push([short(e.node), e.index, e.total, e.noexec]);
    },
    execute: async () => ok,
  });
  t.deepEqual(started, [["a:do_build", 2, 2, true]]);
});

/** An interrupt source a test presses by hand. */
function button(): InterruptSource & { press(): void } {
  let handler: (() => void) | null = null;
  return {
    subscribe(h) {
      handler = h;
      return () => {
        handler = null;
      };
    },
    press: () => handler?.(),
  };
}

test("a first interrupt starts nothing more and waits; a second aborts the running tasks", async (t) => {
  const g = graph({ "a:do_x": [], "b:do_x": [], "a:do_y": ["a:do_x"], "c:do_x": [] });
  const intr = button();
  const releases = new Map<string, () => void>();
  const aborted: string[] = [];
  const started: string[] = [];
  const run = runQueue(g, g.nodes.keys(), {
    threads: 2,
    interrupts: intr,
    execute: (n, signal) =>
      new Promise<TaskOutcome>((resolve) => {
        started.push(short(n));
        releases.set(short(n), () => resolve(ok));
        signal.addEventListener("abort", () => {
          aborted.push(short(n));
          resolve({ ok: false, failure: { reason: "killed", signal: "SIGTERM", log: "/l", tail: [] } });
        });
      }),
  });
  await waitFor(() => started.length === 2);
  intr.press();
  releases.get("a:do_x")!();
  // a:do_y is ready now, but nothing new starts after an interrupt.
  await new Promise((r) => setTimeout(r, 30));
  t.is(started.length, 2);
  intr.press();
  const summary = await run;
  t.deepEqual(started, ["a:do_x", "b:do_x"]);
  t.deepEqual(aborted, ["b:do_x"]);
  t.like(summary, { ran: 1, failed: 1, unstarted: 2, interrupted: true });
});

test("a cycle is reported with the tasks on it, each depending on the next", (t) => {
  const g = graph({ "c:do_x": ["a:do_x"], "a:do_x": ["a:do_y"], "a:do_y": ["b:do_x"], "b:do_x": ["a:do_x", "d:do_x"], "d:do_x": [] });
  const err = t.throws(() => longestPathPriorities(g, new Set(g.nodes.keys())), { instanceOf: DependencyLoop });
  const loop = err!.loop.slice(0, -1);
  t.is(err!.loop.at(-1), loop[0]);
  const from = loop.indexOf("a:do_x");
  t.deepEqual([...loop.slice(from), ...loop.slice(0, from)], ["a:do_x", "a:do_y", "b:do_x"]);
});

async function waitFor(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}
