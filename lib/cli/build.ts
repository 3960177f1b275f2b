// `bake [options] TARGET…`: parse, build the task graph, run it (BitBake's cooker + runqueue).
//
// The stages after parsing (graph, run, report…) are imported once the recipes are parsed: `bake -p`
// and a parse that fails do not load them, and the report only once a build recorded something.
import { basename, join, resolve } from "node:path";
import type { ParseProgress as ParseCounts, RecipeInfo } from "../config/index.js";
import type { RecipeIndex, TaskGraph, Target } from "../graph/index.js";
import type { InterruptSource } from "../run/index.js";
import { createUi, messageCountLines, type BuildUi } from "../ui/index.js";
import { loadConfiguration, UsageError, type CommonOptions } from "./context.js";
import { parseRecipes, providerPreferences, threadsOf, type Prepared, type SignRecipes } from "./prepare.js";
import { bakeVersion, type BuildOptionArgs } from "./build-options.js";

export interface BuildArgs {
  readonly targets: readonly string[];
  readonly cmd: string | null;
  readonly force: boolean;
  readonly clearStamp: string | null;
  readonly keepGoing: boolean;
  readonly dryRun: boolean;
  readonly parseOnly: boolean;
  readonly graphviz: boolean;
  readonly buildfile: string | null;
  readonly runall: readonly string[];
  readonly runonly: readonly string[];
  readonly quiet: boolean;
  /** `-D`: say which tasks were current. */
  readonly debug: boolean;
}

/** Everything `bake [options] TARGET…` takes: the basics above and BitBake's other options (build-options.ts). */
export type BuildCommandArgs = BuildArgs & Partial<BuildOptionArgs>;

export function withTaskPrefix(task: string): string {
  return task.startsWith("do_") ? task : `do_${task}`;
}

/** `busybox` or `busybox:do_compile` (BitBake's target:task form). */
function parseTarget(text: string, defaultTask: string): Target {
  const m = /^(.*):(do_[A-Za-z0-9_.+-]+)$/.exec(text);
  return m ? { name: m[1]!, task: m[2]! } : { name: text, task: defaultTask };
}

function parseFeedback(ui: BuildUi, title = "Parsing recipes"): (p: ParseCounts) => void {
  let started = false;
  return (p) => {
    if (!started) {
      ui.parse.start(p.total, title);
      started = true;
    }
    ui.parse.update(p.done);
  };
}

/** SIGINT twice: the first stops starting tasks, the second kills the running ones. */
function processSignals(): InterruptSource {
  return {
    subscribe(cb) {
      const handler = () => cb();
      process.on("SIGINT", handler);
      process.on("SIGTERM", handler);
      return () => {
        process.off("SIGINT", handler);
        process.off("SIGTERM", handler);
      };
    },
  };
}

function listTasks(graph: TaskGraph, ui: BuildUi): void {
  const recipes = new Map([...graph.nodes.values()].map((n) => [n.recipeId, n.recipe]));
  for (const node of graph.targets.map((t) => graph.nodes.get(t)!)) {
    const recipe = recipes.get(node.recipeId)!;
    const width = Math.max(...recipe.tasks.map((t) => t.name.length));
    for (const t of [...recipe.tasks].sort((a, b) => a.name.localeCompare(b.name))) {
      ui.message("plain", `${t.name.padEnd(width)}  ${t.flags.doc ?? ""}`.trimEnd());
    }
  }
}

type Recipes = Pick<Prepared, "config" | "prefs" | "collection"> & {
  standalone: boolean;
  infos: readonly RecipeInfo[];
  /** Signs the recipes of `graph` whose records have none: every record again, those signed; null when none needed it. */
  signed: (graph: TaskGraph) => Promise<readonly RecipeInfo[] | null>;
};

/**
 * Whether the command reads task signatures: a build, `-n`, `-S`. `-p`, `-s`, `-g`, listtasks and
 * `-u taskexp` read the records' names, dependencies and flags only, and their parse skips the
 * signature analysis (a third of a recipe's parse).
 */
function needsSignatures(args: BuildCommandArgs): boolean {
  return !args.parseOnly && !args.showVersions && !args.graphviz && args.cmd !== "listtasks" && args.ui !== "taskexp";
}

/** What a graph's recipes need from `recipes`: those of its recipes whose records carry no basehashes, parsed again signed. */
function signing(recipes: Prepared["recipes"], sign: SignRecipes, ui: BuildUi): Recipes["signed"] {
  let current = recipes;
  return async (graph) => {
    const files = new Set<string>();
    for (const node of graph.nodes.values()) if (current.unsigned.has(node.recipe.file)) files.add(node.recipe.file);
    if (files.size === 0) return null;
    current = await sign(current, files, parseFeedback(ui, "Computing signatures"));
    ui.parse.finish(`Signatures of ${files.size} recipes computed (parsed again: their cached records had none).`);
    return current.infos;
  };
}

