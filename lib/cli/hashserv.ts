// `bake hashserv`: runs a hash-equivalence server until SIGINT/SIGTERM. Options follow
// bitbake-hashserv, including its HASHSERVER_* environment fallbacks.
import { parseArgs } from "node:util";
import { HashservAddressError, HashservConfigError, startHashserv } from "../sstate/hashserv/index.js";
import { interrupted, terminal, type CommandLines } from "./io.js";

const USAGE = `usage: bake hashserv --bind ADDR --db DIR [--read-only] [--upstream ADDR]
                     [--admin-user USER --admin-password PASSWORD] [--anon-perms PERM,...] [--quiet]

  --bind ADDR         HOST:PORT, unix://PATH or ws://HOST:PORT ($HASHSERVER_BIND)
  --db DIR            LevelDB database directory ($HASHSERVER_DB)
  --read-only         refuse writes; reports are answered but not recorded ($HASHSERVER_READ_ONLY=1)
  --upstream ADDR     ask this server on misses and keep what it knows ($HASHSERVER_UPSTREAM)
  --admin-user USER   create or reset USER with @all permissions ($HASHSERVER_ADMIN_USER)
  --admin-password P  that user's token ($HASHSERVER_ADMIN_PASSWORD)
  --anon-perms LIST   permissions of unauthenticated clients, from @none @read @report @db-admin
                      (default "@read"; BitBake's is "@read,@report,@db-admin"; $HASHSERVER_ANON_PERMS)
  --quiet             do not log connections and refusals`;

export interface HashservCommandIO extends CommandLines {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves when the server should stop; default SIGINT/SIGTERM. */
  readonly stopped?: Promise<void>;
}

export async function hashservCommand(argv: string[], io: HashservCommandIO = { ...terminal, env: process.env }): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        bind: { type: "string", short: "b" },
        db: { type: "string", short: "d" },
        database: { type: "string" },
        "read-only": { type: "boolean", short: "r" },
        upstream: { type: "string", short: "u" },
        "admin-user": { type: "string" },
        "admin-password": { type: "string" },
        "anon-perms": { type: "string" },
        quiet: { type: "boolean", short: "q" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    io.err(`bake hashserv: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    io.out(USAGE);
    return 0;
  }
  const env = io.env;
  const str = (v: string | boolean | undefined): string | undefined => (typeof v === "string" ? v : undefined);
  const bind = str(values.bind) ?? env.HASHSERVER_BIND;
  const db = str(values.db) ?? str(values.database) ?? env.HASHSERVER_DB;
  if (bind === undefined || db === undefined) {
    io.err(`bake hashserv: --bind and --db are required\n${USAGE}`);
    return 2;
  }
  const anon = str(values["anon-perms"]) ?? env.HASHSERVER_ANON_PERMS;
  const quiet = values.quiet === true;
  const anonPermissions = anon === undefined ? undefined : anon.split(anon.includes(",") ? "," : /\s+/).filter((p) => p !== "");
  if (anonPermissions?.includes("@db-admin")) {
    // Not silenced by --quiet: this is a decision someone should see every time the server starts.
    io.err(
      "bake hashserv: WARNING: anonymous clients have @db-admin: anyone who can connect can remove, reset and garbage-collect\n" +
        "bake hashserv: WARNING: this server's equivalences. Give @db-admin to a user instead (--admin-user, then new-user).",
    );
  }
  const log = (message: string): void => {
    if (!quiet) io.err(`hashserv: ${message}`);
  };

  try {
    const server = await startHashserv({
      bind,
      db,
      readOnly: values["read-only"] === true || env.HASHSERVER_READ_ONLY === "1",
      upstream: str(values.upstream) ?? env.HASHSERVER_UPSTREAM,
      adminUser: str(values["admin-user"]) ?? env.HASHSERVER_ADMIN_USER,
      adminPassword: str(values["admin-password"]) ?? env.HASHSERVER_ADMIN_PASSWORD,
      // BitBake accepts the list comma- or space-separated.
      ...(anonPermissions === undefined ? {} : { anonPermissions }),
      log,
    });
    io.out(`Listening on ${server.address}`);
    await (io.stopped ?? interrupted());
    await server.close();
    return 0;
  } catch (e) {
    if (e instanceof HashservConfigError || e instanceof HashservAddressError) {
      io.err(`bake hashserv: ${e.message}`);
      return 2;
    }
    io.err(`bake hashserv: ${(e as Error).message}`);
    return 1;
  }
}
