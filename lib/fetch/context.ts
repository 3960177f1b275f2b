// What the fetcher needs from its caller. The engine's datastore implements FetchContext; tests
// use a plain map. Values come back already expanded.

export interface FetchContext {
  getVar(name: string): string | null;
  getVarFlag(name: string, flag: string): string | null;
}

export type FetchEvent =
  | { readonly type: "progress"; readonly url: string; readonly bytes: number; readonly total: number | null; readonly rate: number }
  /**
   * An entry was brought into DL_DIR (not sent when DL_DIR already had it): from where, its size
   * (null for a git clone) and how long it took, retries and mirrors tried included.
   */
  | {
      readonly type: "fetched";
      readonly url: string;
      readonly from: string;
      readonly origin: "premirror" | "upstream" | "mirror";
      readonly bytes: number | null;
      readonly seconds: number;
    }
  | { readonly type: "warning"; readonly url: string; readonly message: string }
  | { readonly type: "note"; readonly url: string; readonly message: string };

export interface HttpOptions {
  readonly connectTimeoutMs?: number;
  /** Longest silence while waiting for headers or body bytes. */
  readonly readTimeoutMs?: number;
  readonly maxRedirects?: number;
  /** Retries after the first attempt, for 5xx, 429 and connection errors. */
  readonly retries?: number;
  /** First backoff delay; doubles on each retry. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly userAgent?: string;
}

export interface AptOptions {
  /** How long a private `apt-get update` stays fresh. */
  readonly updateMaxAgeMs?: number;
  /** Where the system's apt configuration is read from (default /etc/apt). */
  readonly etcDir?: string;
}

export interface FetchOptions {
  readonly onEvent?: (event: FetchEvent) => void;
  readonly http?: HttpOptions;
  readonly apt?: AptOptions;
  /** How long to wait for another process's lock on the same download (default: 1 hour). */
  readonly lockTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** BitBake's bb.utils.to_boolean: the spellings recipes actually use. */
export function toBoolean(value: string | null | undefined, fallback = false): boolean {
  if (value === null || value === undefined || value.trim() === "") return fallback;
  const v = value.trim().toLowerCase();
  if (["1", "yes", "y", "true", "t", "on"].includes(v)) return true;
  if (["0", "no", "n", "false", "f", "off"].includes(v)) return false;
  throw new Error(`invalid boolean value '${value}'`);
}

export function requireVar(ctx: FetchContext, name: string): string {
  const value = ctx.getVar(name);
  if (value === null || value === "") throw new Error(`${name} is not set; the fetcher needs it`);
  return value;
}

/** A view of the context with some variables forced, like BitBake's createCopy + setVar. */
export function overrideVars(ctx: FetchContext, values: Readonly<Record<string, string>>): FetchContext {
  return {
    getVar: (name) => (Object.hasOwn(values, name) ? values[name]! : ctx.getVar(name)),
    getVarFlag: (name, flag) => ctx.getVarFlag(name, flag),
  };
}
