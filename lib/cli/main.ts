// bake's command line: `bake [options] TARGET…` and the `bake SUBCOMMAND …` family.
//
// Only node's own modules, ../errors.js and the small modules of cli/ that name no stage are loaded
// up front: each command imports the stages it needs when it runs, so `bake --help` and
// `bake --version` load nothing of the pipeline.
import { parseArgs } from "node:util";
import { isBakeError } from "../common/errors.js";
import { passthroughVariables, UsageError, type CommonOptions } from "./options.js";
import { bakeVersion, buildOptions, confFileVariables } from "./build-options.js";
import { describeFailure, EXIT_USAGE } from "./failure.js";
import { terminal } from "./io.js";

export { EXIT_FAILURE, EXIT_USAGE } from "./failure.js";

const MAIN_HELP = `usage: bake [options] TARGET...
       bake SUBCOMMAND [options]

Build TARGETs (recipes) with the configuration of the build directory (the nearest directory
holding conf/bblayers.conf, from the current directory upwards).

options:
  -s, --show-versions  show the latest and the preferred version of every recipe
  -e, --environment    print the finalised environment of TARGET (or the configuration), with history
  -g, --graphviz       write task-depends.dot and pn-buildlist (BitBake's formats) and
                       task-depends.json, and stop
  -u, --ui UI          knotty (default) or taskexp (a text-mode task dependency explorer)
      --version        print bake's version
  -c, --cmd TASK       run TASK of each target (default BB_DEFAULT_TASK); -c listtasks lists them
  -f, --force          run the target tasks even if their stamps are current
  -C, --clear-stamp T  invalidate task T (or T1,T2) of the targets, then run the default task
      --runall T       also run task T of every recipe in the targets' graph
      --runonly T      run only task T (and what it needs) of every recipe in the graph
      --no-setscene    restore nothing from shared state; earlier restores do not count: build it all
      --skip-setscene  restore nothing from shared state; what earlier builds restored stays done
      --setscene-only  restore from shared state and run nothing else
  -n, --dry-run        go through the motions without running anything
  -p, --parse-only     parse every recipe and stop
  -k, --continue       go on with what does not depend on a failure
  -S, --dump-signatures none|printdiff
                       write the signature data of every task (beside its stamp) and stop;
                       printdiff also says where and why the signatures differ from the most
                       recent ones recorded
  -b, --buildfile FILE use this recipe file instead of looking TARGET up
  -D, --debug          also print the recipe and task of every noexec and current task
  -v, --verbose        trace shell tasks into their logs (set -x; BB_VERBOSE_LOGS = "1")
  -q, --quiet          plain output: warnings, errors and the summary only
  -w, --write-log FILE write every build event to FILE, one JSON object a line ('' names it
                       bake_eventlog_<time>.json; default $BBEVENTLOG)
  -r, --read FILE      read FILE before conf/bblayers.conf (also $BBPRECONF)
  -R, --postread FILE  read FILE after conf/bake.conf (also $BBPOSTCONF)
  -I, --ignore-deps N  take N as provided (ASSUME_PROVIDED += N)
  -h, --help           this help

Variables named in BB_ENV_PASSTHROUGH_ADDITIONS (and MACHINE, DISTRO, DL_DIR, SSTATE_DIR,
SSTATE_MIRRORS, BB_NO_NETWORK, BB_NUMBER_THREADS, TMPDIR, … by default) are taken from the
environment: \`MACHINE=qemuarm64 bake -e\`.

subcommands:
  getvar [-r RECIPE] VAR [--value [-f F] [-u]]  one variable, with its history (bitbake-getvar)
  layers show|show-recipes|show-appends|show-overlayed|show-cross-depends|create-layer|
         add-layer|remove-layer|fetch|lock|status
  hashserv --bind ADDR --db DIR [--read-only]  a hash-equivalence server
  sstate keygen|verify|attest|prune|push|serve  signing keys, the shared-state cache, publishing it
  diffsigs A B | -t RECIPE TASK               why two signatures of a task differ
  report [BUILD] [-o FILE]                    a build's timeline, CPU use and shared state, as HTML
  help                                        this help
`;

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
      "dump-signatures": { type: "string", short: "S", multiple: true },
      verbose: { type: "boolean", short: "v", multiple: true },
      debug: { type: "boolean", short: "D", multiple: true },
      "show-versions": { type: "boolean", short: "s" },
      ui: { type: "string", short: "u" },
      "no-setscene": { type: "boolean" },
      "skip-setscene": { type: "boolean" },
      "setscene-only": { type: "boolean" },
      "write-log": { type: "string", short: "w" },
      read: { type: "string", short: "r", multiple: true },
      postread: { type: "string", short: "R", multiple: true },
      "ignore-deps": { type: "string", short: "I", multiple: true },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean" },
    },
  });
  if (values.help) {
    process.stdout.write(MAIN_HELP);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`bake Build Tool version ${bakeVersion()}\n`);
    return 0;
  }
  if (values.quiet && values.verbose) throw new UsageError("error: options --quiet and --verbose are mutually exclusive");
  if (values.quiet && values.debug) throw new UsageError("error: options --quiet and --debug are mutually exclusive");
  const options = buildOptions(values, process.env);
  // -v traces shell tasks into their logs (BB_VERBOSE_LOGS, as BitBake's -v).
  const vars = { ...passthroughVariables(process.env), ...confFileVariables(values.read ?? [], values.postread ?? [], process.env, cwd) };
  const common = { cwd, vars: values.verbose ? { ...vars, BB_VERBOSE_LOGS: "1" } : vars };
  if (values.environment) {
    if (positionals.length > 1) throw new UsageError("-e shows one recipe at a time");
    const { datastoreFor } = await import("./datastore.js");
    const m = await datastoreFor(common, positionals[0] ?? null, values.buildfile ?? null);
    const { formatEnvironment } = await import("./environment.js");
    process.stdout.write(formatEnvironment(m));
    return 0;
  }
  const { buildCommand } = await import("./build.js");
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
      ...options,
    },
    common,
  );
}

/** An expected failure is a message and an exit code; anything else is a bug, and keeps its stack. */
function report(err: unknown): number {
  if (err instanceof TypeError && (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    console.error(`bake: ${err.message}`);
    return EXIT_USAGE;
  }
  if (!isBakeError(err)) throw err;
  const { text, exitCode } = describeFailure(err);
  console.error(text);
  return exitCode;
}

export async function main(argv: string[], cwd = process.cwd()): Promise<number> {
  try {
    switch (argv[0]) {
      case "getvar":
        return await (await import("./getvar.js")).getvarCommand(argv.slice(1), cwd);
      case "layers":
        return await (await import("./layers.js")).layersCommand(argv.slice(1), { cwd, vars: passthroughVariables(process.env) });
      case "hashserv":
        return await (await import("./hashserv.js")).hashservCommand(argv.slice(1));
      case "sstate":
      {
        const { sstateCommand, sstateBuildContext } = await import("./sstate.js");
        return await sstateCommand(argv.slice(1), {
          ...terminal,
          env: process.env,
          cwd,
          build: () => sstateBuildContext(cwd),
        });
      }
      case "diffsigs":
        return await (await import("./diffsigs.js")).diffsigsCommand(argv.slice(1), cwd);
      case "report":
        return await (await import("./report.js")).reportCommand(argv.slice(1), cwd);
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
