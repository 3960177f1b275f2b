// Command-line basics every command shares, kept free of the pipeline stages so that `bake --help`
// and the dispatch in main.ts load nothing else.
import { BakeError } from "../common/errors.js";

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    usage: UsageError;
  }
}

export class UsageError extends BakeError {
  readonly kind = "usage" as const;
  override readonly name = "UsageError";
}

export interface CommonOptions {
  /** Variables from the environment (see passthroughVariables), set before the configuration is read. */
  readonly vars: Readonly<Record<string, string>>;
  readonly cwd: string;
}

/**
 * Variables taken from bake's environment, as BitBake does: only names in BB_ENV_PASSTHROUGH (or,
 * by default, the list oe-init-build-env sets) plus BB_ENV_PASSTHROUGH_ADDITIONS. Everything else
 * in the environment is invisible to metadata, so a build does not depend on the shell it ran in.
 */
export const DEFAULT_ENV_PASSTHROUGH = [
  "BB_ENV_PASSTHROUGH_ADDITIONS", "BB_NO_NETWORK", "BB_NUMBER_THREADS", "BB_NUMBER_PARSE_THREADS",
  "BB_SETSCENE_ENFORCE", "BB_SRCREV_POLICY", "BB_VERIFY_DOWNLOADS", "BB_HASHSERVE", "DISTRO", "DL_DIR", "MACHINE", "PARALLEL_MAKE",
  "SSTATE_DIR", "SSTATE_MIRRORS", "SSTATE_TRUSTED_KEYS", "STAMPS_DIR", "TMPDIR",
  "HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "ALL_PROXY", "NO_PROXY", "no_proxy",
];

export function passthroughVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const words = (v: string | undefined) => (v ?? "").split(/\s+/).filter(Boolean);
  const names = new Set([
    ...(env.BB_ENV_PASSTHROUGH !== undefined ? words(env.BB_ENV_PASSTHROUGH) : DEFAULT_ENV_PASSTHROUGH),
    ...words(env.BB_ENV_PASSTHROUGH_ADDITIONS),
  ]);
  const out: Record<string, string> = {};
  for (const name of [...names].sort()) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
