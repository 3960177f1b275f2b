// The build report of a real build (a generated layer of C recipes compiled with the host
// compiler), opened in headless Chromium: what it draws, what a hover shows, the critical path,
// and that zooming changes the visible range. Skips without Debian's chromium.
import test from "ava";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { criticalPath } from "../../lib/report/index.js";
import type { TaskStat } from "../../lib/run/index.js";
import { generatedCLayer } from "../helpers/c-layer.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);

function bake(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(repo, "bin/bake.js"), ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, BB_NUMBER_THREADS: "2" },
    timeout: 240_000,
  });
  return { code: r.status, stdout: r.stdout, out: `${r.stdout}${r.stderr}` };
}

const title = hasChromium
  ? "report: a real build's report.html in headless Chromium draws every task, shows a task on hover, marks the critical path, zooms"
  : `report in headless Chromium: SKIPPED, no ${CHROMIUM} (on Debian: apt-get install -y chromium)`;

(hasChromium ? test : test.skip)(title, async (t) => {
  const layer = generatedCLayer(repo, { libraries: 4 });
  const profile = mkdtempSync(join(tmpdir(), "bake-chromium-"));
  t.teardown(() => {
    layer.cleanup();
    rmSync(profile, { recursive: true, force: true });
  });
  const built = bake(layer.build, "--quiet", layer.target);
  t.is(built.code, 0, built.out);

  const base = join(layer.build, "tmp/buildstats");
  const [name] = readdirSync(base);
  const dir = join(base, name!);
  const report = join(dir, "report.html");
  t.true(existsSync(report), "every build writes its report");
  // `bake report` draws it again, for the newest build by default.
  const redrawn = bake(layer.build, "report");
  t.is(redrawn.code, 0, redrawn.out);
  t.is(redrawn.stdout.trim(), report);

  const tasks = readFileSync(join(dir, "tasks.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as TaskStat);
  const path = criticalPath(tasks.map((s) => ({ name: s.task, elapsed: s.elapsed, deps: s.deps ?? [] })));
  t.true(path.tasks.length >= 5, "the chain through a library's tasks and the program's");
  t.is(path.tasks.at(-1)!.split(":")[0], "genapp");
  // Every compile is a shell task: its CPU time is known (what its shell's `times` said).
  const compiles = tasks.filter((s) => s.task.endsWith(":do_compile"));
  t.is(compiles.length, 5);
  t.true(compiles.every((s) => typeof s.cpu === "number") && compiles.some((s) => s.cpu! > 0), JSON.stringify(compiles.map((s) => s.cpu)));
  t.deepEqual(readdirSync(dirname(compiles[0]!.log!)).filter((f) => f.startsWith("cpu.")), [], "the CPU files are read and removed");

  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    viewport: { width: 1400, height: 900 },
  });
  t.teardown(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  const requests: string[] = [];
  const errors: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(pathToFileURL(report).href);
  await page.waitForSelector("body[data-ready]");
  t.is(await page.getAttribute("body", "data-ready"), "1", "the timeline was drawn");
  t.deepEqual(errors, []);
  t.deepEqual(requests, [pathToFileURL(report).href], "the report loads nothing but itself");

  // One bar per task that ran, on the two worker slots.
  t.is(await page.locator("rect.bar.task").count(), tasks.length);
  t.is(await page.locator(".lane-label", { hasText: /^worker \d$/ }).count(), 2);

  // The critical path is marked: exactly its tasks.
  const marked = await page.locator("rect.bar.critical").evaluateAll((rs) => rs.map((r) => r.getAttribute("data-task")));
  t.deepEqual(marked.sort(), [...path.tasks].sort());

  // Hovering a task shows its name, signature and the tail of its log.
  const longest = [...tasks].sort((a, b) => b.elapsed - a.elapsed)[0]!;
  await page.locator(`rect.bar[data-task="${longest.task}"]`).hover();
  const tip = page.locator("#tip");
  await tip.waitFor({ state: "visible" });
  const text = (await tip.textContent()) ?? "";
  t.true(text.includes(longest.task), text);
  t.true(text.includes(longest.unihash!), "the signature");
  const lastLogLine = readFileSync(longest.log!, "utf8").trimEnd().split("\n").at(-1)!;
  t.true(text.includes(lastLogLine), `the log's tail (${lastLogLine})`);

  // The wheel zooms in around the pointer: a smaller range, fewer bars drawn.
  const svg = page.locator("svg.timeline");
  const view = async () => ({
    start: Number(await svg.getAttribute("data-view-start")),
    end: Number(await svg.getAttribute("data-view-end")),
    bars: Number(await svg.getAttribute("data-visible-bars")),
  });
  const whole = await view();
  t.is(whole.start, 0);
  t.is(whole.bars, tasks.length);
  const box = (await svg.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.3, box.y + 40);
  await page.mouse.wheel(0, -800);
  // (A string: this runs in the page, whose DOM types the test's compilation does not have.)
  await page.waitForFunction(`(s => s.dataset.viewEnd - s.dataset.viewStart < ${whole.end - whole.start})(document.querySelector("svg.timeline"))`);
  const zoomed = await view();
  t.true(zoomed.end - zoomed.start < (whole.end - whole.start) / 2, JSON.stringify(zoomed));
  t.true(zoomed.bars < tasks.length, "bars outside the range are not drawn");
  t.regex((await page.locator("#range").textContent()) ?? "", /^showing /);

  // Dragging pans; "whole build" shows everything again.
  await page.mouse.move(box.x + box.width * 0.6, box.y + 40);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.4, box.y + 40, { steps: 5 });
  await page.mouse.up();
  const panned = await view();
  t.true(panned.start > zoomed.start, JSON.stringify({ zoomed, panned }));
  t.true(Math.abs(panned.end - panned.start - (zoomed.end - zoomed.start)) < 1e-6, "panning keeps the span");
  await page.getByRole("button", { name: "whole build" }).click();
  t.deepEqual(await view(), whole);
});
