// npm run buildstats [-- DIR]: what a build spent its time on, from the statistics bake writes
// under ${BUILDSTATS_BASE} (default: the newest build in ./tmp/buildstats). Prints the recipes,
// slowest first: task time, sampled CPU time, span (first start to last end), longest tasks; then
// the critical path. `bake report` draws the same as an HTML timeline.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { buildReport, findBuild, formatSeconds, readBuildStats } from "../lib/report/index.js";

function main(arg: string | undefined): void {
  const path = arg ?? "tmp/buildstats";
  const dir = existsSync(join(path, "tasks.jsonl")) ? path : findBuild(path);
  const m = buildReport(readBuildStats(dir));
  console.log(`${dir}: ${m.tasks.length} tasks, ${m.recipes.length} recipes, ${formatSeconds(m.duration)} wall time`);
  console.log(`${"recipe".padEnd(40)} ${"tasks s".padStart(8)} ${"cpu s".padStart(8)} ${"span s".padStart(8)}  longest tasks`);
  for (const r of m.recipes) {
    const longest = m.tasks
      .filter((t) => t.pf === r.pf)
      .sort((a, b) => b.end - b.start - (a.end - a.start))
      .slice(0, 3)
      .map((t) => `${t.name.split(":")[1]} ${(t.end - t.start).toFixed(0)}`)
      .join(", ");
    const cpu = r.cpu === null ? "-" : r.cpu.toFixed(0);
    console.log(`${r.pf.padEnd(40)} ${r.seconds.toFixed(0).padStart(8)} ${cpu.padStart(8)} ${r.span.toFixed(0).padStart(8)}  ${longest}${r.failed ? "  (FAILED)" : ""}`);
  }
  console.log(`critical path: ${formatSeconds(m.criticalPath.seconds)} in ${m.criticalPath.tasks.length} tasks: ${m.criticalPath.tasks.join(" → ")}`);
}

main(process.argv[2]);
