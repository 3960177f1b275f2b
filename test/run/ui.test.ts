// The UIs on captured output: plain lines, the live display's footer, colour and NO_COLOR, --quiet.
import test from "ava";
import type { RecipeInfo } from "../../lib/config/index.js";
import { taskId, type TaskNode } from "../../lib/graph/types.js";
import type { BuildEvent, BuildSummary } from "../../lib/run/index.js";
import { createUi, KnottyUi, messageStyle, PlainUi } from "../../lib/ui/index.js";

const recipe: RecipeInfo = {
  file: "/l/alpha_1.0.bb", variant: "", pn: "alpha", pe: "", pv: "1.0", pr: "r0", provides: ["alpha"], depends: [],
  packages: [], rdepends: {}, rrecommends: {}, rprovides: {}, defaultPreference: 0, layerPriority: 0, skipped: null, stamp: null, hostTools: [], inherits: [], tasks: [],
};
function node(task: string): TaskNode {
  return { id: taskId(recipe.file, task), recipeId: recipe.file, recipe, task: { name: task, after: [], flags: {}, basehash: "" }, deps: [] };
}
const summary = (s: Partial<BuildSummary>): BuildSummary => ({
  total: 2, ran: 1, current: 1, failed: 0, notRun: 0, unstarted: 0, interrupted: false, failures: [], ...s,
});
const failed: BuildEvent = {
  type: "TaskFailed",
  node: node("do_compile"),
  elapsedMs: 5,
  failure: { reason: "exit-non-zero", code: 2, log: "/t/log.do_compile.1", tail: ["make: *** [all] Error 2"] },
};

function capture(isTTY: boolean) {
  const out = { text: "", isTTY, columns: 100, rows: 30, write: (s: string) => (out.text += s) };
  return out;
}

test("plain lines: one per event, the failure with its log, BitBake's summary line", (t) => {
  const out = capture(false);
  const ui = createUi({ out, env: {} });
  t.true(ui instanceof PlainUi);
  ui.listener({ type: "BuildStarted", total: 2, threads: 2 });
  ui.listener({ type: "TaskCurrent", node: node("do_fetch") });
  ui.listener({ type: "TaskStarted", node: node("do_compile"), index: 2, total: 2, noexec: false });
  ui.listener(failed);
  ui.listener({ type: "BuildFinished", summary: summary({ ran: 0, failed: 1, failures: [{ id: failed.node.id, failure: failed.failure }] }) });
  ui.close();
  t.is(
    out.text,
    [
      "NOTE: Executing tasks (2, 2 at once)",
      "NOTE: Running task 2 of 2 (alpha:do_compile)",
      "ERROR: alpha-1.0-r0 do_compile: failed with exit code '2'",
      "ERROR: Logfile of failure stored in: /t/log.do_compile.1",
      "Log data follows (last 1 lines):",
      "| make: *** [all] Error 2",
      "ERROR: Task (/l/alpha_1.0.bb:do_compile) failed with exit code '2'",
      "NOTE: Tasks Summary: Attempted 2 tasks of which 1 didn't need to be rerun and 1 failed.",
      "Summary: 1 task failed:",
      "  /l/alpha_1.0.bb:do_compile",
      "    log: /t/log.do_compile.1",
      "Summary: There was 1 ERROR message, returning a non-zero exit code.",
      "",
    ].join("\n"),
  );
});

test("--quiet keeps failures, warnings and the summary; on a terminal too", (t) => {
  const out = capture(true);
  const ui = createUi({ out, env: {}, quiet: true });
  t.true(ui instanceof PlainUi);
  ui.listener({ type: "BuildStarted", total: 2, threads: 2 });
  ui.listener({ type: "TaskStarted", node: node("do_compile"), index: 1, total: 2, noexec: false });
  ui.listener({ type: "TaskSucceeded", node: node("do_compile"), elapsedMs: 1 });
  ui.message("note", "chatter");
  ui.message("warning", "mind this");
  ui.listener({ type: "BuildFinished", summary: summary({}) });
  ui.close();
  t.notRegex(out.text, /Running task|chatter|Succeeded/);
  t.regex(out.text, /WARNING:.* mind this/);
  t.regex(out.text, /Tasks Summary: Attempted 2 tasks of which 1 didn't need to be rerun and all succeeded\./);
});

test("colour on a terminal unless NO_COLOR is set", (t) => {
  for (const [env, coloured] of [[{}, true], [{ NO_COLOR: "1" }, false]] as const) {
    const out = capture(true);
    const ui = createUi({ out, env });
    ui.listener(failed);
    ui.close();
    t.is(out.text.includes("\x1b[31m"), coloured);
    t.true(out.text.includes("Logfile of failure stored in: /t/log.do_compile.1"));
  }
  const pipe = capture(false);
  const ui = createUi({ out: pipe, env: {} });
  ui.listener(failed);
  t.false(pipe.text.includes("\x1b["));
});

test("the live display: a parsing bar, then the running tasks with their elapsed time, redrawn in place", async (t) => {
  const out = capture(true);
  let now = 1_000_000;
  const ui = new KnottyUi(out, messageStyle(false), () => now);
  ui.parse.start(4);
  ui.parse.update(2);
  await new Promise((r) => setTimeout(r, 150));
  t.regex(out.text, /Parsing recipes:  50% \|#+ +\| Time: 0:00:00\n$/);
  ui.parse.finish("Parsing of 4 .bb files complete.");
  ui.listener({ type: "BuildStarted", total: 3, threads: 2 });
  ui.listener({ type: "TaskCurrent", node: node("do_fetch") });
  ui.listener({ type: "TaskStarted", node: node("do_configure"), index: 2, total: 3, noexec: false });
  now += 75_000;
  await new Promise((r) => setTimeout(r, 150));
  const footer = out.text.slice(out.text.lastIndexOf("Currently"));
  t.regex(footer, /^Currently  1 running tasks \(2 of 3\)  33% \|#+ +\|\n0: alpha-1.0-r0 do_configure - 1m15s\n$/);
  t.regex(out.text, /Parsing recipes: 100% .*\nParsing of 4 \.bb files complete\.\n/);
  ui.listener({ type: "TaskSucceeded", node: node("do_configure"), elapsedMs: 75_000 });
  ui.listener({ type: "BuildFinished", summary: summary({ total: 3, ran: 2 }) });
  ui.close();
  // The two footer lines were erased in place before the summary was printed.
  t.true(out.text.includes("\x1b[2F\x1b[J"));
  t.true(out.text.endsWith("didn't need to be rerun and all succeeded.\n"));
});
