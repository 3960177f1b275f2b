// bake's one HTTP client, over undici: downloads (fetch/), sstate mirrors and pushes (sstate/).
// undici is loaded by the first request: most commands make none, and loading it costs 0.1-0.2 s.
// A client sends every request with the same timeouts (for the headers, and for each pause in the
// body), through its own connection pool or a given one, follows redirects when asked to, and
// turns a failed request into an HttpRequestError that says the same thing in every stage.
import type { Agent, Dispatcher } from "undici";
import { BakeError } from "./errors.js";

const undici = () => import("undici");

export type HttpResponse = Dispatcher.ResponseData;
/** A connection pool (undici's Dispatcher), for callers that bring their own. */
export type HttpDispatcher = Dispatcher;
export type HttpBody = Buffer | NodeJS.ReadableStream;

export interface HttpClientOptions {
  /** Longest wait for the response headers, and for each piece of the body (default 30 s). */
  readonly timeoutMs?: number;
  /** A pool of the client's own, closed with it; without it (and without `dispatcher`) undici's global one. */
  readonly pool?: { readonly connectTimeoutMs?: number; readonly connections?: number; readonly keepAliveTimeoutMs?: number };
  /** A pool made elsewhere (a test's, a proxy's): used, never closed. */
  readonly dispatcher?: Dispatcher;
}

export interface HttpRequest {
  readonly method?: "GET" | "HEAD" | "PUT";
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: HttpBody;
  readonly signal?: AbortSignal;
  /** Follow up to this many redirects, failing with TooManyRedirects beyond; unset: a 3xx is returned as it came. */
  readonly maxRedirects?: number;
}

declare module "./errors.js" {
  interface BakeErrorKinds {
    "http-request": HttpRequestError;
    "too-many-redirects": TooManyRedirects;
  }
}

/** A request that got no response: the connection failed, timed out or broke. */
export class HttpRequestError extends BakeError {
  readonly kind = "http-request" as const;
  override readonly name = "HttpRequestError";
  /** The system's or undici's code (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT…), "" when there is none. */
  readonly code: string;
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(describeError(cause), { cause });
    this.code = errorCode(cause);
  }

  /** Nothing answers there (refused, unknown host, no route): asking again soon is pointless. */
  get unreachable(): boolean {
    return UNREACHABLE.has(this.code);
  }
}

export class TooManyRedirects extends BakeError {
  readonly kind = "too-many-redirects" as const;
  override readonly name = "TooManyRedirects";
  constructor(
    readonly url: string,
    readonly limit: number,
  ) {
    super(`more than ${limit} redirects`);
  }
}

const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT"]);

function errorCode(e: unknown): string {
  const err = e as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = err?.code ?? err?.cause?.code;
  return typeof code === "string" ? code : "";
}

/** `CODE: message`, the way bake reports a failed transfer. */
export function describeError(e: unknown): string {
  const code = errorCode(e);
  const message = e instanceof Error ? e.message : String(e);
  return code && !message.startsWith(`${code}: `) ? `${code}: ${message}` : message;
}

export const isSuccess = (status: number): boolean => status >= 200 && status < 300;
/** What a mirror answers for an object it does not have. */
export const isAbsent = (status: number): boolean => status === 404 || status === 410;

export class HttpClient {
  private own: Agent | null = null;

  constructor(private readonly o: HttpClientOptions = {}) {}

  private async dispatcher(): Promise<Dispatcher | undefined> {
    if (this.o.dispatcher) return this.o.dispatcher;
    if (!this.o.pool) return undefined;
    if (this.own === null) {
      const { Agent } = await undici();
      const p = this.o.pool;
      this.own = new Agent({
        ...(p.connectTimeoutMs === undefined ? {} : { connect: { timeout: p.connectTimeoutMs } }),
        ...(p.connections === undefined ? {} : { connections: p.connections }),
        ...(p.keepAliveTimeoutMs === undefined ? {} : { keepAliveTimeout: p.keepAliveTimeoutMs }),
      });
    }
    return this.own;
  }

  /** The response (its body to be read or dumped by the caller), and the URL it came from after redirects. */
  async request(url: string, req: HttpRequest = {}): Promise<HttpResponse & { readonly url: string }> {
    const { request } = await undici();
    const dispatcher = await this.dispatcher();
    const timeout = this.o.timeoutMs ?? 30_000;
    let current = url;
    for (let redirects = 0; ; redirects++) {
      let res: HttpResponse;
      try {
        res = await request(current, {
          method: req.method ?? "GET",
          headersTimeout: timeout,
          bodyTimeout: timeout,
          ...(dispatcher ? { dispatcher } : {}),
          ...(req.headers ? { headers: req.headers } : {}),
          ...(req.body === undefined ? {} : { body: req.body as never }),
          ...(req.signal ? { signal: req.signal } : {}),
        });
      } catch (e) {
        if (req.signal?.aborted) throw e;
        throw new HttpRequestError(current, e);
      }
      const location = res.headers["location"];
      const max = req.maxRedirects;
      if (max === undefined || res.statusCode < 300 || res.statusCode >= 400 || location === undefined) return Object.assign(res, { url: current });
      await res.body.dump().catch(() => undefined);
      if (redirects >= max) throw new TooManyRedirects(url, max);
      current = new URL(String(location), current).href;
    }
  }

  async close(): Promise<void> {
    await this.own?.close();
    this.own = null;
  }
}
