// `bake sstate keygen|verify|attest|prune|push|serve`: the arguments, the build directory's shared
// state (the same SSTATE_DIR, keys and trust rules as its builds, so verify accepts what a build
// accepts), and the stage's reports turned into lines.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { findTopdir } from "../config/index.js";
import { resolveSigningKey, sstateSettings, trustPolicyOf } from "../setscene/index.js";
import {
  attestSstateDir,
  destinationFor,
  generateKeyPair,
  KeyError,
  loadSigningKey,
  parseTrustedKeys,
  parseTrustSpec,
  pruneSstate,
  PushError,
  pushSstate,
  ServeError,
  startMirrorServer,
  verifySstateDir,
  type Location,
  type TrustPolicy,
} from "../sstate/index.js";
import { loadConfiguration, passthroughVariables } from "./context.js";
import { interrupted, type CommandLines } from "./io.js";

/** What the build directory the command runs in trusts, and where it keeps its objects. */
export interface SstateBuildContext {
  readonly topdir: string;
  readonly sstateDir: string;
  /** Exactly the policy its builds use (SSTATE_TRUSTED_KEYS, own key, SSTATE_REQUIRED_SIGNATURES…). */
  readonly trust: TrustPolicy;
  /** Its signing key file; null when the user has none yet. */
  readonly signingKey: string | null;
}

export interface SstateCommandIO extends CommandLines {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /**
   * The build directory's shared state, for commands whose SSTATE_DIR, keys and trust default to
   * the build's (verify, attest, push). Absent or null outside a build directory.
   */
  readonly build?: () => Promise<SstateBuildContext | null>;
  /** Resolves when a long-running command (serve) should stop; default SIGINT/SIGTERM. */
  readonly stopped?: Promise<void>;
}

/** null outside a build directory. The user's key is not created here: none yet, none trusted. */
export async function sstateBuildContext(cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<SstateBuildContext | null> {
  if (findTopdir(cwd) === null) return null;
  const config = await loadConfiguration({ cwd, vars: passthroughVariables(env) });
  const settings = sstateSettings((name) => config.metadata.d.getVar(name), env);
  const signingKey = resolveSigningKey(settings, false);
  return { topdir: config.topdir, sstateDir: settings.sstateDir, trust: trustPolicyOf(settings, signingKey), signingKey };
}

const USAGE = `usage:
  bake sstate keygen NAME [--dir DIR]
      write DIR/NAME.key (secret, 0600) and DIR/NAME.pub (add it to SSTATE_TRUSTED_KEYS)
  bake sstate verify DIR [--trusted-key KEY]... [--required-signatures K] [--allow-unsigned]
      every object through the checks a restore makes (signatures, checksum, every member);
      trust: the --trusted-key entries (KEY or URL=KEY, as SSTATE_TRUSTED_KEYS), else what
      the build directory here trusts (DIR as its SSTATE_DIR, or as a file:// mirror),
      else $SSTATE_TRUSTED_KEYS
  bake sstate attest DIR [--key KEY] [--own SSTATE_DIR]
      sign the objects in DIR that your own builds made with the same bytes (default: the
      build directory's signing key and SSTATE_DIR)
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

function fileLocation(dir: string): (rel: string) => Location {
  // As a build reads a file:// mirror of that tree: `file://<dir>/<rel>`.
  return (rel) => `file://${join(dir, rel)}`;
}

