// node dist/scripts/report-screenshot.js [OUT.png] [--buildstats DIR | --libraries N [--keep]]:
// opens a build's report in headless Chromium, selects its longest compile and saves a screenshot
// (the README's docs/report.png). The build is the one whose statistics are in DIR (a directory
// of tmp/buildstats, e.g. of a core-image-minimal build), else a generated layer of C recipes built
// here with the host compiler (BB_NUMBER_THREADS=2).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { buildReport, readBuildStats, writeReport } from "../lib/report/index.js";
import { generatedCLayer } from "../test/helpers/c-layer.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      buildstats: { type: "string" },
      libraries: { type: "string", default: "30" },
      functions: { type: "string", default: "400" },
      keep: { type: "boolean" },
    },
  });
  const out = resolve(positionals[0] ?? join(repo, "docs/report.png"));
  const profile = mkdtempSync(join(tmpdir(), "bake-chromium-"));
  const made = values.buildstats === undefined ? buildGeneratedLayer(Number(values.libraries), Number(values.functions)) : null;
  try {
    const dir = made?.dir ?? resolve(values.buildstats!);
    const model = buildReport(readBuildStats(dir));
    // The report of a build elsewhere is drawn afresh here, so the screenshot is of this bake's report.
    const html = made === null ? writeReport(dir, join(profile, "report.html")) : join(dir, "report.html");
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
      await page.goto(pathToFileURL(html).href);
      await page.waitForSelector("body[data-ready='1']");
      await page.locator(`rect.bar[data-task="${compile.name}"]`).click();
      await page.screenshot({ path: out, clip: { x: 0, y: 0, width: 1280, height: 760 } });
    } finally {
      await context.close();
    }
    console.log(`${out}: ${model.tasks.length} tasks, ${model.recipes.length} recipes, ${model.duration.toFixed(0)} s; statistics in ${dir}`);
  } finally {
    rmSync(profile, { recursive: true, force: true });
    if (made !== null && !values.keep) made.cleanup();
  }
}

/** Builds a generated layer of C recipes; returns its newest buildstats directory. */
function buildGeneratedLayer(libraries: number, functions: number): { dir: string; cleanup: () => void } {
  const layer = generatedCLayer(repo, { libraries, functions });
  const r = spawnSync(process.execPath, [join(repo, "bin/bake.js"), "--quiet", layer.target], {
    cwd: layer.build,
    stdio: "inherit",
    env: { ...process.env, BB_NUMBER_THREADS: "2" },
  });
  if (r.status !== 0) {
    layer.cleanup();
    throw new Error(`the build failed (${r.status})`);
  }
  const base = join(layer.build, "tmp/buildstats");
  return { dir: join(base, readdirSync(base).sort().at(-1)!), cleanup: layer.cleanup };
}

await main();
