// `bake sstate keygen|verify|prune`, as a function of argv so the CLI only has to call it.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { pruneSstate } from "./prune.js";
import { PushError, destinationFor, pushSstate } from "./push.js";
import { ServeError, startMirrorServer } from "./serve.js";
import { KeyError, generateKeyPair, parseTrustedKeys, type PublicKeyInfo } from "./signing.js";
import { verifySstateDir } from "./verify.js";

export interface CommandIO {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /**
   * The build directory's shared state, for commands whose SSTATE_DIR and keys default to the
   * build's (push): its SSTATE_DIR and the keys a build there trusts (SSTATE_TRUSTED_KEYS and its
   * own signing key). Absent outside a build directory.
   */
  readonly build?: () => { readonly sstateDir: string; readonly trustedKeys: readonly PublicKeyInfo[] };
  /** Resolves when a long-running command (serve) should stop; default SIGINT/SIGTERM. */
  readonly stopped?: Promise<void>;
}

const defaultIO: CommandIO = {
  out: (l) => void process.stdout.write(`${l}\n`),
  err: (l) => void process.stderr.write(`${l}\n`),
  env: process.env,
  cwd: process.cwd(),
};

const USAGE = `usage:
  bake sstate keygen NAME [--dir DIR]
      write DIR/NAME.key (secret, 0600) and DIR/NAME.pub (add it to SSTATE_TRUSTED_KEYS)
  bake sstate verify SSTATE_DIR [--trusted-key KEY]... [--allow-unsigned] [--deep]
      check every object's checksum and signature (KEY: a .pub path or name:base64;
      default: $SSTATE_TRUSTED_KEYS); --deep also checks every archive member
  bake sstate prune SSTATE_DIR [--older-than DAYS] [--keep FILE] [--dry-run]
      remove objects unused for DAYS days and/or not listed in FILE (unihashes or names)
  bake sstate push DEST [--sstate-dir DIR] [--trusted-key KEY]... [--jobs N]
      publish every verified object signed by a trusted key (default: the build directory's
      SSTATE_DIR, SSTATE_TRUSTED_KEYS and signing key) to DEST, a directory or an http(s)://
      URL accepting PUT; archive first, metadata last; what DEST has is skipped
  bake sstate serve DIR [--bind HOST:PORT] [--quiet]
      a read-only HTTP mirror of DIR (default 127.0.0.1:8080), for SSTATE_MIRRORS`;

function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

