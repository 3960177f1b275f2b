// Fetch progress on the UIs: the live display shows the running download on the task's line,
// plain output gives one line per file when it is done (size and rate), fetch warnings are
// warnings of the task on both.
import test from "ava";
import type { RecipeInfo } from "../../lib/config/index.js";
import { taskId, type TaskNode } from "../../lib/graph/types.js";
import type { BuildEvent } from "../../lib/run/index.js";
import { byteSize, createUi, KnottyUi, messageStyle } from "../../lib/ui/index.js";

const recipe: RecipeInfo = {
  file: "/l/busybox_1.36.1.bb", variant: "", pn: "busybox", pe: "", pv: "1.36.1", pr: "r0", provides: ["busybox"], depends: [],
  packages: [], rdepends: {}, rrecommends: {}, rprovides: {}, defaultPreference: 0, layerPriority: 0, skipped: null, stamp: null, hostTools: [], inherits: [], tasks: [],
};
const fetchNode: TaskNode = {
  id: taskId(recipe.file, "do_fetch"),
  recipeId: recipe.file,
  recipe,
  task: { name: "do_fetch", after: [], flags: {}, basehash: "" },
  deps: [],
};
const URL = "https://busybox.net/downloads/busybox-1.36.1.tar.bz2";
const progress: BuildEvent = {
  type: "TaskFetch",
  node: fetchNode,
  event: { type: "progress", url: URL, bytes: 1.5 * 1024 * 1024, total: 2.5 * 1024 * 1024, rate: 512 * 1024 },
};
const fetched: BuildEvent = {
  type: "TaskFetch",
  node: fetchNode,
  event: { type: "fetched", url: URL, from: "apt:///busybox-1.36.1.tar.bz2", origin: "premirror", bytes: 2.5 * 1024 * 1024, seconds: 2 },
};
const warning: BuildEvent = {
  type: "TaskFetch",
  node: fetchNode,
  event: { type: "warning", url: URL, message: "HTTP 503; retry 1/3 in 1000 ms" },
};

function capture(isTTY: boolean) {
  const out = { text: "", isTTY, columns: 120, rows: 30, write: (s: string) => (out.text += s) };
  return out;
}

test("sizes read as people read them", (t) => {
  t.is(byteSize(512), "512 B");
  t.is(byteSize(32 * 1024), "32.0 KiB");
  t.is(byteSize(2.5 * 1024 * 1024), "2.5 MiB");
});

test("plain: a line per file fetched, with size, rate and the mirror it came from; warnings name the task", (t) => {
  const out = capture(false);
  const ui = createUi({ out, env: {} });
  ui.listener({ type: "BuildStarted", total: 1, threads: 1 });
  ui.listener({ type: "TaskStarted", node: fetchNode, index: 1, total: 1, noexec: false });
  ui.listener(progress);
  ui.listener(warning);
  ui.listener(fetched);
  ui.close();
  t.is(
    out.text,
    [
      "NOTE: Executing tasks (1, 1 at once)",
      "NOTE: Running task 1 of 1 (busybox:do_fetch)",
      `WARNING: busybox-1.36.1-r0 do_fetch: ${URL}: HTTP 503; retry 1/3 in 1000 ms`,
      `NOTE: busybox-1.36.1-r0 do_fetch: fetched ${URL} (2.5 MiB, 1.3 MiB/s) from apt:///busybox-1.36.1.tar.bz2`,
      "",
    ].join("\n"),
  );
  t.is(ui.counts.warnings, 1);
});

test("the live display shows the download on the running task's line until the file is done", async (t) => {
  const out = capture(true);
  const now = 1_000_000;
  const ui = new KnottyUi(out, messageStyle(false), () => now);
  ui.listener({ type: "BuildStarted", total: 1, threads: 1 });
  ui.listener({ type: "TaskStarted", node: fetchNode, index: 1, total: 1, noexec: false });
  ui.listener(progress);
  await new Promise((r) => setTimeout(r, 150));
  const footer = out.text.slice(out.text.lastIndexOf("Currently"));
  t.regex(footer, /\n0: busybox-1\.36\.1-r0 do_fetch - 0s 60% 1\.5 MiB of 2\.5 MiB, 512\.0 KiB\/s busybox-1\.36\.1\.tar\.bz2\n$/);
  ui.listener(fetched);
  await new Promise((r) => setTimeout(r, 150));
  t.regex(out.text.slice(out.text.lastIndexOf("Currently")), /\n0: busybox-1\.36\.1-r0 do_fetch - 0s\n$/);
  ui.close();
});
