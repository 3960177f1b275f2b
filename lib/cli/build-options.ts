// BitBake's options beyond the basics, turned into what a build takes: -s, -u, -S, the setscene
// switches, -w, -r/-R, -I. Their checks and messages are BitBake's (argparse's for -S, main.py's
// for -u), so scripts written for bitbake get the same answers.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { BakeError } from "../common/errors.js";
import { UsageError } from "./options.js";
import { packagePath } from "../common/install.js";

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    "fatal-option": FatalOptionError;
  }
}
import type { SetsceneMode } from "../run/index.js";

export const SIGNATURE_HANDLERS = ["none", "printdiff"] as const;
export type SignatureHandler = (typeof SIGNATURE_HANDLERS)[number];
export const UIS = ["knotty", "taskexp"] as const;
export type UiName = (typeof UIS)[number];

/** bin/bake.js's package version (package.json at the repository root). */
export function bakeVersion(): string {
  const pkg = JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { version: string };
  return pkg.version;
}

/** An error for which BitBake prints "FATAL: …" and exits 1 (not a usage error). */
export class FatalOptionError extends BakeError {
  readonly kind = "fatal-option" as const;
  override readonly name = "FatalOptionError";
}

export interface BuildOptionValues {
  readonly "show-versions"?: boolean;
  readonly ui?: string;
  readonly "dump-signatures"?: string[];
  readonly "no-setscene"?: boolean;
  readonly "skip-setscene"?: boolean;
  readonly "setscene-only"?: boolean;
  readonly "write-log"?: string;
  readonly "ignore-deps"?: string[];
}

export interface BuildOptionArgs {
  readonly showVersions: boolean;
  readonly ui: UiName;
  /** `-S`: which handlers were given (none, printdiff); null without -S. */
  readonly dumpSignatures: readonly SignatureHandler[] | null;
  readonly setscene: SetsceneMode;
  /** `-w` (or $BBEVENTLOG): the event log's file name; "" lets bake name it. */
  readonly eventLog: string | null;
  /** `-I`: names taken as provided, on top of ASSUME_PROVIDED. */
  readonly ignoreDeps: readonly string[];
}

export function buildOptions(v: BuildOptionValues, env: NodeJS.ProcessEnv): BuildOptionArgs {
  const ui = v.ui ?? env["BITBAKE_UI"] ?? "knotty";
  if (!(UIS as readonly string[]).includes(ui)) {
    throw new FatalOptionError(`FATAL: Unable to import extension module "${ui}" from bake.ui. Valid extension modules: ${UIS.join(" or ")}`);
  }
  const handlers = v["dump-signatures"] ?? [];
  for (const h of handlers) {
    if (!(SIGNATURE_HANDLERS as readonly string[]).includes(h)) {
      throw new UsageError(`error: argument -S/--dump-signatures: invalid choice: '${h}' (choose from ${SIGNATURE_HANDLERS.map((x) => `'${x}'`).join(", ")})`);
    }
  }
  const switches = (["no-setscene", "skip-setscene", "setscene-only"] as const).filter((k) => v[k]);
  if (switches.length > 1) throw new UsageError(`error: --${switches[0]} and --${switches[1]} cannot be used together`);
  const setscene: SetsceneMode = v["no-setscene"] ? "none" : v["skip-setscene"] ? "skip" : v["setscene-only"] ? "only" : "normal";
  return {
    showVersions: v["show-versions"] ?? false,
    ui: ui as UiName,
    dumpSignatures: handlers.length > 0 ? (handlers as SignatureHandler[]) : null,
    setscene,
    eventLog: v["write-log"] ?? env["BBEVENTLOG"] ?? null,
    ignoreDeps: (v["ignore-deps"] ?? []).flatMap((x) => x.split(/\s+/)).filter(Boolean),
  };
}

/**
 * `-r`/`-R` files (after $BBPRECONF/$BBPOSTCONF, as BitBake appends them) as the BBPRECONF and
 * BBPOSTCONF variables the configuration reads; relative names are from the current directory
 * when such a file exists there, else left for the build directory and BBPATH.
 */
export function confFileVariables(read: readonly string[], postread: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Record<string, string> {
  const out: Record<string, string> = {};
  const place = (f: string) => {
    const here = resolve(cwd, f);
    try {
      readFileSync(here);
      return here;
    } catch {
      return f;
    }
  };
  const pre = [...read.map(place), ...(env["BBPRECONF"] ? [env["BBPRECONF"]] : [])];
  const post = [...postread.map(place), ...(env["BBPOSTCONF"] ? [env["BBPOSTCONF"]] : [])];
  if (pre.length > 0) out["BBPRECONF"] = pre.join(" ");
  if (post.length > 0) out["BBPOSTCONF"] = post.join(" ");
  return out;
}