async function recipesFor(args: BuildCommandArgs, common: CommonOptions, ui: BuildUi): Promise<Recipes> {
  if (args.buildfile === null) {
    // `-p` reads no value of the configuration after the parse: a warm one starts no Python.
    const signatures = needsSignatures(args) ? "parsed" : "none";
    const prepared = await parseRecipes(common, parseFeedback(ui), args.parseOnly ? "counts" : "infos", args.parseOnly ? "lazy" : "eager", signatures);
    const { recipes } = prepared;
    ui.parse.finish(
      `Parsing of ${prepared.collection.recipes.length} .bb files complete (${recipes.cached} cached, ${recipes.parsed} parsed). ` +
        `${recipes.targets} targets, ${recipes.skipped} skipped, ${prepared.collection.masked.length} masked, 0 errors.`,
    );
    for (const w of prepared.warnings) ui.message("warning", w);
    // A build says the warnings of the recipes it uses; -p, as BitBake's parse, those of the recipes it parsed.
    if (args.parseOnly) {
      for (const w of recipes.parseWarnings) ui.message("warning", w);
      // BitBake's closing count of what was said, each line after a blank one (knotty's "\nSummary: …").
      for (const line of messageCountLines(ui.counts.warnings, ui.counts.errors)) ui.message("plain", `\n${line}`);
    }
    return { ...prepared, standalone: false, infos: recipes.infos, signed: signing(recipes, prepared.sign, ui) };
  }
  const config = await loadConfiguration(common);
  const file = resolve(common.cwd, args.buildfile);
  const [{ parseRecipeFile }, { withPython }] = await Promise.all([import("../config/parsing.js"), import("../python/index.js")]);
  const result = await withPython(() => parseRecipeFile(config.metadata, config.files, file, [], 0, true));
  const empty = { recipes: [], appends: new Map(), dangling: [], masked: [] };
  return { config, prefs: providerPreferences(config), collection: empty, standalone: true, infos: result.infos, signed: async () => null };
}

/** BB_DEFAULT_UMASK as a mode, null when unset; a value that is not octal is an error naming it. */
async function buildUmask(value: string | null): Promise<number | null> {
  const v = (value ?? "").trim();
  if (v === "") return null;
  if (!/^0?[0-7]{1,3}$/.test(v)) {
    const { ConfigurationError } = await import("../config/index.js");
    throw new ConfigurationError(`BB_DEFAULT_UMASK = "${v}": expected an octal umask such as 022`);
  }
  return parseInt(v, 8);
}

