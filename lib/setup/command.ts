// `bake layers fetch|lock|status`: argument parsing, the run's context, and errors turned into
// messages and exit codes (0 success, 1 failure or — for status — a difference, 2 bad usage).
import { parseArgs } from "node:util";
import { PACKAGE_ROOT } from "../install.js";
import { type Output, type SetupContext } from "./context.js";
import { BblayersConfError, LayersFileError, LayerSetupError } from "./errors.js";
import { fetchLayers } from "./fetch.js";
import { gitCli } from "./git.js";
import { lockLayers } from "./lock.js";
import { layersStatus } from "./status.js";

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

With BB_NO_NETWORK=1 in the environment, fetch uses what is already in layers/.
`;

export interface LayersSetupOptions {
  /** The build directory (conf/bblayers.conf, layers/). */
  readonly topdir: string;
  /** Where the shipped layers are; bake's own tree by default. */
  readonly shippedRoot?: string;
  /** For BB_NO_NETWORK and git's own environment; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
  readonly stdout?: Output;
  readonly stderr?: Output;
}

/** The root of bake's tree. */
const BAKE_ROOT = PACKAGE_ROOT + "/";

function offlineReason(env: NodeJS.ProcessEnv): string | null {
  const value = env.BB_NO_NETWORK;
  return value !== undefined && /^(1|yes|true|on)$/i.test(value.trim()) ? `BB_NO_NETWORK=${value}` : null;
}

class UsageError extends Error {}

async function dispatch(argv: string[], ctx: SetupContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: "boolean", short: "h" }, force: { type: "boolean", short: "f" } },
  });
  const [command, ...rest] = positionals;
  if (values.help) {
    ctx.stdout.write(LAYERS_HELP);
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
export async function runLayersSetup(argv: string[], opts: LayersSetupOptions): Promise<number> {
  const env = opts.env ?? process.env;
  const ctx: SetupContext = {
    topdir: opts.topdir,
    shippedRoot: opts.shippedRoot ?? BAKE_ROOT,
    git: gitCli(env),
    offline: offlineReason(env),
    stdout: opts.stdout ?? process.stdout,
    stderr: opts.stderr ?? process.stderr,
  };
  try {
    return await dispatch(argv, ctx);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      ctx.stderr.write(`bake layers: ${(err as Error).message}\n${LAYERS_HELP}`);
      return 2;
    }
    if (err instanceof LayersFileError || err instanceof LayerSetupError || err instanceof BblayersConfError) {
      ctx.stderr.write(`ERROR: ${err.message.split("\n").join("\nERROR: ")}\n`);
      return 1;
    }
    throw err;
  }
}
