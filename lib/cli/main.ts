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
import { MAIN_HELP, versionText } from "./help.js";

export { EXIT_FAILURE, EXIT_USAGE } from "./failure.js";


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
    process.stdout.write(versionText(bakeVersion()));
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
    const [{ datastoreFor }, { formatEnvironment }, { messageCountLines }] = await Promise.all([
      import("./datastore.js"),
      import("./environment.js"),
      import("../ui/messages.js"),
    ]);
    const { value: shown, warnings } = await datastoreFor(common, positionals[0] ?? null, values.buildfile ?? null, false, formatEnvironment);
    process.stdout.write(shown);
    // BitBake's closing count of the warnings said, after a blank line.
    const count = messageCountLines(warnings, 0);
    if (count.length > 0) process.stdout.write(`${shown.endsWith("\n") ? "" : "\n"}\n${count.join("\n")}\n`);
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
