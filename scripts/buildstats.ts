// npm run buildstats [-- DIR]: what a build spent its time on, from the tasks.jsonl that bake
// writes under ${BUILDSTATS_BASE} (default: the newest build in ./tmp/buildstats). Prints each
// recipe's wall-clock span (first task start to last task end), the sum of its task times, and its
// three longest tasks, in order of start.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { TaskStat } from "../lib/run/index.js";

function newestBuild(base: string): string {
  const builds = readdirSync(base).filter((n) => existsSync(join(base, n, "tasks.jsonl"))).sort();
  if (builds.length === 0) throw new Error(`${base}: no build statistics (tasks.jsonl) here`);
  return join(base, builds[builds.length - 1]!);
}

function main(arg: string | undefined): void {
  const path = arg ?? "tmp/buildstats";
  const dir = existsSync(join(path, "tasks.jsonl")) ? path : statSync(path).isDirectory() ? newestBuild(path) : path;
  const stats = readFileSync(join(dir, "tasks.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as TaskStat);
  const byRecipe = new Map<string, TaskStat[]>();
  for (const s of stats) {
    const list = byRecipe.get(s.pf) ?? [];
    list.push(s);
    byRecipe.set(s.pf, list);
  }
  const end = (s: TaskStat) => Date.parse(s.started) + s.elapsed * 1000;
  const rows = [...byRecipe].map(([pf, list]) => {
    const first = Math.min(...list.map((s) => Date.parse(s.started)));
    const last = Math.max(...list.map(end));
    const longest = [...list].sort((a, b) => b.elapsed - a.elapsed).slice(0, 3);
    return { pf, first, span: (last - first) / 1000, sum: list.reduce((a, s) => a + s.elapsed, 0), longest, failed: list.some((s) => !s.ok) };
  }).sort((a, b) => a.first - b.first);
  const start = Math.min(...rows.map((r) => r.first));
  const finish = Math.max(...stats.map(end));
  console.log(`${dir}: ${stats.length} tasks, ${rows.length} recipes, ${((finish - start) / 1000).toFixed(0)} s from the first task to the last`);
  console.log(`${"recipe".padEnd(40)} ${"span s".padStart(8)} ${"tasks s".padStart(8)}  longest tasks`);
  for (const r of rows) {
    const longest = r.longest.map((s) => `${s.task.split(":")[1]} ${s.elapsed.toFixed(0)}`).join(", ");
    console.log(`${r.pf.padEnd(40)} ${r.span.toFixed(0).padStart(8)} ${r.sum.toFixed(0).padStart(8)}  ${longest}${r.failed ? "  (FAILED)" : ""}`);
  }
}

main(process.argv[2]);
