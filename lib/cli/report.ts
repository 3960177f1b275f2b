// `bake report [BUILD] [-o FILE]`: the HTML report of a build (default: the newest under
// ${BUILDSTATS_BASE}), written beside its statistics as report.html. Every build writes one at its
// end too; this command redraws it (after an upgrade, or for an older build).
import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import { findBuild, writeReport } from "../report/index.js";
import { loadConfiguration, passthroughVariables, UsageError, type CommonOptions } from "./context.js";

const USAGE = `usage: bake report [BUILD] [-o FILE]
  BUILD      a directory of \${BUILDSTATS_BASE} or its name (20261122T041527Z); default the newest
  -o FILE    write the report there instead of BUILD/report.html`;

/** Where builds keep their statistics: BUILDSTATS_BASE, as the build would expand it. */
export async function buildStatsBase(common: CommonOptions): Promise<string> {
  const config = await loadConfiguration(common);
  const d = config.metadata.d;
  return d.getVar("BUILDSTATS_BASE") ?? join(d.getVar("TMPDIR") ?? join(config.topdir, "tmp"), "buildstats");
}

export async function reportCommand(argv: string[], cwd: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { output: { type: "string", short: "o" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`report takes one BUILD at most\n${USAGE}`);
  const build = positionals[0];
  // A directory given as a path needs no configuration; a name or nothing is looked up in BUILDSTATS_BASE.
  const base = build !== undefined && build.includes("/") ? "" : await buildStatsBase({ cwd, vars: passthroughVariables(process.env) });
  const dir = findBuild(base, build === undefined ? undefined : build.includes("/") ? resolve(cwd, build) : build);
  const out = writeReport(dir, values.output === undefined ? undefined : resolve(cwd, values.output));
  process.stdout.write(`${out}\n`);
  return 0;
}