function signalled(): Promise<void> {
  return new Promise((res) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      res();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** Returns the process exit code: 0 success, 1 verification found problems, 2 usage error. */
export async function runSstateCommand(argv: readonly string[], io: CommandIO = defaultIO): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case "keygen": {
        const { values, positionals } = parseArgs({ args: rest, options: { dir: { type: "string" } }, allowPositionals: true });
        if (positionals.length !== 1) break;
        const g = generateKeyPair(resolve(io.cwd, values.dir ?? "."), positionals[0]!);
        io.out(`secret key: ${g.keyFile} (keep it private; set SSTATE_SIGNING_KEY to it)`);
        io.out(`public key: ${g.pubFile} (${g.keyId}; add it to SSTATE_TRUSTED_KEYS where objects are consumed)`);
        return 0;
      }
      case "verify": {
        const { values, positionals } = parseArgs({
          args: rest,
          options: { "trusted-key": { type: "string", multiple: true }, "allow-unsigned": { type: "boolean" }, deep: { type: "boolean" } },
          allowPositionals: true,
        });
        if (positionals.length !== 1) break;
        const keys = parseTrustedKeys(values["trusted-key"] ?? io.env.SSTATE_TRUSTED_KEYS ?? "");
        if (keys.length === 0 && !values["allow-unsigned"]) io.err("warning: no trusted keys given (--trusted-key or SSTATE_TRUSTED_KEYS): every signed object will be refused");
        const r = await verifySstateDir(resolve(io.cwd, positionals[0]!), {
          trust: { trustedKeys: keys, allowUnsigned: values["allow-unsigned"] ?? false },
          deep: values.deep ?? false,
        });
        for (const f of r.refused) io.out(`REFUSED ${f.reason}: ${f.object}${f.member ? ` (member ${f.member})` : ""}: ${f.detail}`);
        for (const u of r.uncommitted) io.out(`uncommitted (archive without metadata, ignored): ${u}`);
        const reasons = Object.entries(r.byReason).map(([k, v]) => `${k} ${v}`).join(", ");
        io.out(`${r.total} objects: ${r.ok} ok, ${r.refused.length} refused${reasons ? ` (${reasons})` : ""}, ${r.uncommitted.length} uncommitted`);
        return r.refused.length === 0 ? 0 : 1;
      }
      case "prune": {
        const { values, positionals } = parseArgs({
          args: rest,
          options: { "older-than": { type: "string" }, keep: { type: "string" }, "dry-run": { type: "boolean" } },
          allowPositionals: true,
        });
        if (positionals.length !== 1) break;
        const days = values["older-than"] === undefined ? undefined : Number(values["older-than"]);
        if (days !== undefined && !(days >= 0)) {
          io.err(`--older-than wants a number of days, got ${values["older-than"]}`);
          return 2;
        }
        const keep =
          values.keep === undefined
            ? undefined
            : new Set(readFileSync(resolve(io.cwd, values.keep), "utf8").split(/\s+/).filter(Boolean));
        if (days === undefined && keep === undefined) break;
        const r = pruneSstate({
          sstateDir: resolve(io.cwd, positionals[0]!),
          ...(days === undefined ? {} : { olderThanDays: days }),
          ...(keep === undefined ? {} : { keep }),
          dryRun: values["dry-run"] ?? false,
        });
        const verb = values["dry-run"] ? "would remove" : "removed";
        io.out(`${verb} ${r.removedObjects} objects and ${r.removedLeftovers} leftovers, ${formatBytes(r.freedBytes)}; kept ${r.keptObjects}`);
        return 0;
      }
      case "push": {
        const { values, positionals } = parseArgs({
          args: rest,
          options: { "sstate-dir": { type: "string" }, "trusted-key": { type: "string", multiple: true }, jobs: { type: "string", short: "j" } },
          allowPositionals: true,
        });
        if (positionals.length !== 1) break;
        const jobs = values.jobs === undefined ? 4 : Number(values.jobs);
        if (!Number.isInteger(jobs) || jobs < 1) {
          io.err(`--jobs wants a positive number, got ${values.jobs}`);
          return 2;
        }
        const build = values["sstate-dir"] !== undefined && values["trusted-key"] !== undefined ? undefined : io.build?.();
        const sstateDir = values["sstate-dir"] !== undefined ? resolve(io.cwd, values["sstate-dir"]) : build?.sstateDir ?? io.env.SSTATE_DIR;
        if (sstateDir === undefined) {
          io.err("bake sstate push: no SSTATE_DIR (run it in a build directory, or give --sstate-dir DIR)");
          return 2;
        }
        const keys = values["trusted-key"] !== undefined ? parseTrustedKeys(values["trusted-key"]) : build?.trustedKeys ?? parseTrustedKeys(io.env.SSTATE_TRUSTED_KEYS ?? "");
        if (keys.length === 0) io.err("warning: no trusted keys (--trusted-key or SSTATE_TRUSTED_KEYS): nothing can be pushed");
        const dest = positionals[0]!;
        const r = await pushSstate({
          sstateDir,
          destination: destinationFor(/^[a-z][a-z0-9+.-]*:\/\//i.test(dest) ? dest : resolve(io.cwd, dest)),
          trust: { trustedKeys: keys },
          concurrency: jobs,
          onObject: (e) => {
            if (e.kind === "refused") io.err(`not pushed (${e.refusal.reason}): ${e.refusal.object}: ${e.refusal.detail}`);
            else if (e.kind === "failed") io.err(`FAILED: ${e.message}`);
          },
        });
        io.out(
          `${r.total} objects: ${r.pushed} pushed (${formatBytes(r.bytes)}), ${r.present} already there, ` +
            `${r.refused.length} not verified or not signed by a trusted key, ${r.failed.length} failed`,
        );
        // Refusals are the policy working; a failed upload means DEST lacks something it should have.
        return r.failed.length === 0 ? 0 : 1;
      }
      case "serve": {
        const { values, positionals } = parseArgs({
          args: rest,
          options: { bind: { type: "string", short: "b" }, quiet: { type: "boolean", short: "q" } },
          allowPositionals: true,
        });
        if (positionals.length !== 1) break;
        const server = await startMirrorServer({
          root: resolve(io.cwd, positionals[0]!),
          bind: values.bind ?? "127.0.0.1:8080",
          ...(values.quiet ? {} : { log: io.err }),
        });
        io.out(`Serving ${resolve(io.cwd, positionals[0]!)} read-only at ${server.url}`);
        io.out(`SSTATE_MIRRORS = "file://.* ${server.url}PATH"`);
        await (io.stopped ?? signalled());
        await server.close();
        return 0;
      }
      default:
        break;
    }
  } catch (e) {
    if (e instanceof ServeError || e instanceof PushError) {
      io.err(`bake sstate ${sub}: ${e.message}`);
      return e instanceof ServeError ? 2 : 1;
    }
    if (e instanceof KeyError || (e as NodeJS.ErrnoException).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" || (e as NodeJS.ErrnoException).code === "ENOENT") {
      io.err(`bake sstate ${sub}: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  }
  io.err(USAGE);
  return 2;
}
