// The build report (`bake report`, and report.html at the end of every build): one build's
// statistics read, turned into a ReportModel, drawn as a self-contained HTML page.
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderReport } from "./html.js";
import { buildReport } from "./model.js";
import { readBuildStats } from "./read.js";

export {
  buildReport,
  criticalPath,
  recipeTotals,
  cpuUse,
  assignLanes,
  sstateTotals,
  type ReportInput,
  type ReportModel,
  type ReportTask,
  type ReportRestore,
  type RecipeTotal,
  type CpuPoint,
  type SstateTotals,
  type PathTask,
} from "./model.js";
export { readBuildStats, findBuild, BuildStatsError, REPORT_TAIL_LINES } from "./read.js";
export { renderReport, escapeHtml, formatSeconds } from "./html.js";
export { composeBuild, type ComposedBuild, type GraphTask } from "./composed-build.js";
export { simulateCluster, wallBounds, taskKinds, isHostRecipe, measuredSlowdown, type ClusterScenario, type SimulationResult, type SimulatedTask, type WallBounds, type TaskKind } from "./cluster-simulation.js";

/** Writes `report.html` (or `out`) for the statistics in `dir`; returns its path. */
export function writeReport(dir: string, out: string = join(dir, "report.html")): string {
  const html = renderReport(buildReport(readBuildStats(dir)));
  const temp = `${out}.${process.pid}.tmp`;
  writeFileSync(temp, html);
  renameSync(temp, out);
  return out;
}