export async function buildCommand(args: BuildCommandArgs, common: CommonOptions): Promise<number> {
  if (args.targets.length === 0 && args.buildfile === null && !args.parseOnly && !args.showVersions) {
    throw new UsageError("nothing to do: name a TARGET (see bake --help)");
  }
  let ui = createUi({ out: process.stdout, env: process.env, quiet: args.quiet, debug: args.debug });
  try {
    const { config, prefs, collection, standalone, infos, signed } = await recipesFor(args, common, ui);
    if (args.parseOnly) return 0;
    if (args.showVersions) {
      const { showVersions } = await import("./show-versions.js");
      for (const line of showVersions(infos, prefs)) ui.message("plain", line);
      return 0;
    }
    const [{ buildTaskGraph, RecipeIndex, writeGraphFiles }, { BuildStats, runBuild, succeeded, tasksToRun }, { sstateSettings }] = await Promise.all([
      import("../graph/index.js"),
      import("../run/index.js"),
      import("../setscene/index.js"),
    ]);
    const d = config.metadata.d;
    const cmd = args.cmd ?? d.getVar("BB_DEFAULT_TASK") ?? "build";
    const listing = cmd === "listtasks";
    const defaultTask = withTaskPrefix(listing ? "build" : cmd);
    const graphOf = (records: readonly RecipeInfo[]) => {
      const index: RecipeIndex = new RecipeIndex(records);
      const names = args.buildfile !== null ? [...index.byId.values()].filter((r) => r.variant === "").map((r) => r.pn) : args.targets;
      return buildTaskGraph(index, prefs, names.map((t) => parseTarget(t, defaultTask)), {
        runall: args.runall.map(withTaskPrefix),
        runonly: args.runonly.map(withTaskPrefix),
        standalone,
        assumeProvided: [...(d.getVar("ASSUME_PROVIDED") ?? "").split(/\s+/).filter(Boolean), ...(args.ignoreDeps ?? [])],
      });
    };
    let graph = graphOf(infos);
    if (needsSignatures(args) && !listing) {
      // The graph is made from the records at hand, signed or not; the recipes it uses whose
      // records are not are parsed again with signatures, and the graph made again from those
      // (a record made with signature analysis names the same dependencies, but is the one to trust).
      for (let records = await signed(graph); records !== null; records = await signed(graph)) graph = graphOf(records);
    }
    // Parse-time warnings of the recipes this build uses (kept in the parse cache, so said every time).
    const warned = new Set<string>();
    for (const node of graph.nodes.values()) for (const w of node.recipe.warnings ?? []) warned.add(w);
    for (const w of warned) ui.message("warning", w);
    if (listing) {
      listTasks(graph, ui);
      return 0;
    }
    if (args.graphviz) {
      // BitBake's notes, which scripts wait for.
      const said: Record<string, string> = { "pn-buildlist": "PN build list saved to 'pn-buildlist'", "task-depends.dot": "Task dependencies saved to 'task-depends.dot'" };
      for (const path of writeGraphFiles(graph, common.cwd)) ui.message("note", said[basename(path)] ?? `wrote ${path}`);
      return 0;
    }
    // An [interactive] task (devshell, menuconfig) takes the terminal: plain lines around it, no live display.
    if (graph.targets.some((t) => graph.nodes.get(t)?.task.flags.interactive)) {
      ui.close();
      ui = createUi({ out: process.stdout, env: { ...process.env, TERM: "dumb" }, quiet: args.quiet, debug: args.debug });
    }
    if (args.ui === "taskexp") return await (await import("./taskexp.js")).exploreTasks(graph, process.stdin, process.stdout);
    const dumping = args.dumpSignatures !== undefined && args.dumpSignatures !== null;
    if (!args.dryRun && !dumping) (await import("./host-tools.js")).checkHostTools(graph, tasksToRun(graph), d.getVar("HOSTTOOLS_PATH") ?? process.env["PATH"] ?? "");
    if (!dumping) ui.message("plain", (await import("./banner.js")).buildConfigurationBanner(d, bakeVersion()));
    const stats =
      args.dryRun || dumping
        ? null
        : new BuildStats(d.getVar("BUILDSTATS_BASE") ?? join(d.getVar("TMPDIR") ?? join(config.topdir, "tmp"), "buildstats"), ui.listener);
    // BitBake sets BB_DEFAULT_UMASK in each task's process; bake's tasks share one process (and
    // bake itself creates their directories), so the build sets it process-wide, for its length.
    const umask = await buildUmask(d.getVar("BB_DEFAULT_UMASK"));
    const userUmask = umask === null ? null : process.umask(umask);
    let listener = stats?.listener ?? ui.listener;
    if (args.eventLog !== undefined && args.eventLog !== null) {
      const log = (await import("./eventlog.js")).eventLog(args.eventLog, common.cwd, listener);
      ui.message("note", `writing the event log to ${log.path}`);
      listener = log.listener;
    }
    const summary = await runBuild(graph, {
      topdir: config.topdir,
      vars: common.vars,
      appends: collection.appends,
      threads: threadsOf(config, "BB_NUMBER_THREADS"),
      keepGoing: args.keepGoing,
      force: args.force,
      dryRun: args.dryRun,
      clearStamp: args.clearStamp,
      listener,
      interrupts: processSignals(),
      stampBase: (r) => r.stamp ?? undefined,
      sstate: sstateSettings((name) => d.getVar(name)),
      sigdata: true,
      dumpSignatures: dumping,
      ...(args.dumpSignatures?.includes("printdiff") ? { printdiff: (lines: readonly string[]) => lines.forEach((l) => ui.message("plain", l)) } : {}),
      setscene: args.setscene ?? "normal",
      safeRecipeDeps: (await import("../signature/index.js")).parseSafeRecipeDeps(d.getVar("SIGGEN_EXCLUDE_SAFE_RECIPE_DEPS")),
    }).finally(() => {
      if (userUmask !== null) process.umask(userUmask);
      return stats?.close();
    });
    if (stats?.recorded) {
      // The report is for people: when it cannot be drawn, the build's result stands. Loaded
      // here: a build where every task was current records nothing and draws no report.
      try {
        const { writeReport } = await import("../report/index.js");
        ui.message("note", `build report: ${writeReport(stats.dir)}`);
      } catch (err) {
        ui.message("warning", `build report not written: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (dumping) return 0;
    if (summary.interrupted) return 130;
    return succeeded(summary) ? 0 : 1;
  } finally {
    ui.close();
  }
}
