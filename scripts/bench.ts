// npm run bench [-- SECTION…]: benchmarks that print figures (never pass/fail on timing).
//   parse   parse + finalise every recipe of a generated 5,000-recipe corpus, in one process
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectRecipes, loadBuildConfiguration } from "../lib/config/index.js";
import { parseRecipe } from "../lib/evaluate/index.js";
import { generateCorpus } from "./gen-corpus.js";

const RECIPES = Number(process.env.BAKE_BENCH_RECIPES ?? 5000);

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function benchParse(build: string): void {
  const t0 = process.hrtime.bigint();
  const config = loadBuildConfiguration({ topdir: build });
  const tConfig = seconds(t0);
  const collection = collectRecipes(config.metadata.d, config.layers);
  const t1 = process.hrtime.bigint();
  let tasks = 0;
  for (const recipe of collection.recipes) {
    const parsed = parseRecipe(config.metadata, recipe.path, collection.appends.get(recipe.path) ?? [], config.files);
    tasks += parsed.tasks.length;
  }
  const t = seconds(t1);
  const n = collection.recipes.length;
  console.log(`parse: configuration ${(tConfig * 1000).toFixed(0)} ms`);
  console.log(
    `parse: ${n} recipes (${tasks} tasks) parsed and finalised in ${t.toFixed(2)} s: ` +
      `${(n / t).toFixed(0)} recipes/s, one process`,
  );
  console.log(`parse: peak RSS ${mib(process.resourceUsage().maxRSS * 1024)}, heap used now ${mib(process.memoryUsage().heapUsed)}`);
}

const sections: Record<string, (build: string) => void> = { parse: benchParse };

function main(argv: string[]): number {
  const wanted = argv.length > 0 ? argv : Object.keys(sections);
  const unknown = wanted.filter((s) => !(s in sections));
  if (unknown.length > 0) {
    console.error(`unknown section(s) ${unknown.join(", ")}; sections: ${Object.keys(sections).join(", ")}`);
    return 2;
  }
  const dir = mkdtempSync(join(tmpdir(), "bake-bench-"));
  try {
    const t0 = process.hrtime.bigint();
    const { build } = generateCorpus(dir, RECIPES);
    console.log(`corpus: ${RECIPES} recipes generated in ${seconds(t0).toFixed(1)} s`);
    for (const s of wanted) sections[s]!(build);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