/** Returns the process exit code: 0 success, 1 verification found problems, 2 usage error. */
export async function sstateCommand(argv: readonly string[], io: SstateCommandIO): Promise<number> {
  const build = async () => (await io.build?.()) ?? null;
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
          options: { "trusted-key": { type: "string", multiple: true }, "required-signatures": { type: "string" }, "allow-unsigned": { type: "boolean" } },
          allowPositionals: true,
        });
        if (positionals.length !== 1) break;
        const dir = resolve(io.cwd, positionals[0]!);
        const required = values["required-signatures"] === undefined ? undefined : Number(values["required-signatures"]);
        if (required !== undefined && !(Number.isInteger(required) && required >= 1)) {
          io.err(`--required-signatures wants a whole number, 1 or more, got ${values["required-signatures"]}`);
          return 2;
        }
        let trust: TrustPolicy;
        let location: (rel: string) => Location = fileLocation(dir);
        const ctx = values["trusted-key"] === undefined ? await build() : null;
        if (ctx) {
          trust = ctx.trust;
          if (resolve(ctx.sstateDir) === dir) {
            location = () => null;
            io.out(`trust: as the build directory ${ctx.topdir} trusts its SSTATE_DIR`);
          } else io.out(`trust: as the build directory ${ctx.topdir} trusts a mirror at file://${dir}/`);
        } else {
          const keys = parseTrustSpec(values["trusted-key"] ?? io.env.SSTATE_TRUSTED_KEYS ?? "");
          trust = { trustedKeys: keys.everywhere, scopedKeys: keys.scoped };
          if (keys.everywhere.length + keys.scoped.length === 0 && !values["allow-unsigned"])
            io.err("warning: no trusted keys given (--trusted-key or SSTATE_TRUSTED_KEYS) and no build directory here: every signed object will be refused");
        }
        trust = {
          ...trust,
          ...(values["allow-unsigned"] ? { allowUnsigned: true } : {}),
          ...(required === undefined ? {} : { requiredSignatures: required }),
        };
        const r = await verifySstateDir(dir, { trust, location });
        for (const f of r.refused) io.out(`REFUSED ${f.reason}: ${f.object}${f.member ? ` (member ${f.member})` : ""}: ${f.detail}`);
        for (const u of r.uncommitted) io.out(`uncommitted (archive without metadata, ignored): ${u}`);
        const reasons = Object.entries(r.byReason).map(([k, v]) => `${k} ${v}`).join(", ");
        const eqRefused = r.equivalences.total - r.equivalences.ok;
        io.out(
          `${r.total} objects: ${r.ok} ok, ${r.refused.length - eqRefused} refused${reasons ? ` (${reasons})` : ""}, ${r.uncommitted.length} uncommitted; ` +
            `${r.equivalences.total} equivalence records: ${r.equivalences.ok} ok`,
        );
        return r.refused.length === 0 ? 0 : 1;
      }
      case "attest": {
        const { values, positionals } = parseArgs({ args: rest, options: { key: { type: "string" }, own: { type: "string" } }, allowPositionals: true });
        if (positionals.length !== 1) break;
        const ctx = values.key === undefined || values.own === undefined ? await build() : null;
        const keyFile = values.key !== undefined ? resolve(io.cwd, values.key) : ctx?.signingKey;
        const own = values.own !== undefined ? resolve(io.cwd, values.own) : ctx?.sstateDir;
        if (!keyFile || !own) {
          io.err(`bake sstate attest: ${!keyFile ? "no signing key (--key, or a build directory whose builds signed objects)" : "no SSTATE_DIR of your own builds (--own, or run in a build directory)"}`);
          return 2;
        }
        const key = loadSigningKey(keyFile);
        const r = await attestSstateDir({ dir: resolve(io.cwd, positionals[0]!), ownSstateDir: own, key });
        for (const p of r.attested) io.out(`attested: ${p}`);
        for (const x of r.differ) io.out(`DIFFERS: ${x.path}: ${x.detail}`);
        for (const x of r.broken) io.out(`BROKEN (not signed): ${x.path}: ${x.detail}`);
        io.out(
          `attested ${r.attested.length} with ${key.name} (${key.keyId}); ${r.alreadySigned} already signed by it, ${r.notBuiltHere} not built here, ` +
            `${r.differ.length} built here with other bytes, ${r.broken.length} broken`,
        );
        return r.differ.length + r.broken.length === 0 ? 0 : 1;
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
        const ctx = values["sstate-dir"] !== undefined && values["trusted-key"] !== undefined ? null : await build();
        const sstateDir = values["sstate-dir"] !== undefined ? resolve(io.cwd, values["sstate-dir"]) : ctx?.sstateDir ?? io.env.SSTATE_DIR;
        if (sstateDir === undefined) {
          io.err("bake sstate push: no SSTATE_DIR (run it in a build directory, or give --sstate-dir DIR)");
          return 2;
        }
        // What SSTATE_DIR holds is pushed when a build there would use it: the same trust.
        const trust: TrustPolicy =
          values["trusted-key"] !== undefined || !ctx ? { trustedKeys: parseTrustedKeys(values["trusted-key"] ?? io.env.SSTATE_TRUSTED_KEYS ?? "") } : ctx.trust;
        if (trust.trustedKeys.length + (trust.scopedKeys?.length ?? 0) === 0 && !trust.ownKey)
          io.err("warning: no trusted keys (--trusted-key or SSTATE_TRUSTED_KEYS): nothing can be pushed");
        const dest = positionals[0]!;
        const r = await pushSstate({
          sstateDir,
          destination: destinationFor(/^[a-z][a-z0-9+.-]*:\/\//i.test(dest) ? dest : resolve(io.cwd, dest)),
          trust,
          concurrency: jobs,
          onObject: (e) => {
            if (e.kind === "refused") io.err(`not pushed (${e.refusal.reason}): ${e.refusal.object}: ${e.refusal.detail}`);
            else if (e.kind === "failed") io.err(`FAILED: ${e.message}`);
          },
        });
        io.out(
          `${r.total} objects: ${r.pushed} pushed (${formatBytes(r.bytes)}), ${r.present} already there, ` +
            `${r.refused.length} not verified or not signed by a trusted key, ${r.failed.length} failed` +
            `; equivalence records: ${r.equivalences.pushed} pushed, ${r.equivalences.present} already there`,
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
        await (io.stopped ?? interrupted());
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
