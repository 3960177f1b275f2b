// `bake hashserv`: runs a hash-equivalence server until SIGINT/SIGTERM. Options follow
// bitbake-hashserv, including its HASHSERVER_* environment fallbacks.
import { parseArgs } from "node:util";
import { HashservAddressError } from "./address.js";
import { HashservConfigError } from "./errors.js";
import { startHashserv } from "./server.js";

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

export async function runHashserv(argv: string[]): Promise<number> {
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
    process.stderr.write(`bake hashserv: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const env = process.env;
  const str = (v: string | boolean | undefined): string | undefined => (typeof v === "string" ? v : undefined);
  const bind = str(values.bind) ?? env.HASHSERVER_BIND;
  const db = str(values.db) ?? str(values.database) ?? env.HASHSERVER_DB;
  if (bind === undefined || db === undefined) {
    process.stderr.write(`bake hashserv: --bind and --db are required\n${USAGE}\n`);
    return 2;
  }
  const anon = str(values["anon-perms"]) ?? env.HASHSERVER_ANON_PERMS;
  const quiet = values.quiet === true;
  const anonPermissions = anon === undefined ? undefined : anon.split(anon.includes(",") ? "," : /\s+/).filter((p) => p !== "");
  if (anonPermissions?.includes("@db-admin")) {
    // Not silenced by --quiet: this is a decision someone should see every time the server starts.
    process.stderr.write(
      "bake hashserv: WARNING: anonymous clients have @db-admin: anyone who can connect can remove, reset and garbage-collect\n" +
        "bake hashserv: WARNING: this server's equivalences. Give @db-admin to a user instead (--admin-user, then new-user).\n",
    );
  }
  const log = (message: string): void => {
    if (!quiet) process.stderr.write(`hashserv: ${message}\n`);
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
    process.stdout.write(`Listening on ${server.address}\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    await server.close();
    return 0;
  } catch (e) {
    if (e instanceof HashservConfigError || e instanceof HashservAddressError) {
      process.stderr.write(`bake hashserv: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`bake hashserv: ${(e as Error).message}\n`);
    return 1;
  }
}
