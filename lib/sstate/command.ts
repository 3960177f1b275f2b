// `bake sstate keygen|verify|prune`, as a function of argv so the CLI only has to call it.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { pruneSstate } from "./prune.js";
import { KeyError, generateKeyPair, parseTrustedKeys } from "./signing.js";
import { verifySstateDir } from "./verify.js";

export interface CommandIO {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
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
      remove objects unused for DAYS days and/or not listed in FILE (unihashes or names)`;

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
      default:
        break;
    }
  } catch (e) {
    if (e instanceof KeyError || (e as NodeJS.ErrnoException).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" || (e as NodeJS.ErrnoException).code === "ENOENT") {
      io.err(`bake sstate ${sub}: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  }
  io.err(USAGE);
  return 2;
}
