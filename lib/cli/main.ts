// bake's command line: `bake [options] TARGET…` and the `bake SUBCOMMAND …` family.
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { ExpansionError, FatalError as DataFatalError } from "../data/index.js";
import { parseRecipe, parseRecipeVariants } from "../evaluate/index.js";
import { ConfigurationError, RecipeParseFailures } from "../config/index.js";
import { DependencyLoop, NothingProvides, UnknownTask } from "../graph/index.js";
import { BuildLockHeld, DependencyCycle, SstateSettingError, StampBaseMissing } from "../run/index.js";
import { BblayersConfError, LayerSetupError, LayersFileError } from "../setup/index.js";
import { MetadataError } from "../parse/index.js";
import { loadConfiguration, passthroughVariables, UsageError, type CommonOptions } from "./context.js";
import { MissingHostTools } from "./host-tools.js";
import { providerOf } from "./prepare.js";
import { formatEnvironment, formatVariable } from "./environment.js";
import { buildCommand } from "./build.js";
import { layersCommand } from "./layers.js";
import { runHashserv } from "../sstate/hashserv/index.js";
import { KeyError, MirrorSyntaxError, runSstateCommand } from "../sstate/index.js";
import { SigDataError } from "../signature/index.js";
import { diffsigsCommand } from "./diffsigs.js";
import { sstateBuildContext } from "./sstate.js";

/** Exit codes: 0 success, 1 a build or metadata failure, 2 bad usage. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const MAIN_HELP = `usage: bake [options] TARGET...
       bake SUBCOMMAND [options]

Build TARGETs (recipes) with the configuration of the build directory (the nearest directory
holding conf/bblayers.conf, from the current directory upwards).

options:
  -c, --cmd TASK       run TASK of each target (default BB_DEFAULT_TASK); -c listtasks lists them
  -f, --force          run the target tasks even if their stamps are current
  -C, --clear-stamp T  invalidate task T (or T1,T2) of the targets, then run the default task
  -k, --continue       go on with what does not depend on a failure
  -n, --dry-run        go through the motions without running anything
  -p, --parse-only     parse every recipe and stop
  -g, --graphviz       write task-depends.dot, pn-buildlist and task-depends.json, and stop
      --runall T       also run task T of every recipe in the targets' graph
      --runonly T      run only task T (and what it needs) of every recipe in the graph
  -q, --quiet          plain output: warnings, errors and the summary only
  -e, --environment    print the finalised environment of TARGET (or the configuration), with history
  -b, --buildfile FILE use this recipe file instead of looking TARGET up
  -S, --dump-signatures none
                       write the signature data of every task (beside its stamp) and stop
  -v, --verbose        trace shell tasks into their logs (set -x; BB_VERBOSE_LOGS = "1")
  -D, --debug          also print the recipe and task of every noexec and current task

Variables named in BB_ENV_PASSTHROUGH_ADDITIONS (and MACHINE, DISTRO, DL_DIR, SSTATE_DIR,
SSTATE_MIRRORS, BB_NO_NETWORK, BB_NUMBER_THREADS, TMPDIR, … by default) are taken from the
environment: \`MACHINE=qemuarm64 bake -e\`.
  -h, --help           this help

subcommands:
  getvar [-r RECIPE] VAR [--value] [--flag F]   one variable, with its history
  layers show|show-recipes|show-appends|add-layer|remove-layer|fetch|lock|status
  hashserv --bind ADDR --db DIR [--read-only]  a hash-equivalence server
  sstate keygen|verify|attest|prune|push|serve  signing keys, the shared-state cache, publishing it
  diffsigs A B | -t RECIPE TASK               why two signatures of a task differ
  help                                        this help
`;

/**
 * The datastore that `-e`/`getvar` show: the configuration's, a recipe file's (-b), or the recipe
 * that provides a name, chosen as a build would choose it (all recipes parsed, from the cache).
 */
async function datastoreFor(common: CommonOptions, recipe: string | null, buildfile: string | null) {
  if (recipe === null && buildfile === null) {
    const config = loadConfiguration(common);
    for (const w of config.warnings) console.error(`WARNING: ${w}`);
    return config.metadata;
  }
  if (buildfile !== null) {
    const config = loadConfiguration(common);
    const parsed = parseRecipe(config.metadata, resolve(common.cwd, buildfile), [], config.files);
    if (parsed.skipped !== null) console.error(`NOTE: ${buildfile} is skipped: ${parsed.skipped}`);
    return parsed.metadata;
  }
  const { prepared, info } = await providerOf(common, recipe!);
  for (const w of prepared.warnings) console.error(`WARNING: ${w}`);
  const appends = prepared.collection.appends.get(info.file) ?? [];
  const [parsed] = parseRecipeVariants(prepared.config.metadata, info.file, appends, prepared.config.files, [info.variant]);
  return parsed!.metadata;
}

