// node dist/scripts/report-screenshot.js [OUT.png] [--libraries N] [--keep]: builds a generated
// layer of C recipes (host compiler, BB_NUMBER_THREADS=2), opens its report in headless Chromium,
// hovers the longest compile and saves a screenshot (the README's docs/report.png).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { buildReport, readBuildStats } from "../lib/report/index.js";
import { generatedCLayer } from "../test/helpers/c-layer.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { libraries: { type: "string", default: "30" }, functions: { type: "string", default: "400" }, keep: { type: "boolean" } },
  });
  const out = resolve(positionals[0] ?? join(repo, "docs/report.png"));
  const layer = generatedCLayer(repo, { libraries: Number(values.libraries), functions: Number(values.functions) });
  const profile = mkdtempSync(join(tmpdir(), "bake-chromium-"));
  try {
    const r = spawnSync(process.execPath, [join(repo, "bin/bake.js"), "--quiet", layer.target], {
      cwd: layer.build,
      stdio: "inherit",
      env: { ...process.env, BB_NUMBER_THREADS: "2" },
    });
    if (r.status !== 0) throw new Error(`the build failed (${r.status})`);
    const base = join(layer.build, "tmp/buildstats");
    const dir = join(base, readdirSync(base).sort().at(-1)!);
    const model = buildReport(readBuildStats(dir));
    const compile = model.tasks.filter((t) => t.name.endsWith(":do_compile")).sort((a, b) => b.end - b.start - (a.end - a.start))[0]!;
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
      viewport: { width: 1280, height: 760 },
      deviceScaleFactor: 1,
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(pathToFileURL(join(dir, "report.html")).href);
      await page.waitForSelector("body[data-ready='1']");
      await page.locator(`rect.bar[data-task="${compile.name}"]`).click();
      await page.screenshot({ path: out, clip: { x: 0, y: 0, width: 1280, height: 760 } });
    } finally {
      await context.close();
    }
    console.log(`${out}: ${model.tasks.length} tasks, ${model.recipes.length} recipes, ${model.duration.toFixed(0)} s; build in ${layer.build}`);
  } finally {
    rmSync(profile, { recursive: true, force: true });
    if (!values.keep) layer.cleanup();
  }
}

await main();
