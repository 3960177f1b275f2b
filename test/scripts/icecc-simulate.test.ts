// icecc-simulate --compose on real files: which build each task comes from, a build limited to some
// of its tasks, a resumed compile scaled and marked estimated, and the table it then prints.
import test from "ava";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compose, icecc, parseResumed, parseSource } from "../../scripts/icecc-simulate.js";
import { BuildStatsError } from "../../lib/report/index.js";

const line = (task: string, pf: string, started: string, cpu: number, sys = "x86_64-bake-linux-musl") =>
  JSON.stringify({ task, pf, started, elapsed: cpu, ok: true, cpu, deps: [], log: `/b/tmp/work/${sys}/${task.split(":")[0]}/1.0/temp/log.${task.split(":")[1]}` });

test("compose: provenance per task, BUILD=TASK limits a build, --resumed scales and flags", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "bake-icecc-compose-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const build = (name: string, lines: string[]) => {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, "tasks.jsonl"), lines.join("\n") + "\n");
    return join(dir, name);
  };
  const first = build("20260101T080000Z", [line("gcc-cross-x86_64:do_compile", "gcc-cross-x86_64-12.2.0-r0", "2026-01-01T08:00:00Z", 400)]);
  const second = build("20260101T120000Z", [
    line("app:do_compile", "app-1.0-r0", "2026-01-01T12:00:00Z", 30),
    line("linux:do_compile", "linux-6.1-r0", "2026-01-01T12:01:00Z", 100),
  ]);
  const other = build("20260101T100000Z", [line("app:do_compile", "app-1.0-r0", "2026-01-01T10:00:00Z", 90), line("zlib:do_compile", "zlib-1.0-r0", "2026-01-01T10:01:00Z", 5)]);
  writeFileSync(join(dir, "graph.json"), JSON.stringify({
    tasks: [
      { id: "g", name: "gcc-cross-x86_64:do_compile", deps: [] },
      { id: "a", name: "app:do_compile", deps: ["g"] },
      { id: "l", name: "linux:do_compile", deps: ["g"] },
    ],
  }));
  const out = join(dir, "out.jsonl");
  const unmeasured = compose(out, join(dir, "graph.json"), [parseSource(first), parseSource(second), parseSource(`${other}=app:do_compile`)], [parseResumed("linux:do_compile=1/4")]);
  t.deepEqual(unmeasured, []);
  const tasks = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const by = new Map(tasks.map((x) => [x["task"], x] as const));
  t.is(by.get("app:do_compile")!["cpu"], 90, "the limited build, given last, wins for its task");
  t.is(by.get("app:do_compile")!["measuredIn"], "20260101T100000Z (x86_64-bake-linux-musl)");
  t.false(by.has("zlib:do_compile"), "tasks outside the graph, or not asked for, are left out");
  t.is(by.get("linux:do_compile")!["cpu"], 400);
  t.regex(String(by.get("linux:do_compile")!["estimated"]), /compiled 1 of 4 files, measured 100 CPU-s/);
  t.false("log" in by.get("gcc-cross-x86_64:do_compile")!, "no machine paths in the recorded file");
  const report = icecc(out).join("\n");
  t.regex(report, /measured in 20260101T080000Z \(x86_64-bake-linux-musl\): 1 tasks, 400 CPU-s/);
  t.regex(report, /estimated: linux:do_compile/);
  t.regex(report, /\| 64 \| [\d.]+ min \([\d.]+×\) \| [\d.]+ min \|/);
  t.throws(() => parseResumed("linux:do_compile=5/4"), { instanceOf: BuildStatsError });
});