async function getvar(argv: string[], cwd: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      recipe: { type: "string", short: "r" },
      value: { type: "boolean" },
      flag: { type: "string", short: "f" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write("usage: bake getvar [-r RECIPE] VAR [--value] [--flag F]\n");
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("getvar wants exactly one variable name");
  const m = await datastoreFor({ cwd, vars: passthroughVariables(process.env) }, values.recipe ?? null, null);
  process.stdout.write(formatVariable(m.d, positionals[0]!, { valueOnly: values.value ?? false, flag: values.flag ?? null }));
  return 0;
}

async function bake(argv: string[], cwd: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      cmd: { type: "string", short: "c" },
      force: { type: "boolean", short: "f" },
      "clear-stamp": { type: "string", short: "C" },
      continue: { type: "boolean", short: "k" },
      "dry-run": { type: "boolean", short: "n" },
      "parse-only": { type: "boolean", short: "p" },
      graphviz: { type: "boolean", short: "g" },
      runall: { type: "string", multiple: true },
      runonly: { type: "string", multiple: true },
      quiet: { type: "boolean", short: "q" },
      environment: { type: "boolean", short: "e" },
      buildfile: { type: "string", short: "b" },
      "dump-signatures": { type: "string", short: "S" },
      verbose: { type: "boolean", short: "v", multiple: true },
      debug: { type: "boolean", short: "D", multiple: true },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(MAIN_HELP);
    return 0;
  }
  // -v traces shell tasks into their logs (BB_VERBOSE_LOGS, as BitBake's -v).
  const vars = passthroughVariables(process.env);
  const common = { cwd, vars: values.verbose ? { ...vars, BB_VERBOSE_LOGS: "1" } : vars };
  if (values.environment) {
    if (positionals.length > 1) throw new UsageError("-e shows one recipe at a time");
    const m = await datastoreFor(common, positionals[0] ?? null, values.buildfile ?? null);
    process.stdout.write(formatEnvironment(m));
    return 0;
  }
  return buildCommand(
    {
      targets: positionals,
      cmd: values.cmd ?? null,
      force: values.force ?? false,
      clearStamp: values["clear-stamp"] ?? null,
      keepGoing: values.continue ?? false,
      dryRun: values["dry-run"] ?? false,
      parseOnly: values["parse-only"] ?? false,
      graphviz: values.graphviz ?? false,
      buildfile: values.buildfile ?? null,
      runall: values.runall ?? [],
      runonly: values.runonly ?? [],
      quiet: values.quiet ?? false,
      debug: (values.debug?.length ?? 0) > 0,
      dumpSignatures: values["dump-signatures"] ?? null,
    },
    common,
  );
}

/** Failures that are the user's to fix (metadata, configuration, layers): a message, not a stack. */
const EXPECTED_FAILURES: ReadonlyArray<abstract new (...args: never[]) => Error> = [
  ExpansionError, DataFatalError, ConfigurationError, RecipeParseFailures, NothingProvides, DependencyLoop,
  UnknownTask, DependencyCycle, SigDataError, KeyError, MirrorSyntaxError, BuildLockHeld, StampBaseMissing, LayersFileError, LayerSetupError, BblayersConfError,
  MissingHostTools, SstateSettingError,
];

function report(err: unknown): number {
  if (err instanceof UsageError) {
    console.error(`bake: ${err.message}`);
    return EXIT_USAGE;
  }
  if (err instanceof MetadataError) {
    console.error(`ERROR: ${err.format()}`);
    return EXIT_FAILURE;
  }
  if (EXPECTED_FAILURES.some((cls) => err instanceof cls)) {
    console.error(`ERROR: ${(err as Error).message}`);
    return EXIT_FAILURE;
  }
  if (err instanceof TypeError && (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    console.error(`bake: ${err.message}`);
    return EXIT_USAGE;
  }
  throw err;
}

/** The build directory's SSTATE_DIR and the keys its builds trust (as SharedState computes them). */
export async function main(argv: string[], cwd = process.cwd()): Promise<number> {
  try {
    switch (argv[0]) {
      case "getvar":
        return await getvar(argv.slice(1), cwd);
      case "layers":
        return await layersCommand(argv.slice(1), { cwd, vars: passthroughVariables(process.env) });
      case "hashserv":
        return await runHashserv(argv.slice(1));
      case "sstate":
        return await runSstateCommand(argv.slice(1), {
          out: (l) => void process.stdout.write(`${l}\n`),
          err: (l) => void process.stderr.write(`${l}\n`),
          env: process.env,
          cwd,
          build: () => sstateBuildContext(cwd),
        });
      case "diffsigs":
        return await diffsigsCommand(argv.slice(1), cwd);
      case "help":
        process.stdout.write(MAIN_HELP);
        return 0;
      default:
        return await bake(argv, cwd);
    }
  } catch (err) {
    return report(err);
  }
}
