// `bake layers fetch|lock|status`: the arguments, the stage's messages as lines, and errors turned
// into messages and exit codes (0 success, 1 failure or — for status — a difference, 2 bad usage).
import { parseArgs } from "node:util";
import { isBakeError } from "../common/errors.js";
import {
  fetchLayers,
  layersStatus,
  lockLayers,
  setupContext,
  type SetupContext,
  type SetupMessage,
} from "../setup/index.js";
import { describeFailure } from "./failure.js";
import { terminal, type CommandLines } from "./io.js";
import { UsageError } from "./options.js";

export const LAYERS_HELP = `usage: bake layers fetch [--force]
       bake layers lock
       bake layers status

Set up the layers that layers/layers.json lists (meta-core, meta-bootstrap and meta-containers
are always there and need no entry).

  fetch    clone or update each repository into layers/<name> at its revision (the lock's, else
           the pinned one, else the branch head), write conf/bblayers.conf, check the layers
           (LAYERDEPENDS, LAYERSERIES_COMPAT); --force discards local changes in the checkouts
  lock     record the revision each checkout is at in layers/layers.lock.json
  status   show what differs from the lock: other revisions, local changes, a stale
           conf/bblayers.conf; exit status 1 when anything differs

With BB_NO_NETWORK=1 in the environment, fetch uses what is already in layers/.`;

export interface LayersSetupOptions {
  /** The build directory (conf/bblayers.conf, layers/). */
  readonly topdir: string;
  /** Where the shipped layers are; bake's own tree by default. */
  readonly shippedRoot?: string;
  /** For BB_NO_NETWORK and git's own environment; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
  readonly io?: CommandLines;
}

function printer(io: CommandLines): (m: SetupMessage) => void {
  return (m) => {
    switch (m.level) {
      case "info":
        return io.out(m.text);
      case "note":
        return io.err(`NOTE: ${m.text}`);
      case "warning":
        return io.err(`WARNING: ${m.text}`);
      case "error":
        return io.err(`ERROR: ${m.text}`);
      case "failure":
        return io.err(describeFailure(m.error).text);
    }
  };
}

async function dispatch(argv: string[], ctx: SetupContext, io: CommandLines): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: "boolean", short: "h" }, force: { type: "boolean", short: "f" } },
  });
  const [command, ...rest] = positionals;
  if (values.help) {
    io.out(LAYERS_HELP);
    return 0;
  }
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  if (values.force && command !== "fetch") throw new UsageError("--force is an option of fetch only");
  switch (command) {
    case "fetch":
      return fetchLayers(ctx, { force: values.force ?? false });
    case "lock":
      return lockLayers(ctx);
    case "status":
      return layersStatus(ctx);
    case undefined:
      throw new UsageError("name a command: fetch, lock or status");
    default:
      throw new UsageError(`unknown command "${command}": fetch, lock or status`);
  }
}

/** `bake layers ARGV…` in the build directory `opts.topdir`; returns the exit code. */
export async function layersSetupCommand(argv: string[], opts: LayersSetupOptions): Promise<number> {
  const io = opts.io ?? terminal;
  const ctx = setupContext({
    topdir: opts.topdir,
    ...(opts.shippedRoot !== undefined ? { shippedRoot: opts.shippedRoot } : {}),
    env: opts.env ?? process.env,
    report: printer(io),
  });
  try {
    return await dispatch(argv, ctx, io);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.err(`bake layers: ${(err as Error).message}\n${LAYERS_HELP}`);
      return 2;
    }
    if (!isBakeError(err)) throw err;
    const { text, exitCode } = describeFailure(err);
    io.err(text);
    return exitCode;
  }
}
