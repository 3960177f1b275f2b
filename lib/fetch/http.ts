// http(s) downloads through bake's HTTP client (common/http.ts). The body goes to `<file>.part` while being hashed; a
// dropped connection keeps the part and the next attempt asks for the rest with Range (the
// part is re-hashed from disk, so a resume never trusts memory from a failed attempt). Only a
// body whose sha256 matches the recipe is renamed onto the final name.

import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, promises as fs } from "node:fs";
import { dirname } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { describeError, HttpClient, HttpRequestError, TooManyRedirects, type HttpResponse } from "../common/http.js";
import type { FetchOptions, HttpOptions } from "./context.js";
import { sha256Of, type Sha256 } from "../common/hashes.js";
import { commitDownload, sha256File } from "./checksum.js";
import { HttpStatus, TransferFailed } from "./errors.js";

export interface HttpJob {
  /** The URL to GET (the upstream's or a mirror's). */
  readonly url: string;
  readonly localPath: string;
  readonly checksumName: string;
  readonly expected: string | null;
}

const DEFAULTS: Required<HttpOptions> = {
  connectTimeoutMs: 30_000,
  readTimeoutMs: 60_000,
  maxRedirects: 10,
  retries: 3,
  backoffMs: 1_000,
  maxBackoffMs: 30_000,
  userAgent: "bake-fetch/0.1",
};

/** Errors of writing the part file: no retry helps with these. */
const LOCAL_WRITE_ERRORS = new Set(["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "EIO", "EFBIG"]);

export function partPath(localPath: string): string {
  return `${localPath}.part`;
}

/** Downloads `job.url` to `job.localPath`, returning the sha256 of what was committed. */
export async function httpDownload(job: HttpJob, options: FetchOptions): Promise<Sha256> {
  const o = { ...DEFAULTS, ...options.http };
  await fs.mkdir(dirname(job.localPath), { recursive: true });
  const http = new HttpClient({ timeoutMs: o.readTimeoutMs, pool: { connectTimeoutMs: o.connectTimeoutMs } });
  try {
    for (let attempt = 0; ; attempt++) {
      let sha: Sha256;
      try {
        sha = await attemptOnce(job, http, o, options);
      } catch (e) {
        if (!isRetryable(e) || attempt >= o.retries || options.signal?.aborted) throw e;
        const delay = Math.min(o.backoffMs * 2 ** attempt, o.maxBackoffMs);
        options.onEvent?.({
          type: "warning",
          url: job.url,
          message: `${(e as Error).message}; retry ${attempt + 1}/${o.retries} in ${delay} ms`,
        });
        await sleep(delay, undefined, { signal: options.signal });
        continue;
      }
      await commitDownload(job.url, partPath(job.localPath), job.localPath, job.checksumName, job.expected, sha);
      return sha;
    }
  } finally {
    await http.close();
  }
}

function isRetryable(e: unknown): boolean {
  if (e instanceof HttpStatus) return e.status >= 500 || e.status === 429;
  if (e instanceof TransferFailed) return e.retryable;
  return false;
}

async function attemptOnce(job: HttpJob, http: HttpClient, o: Required<HttpOptions>, options: FetchOptions): Promise<Sha256> {
  const part = partPath(job.localPath);
  const have = (await fs.stat(part).catch(() => null))?.size ?? 0;
  const res = await get(job.url, have, http, o, options);

  if (res.statusCode === 416 && have > 0) {
    // The part is either already complete or not a prefix of this file: hash or restart.
    const total = /\/(\d+)\s*$/.exec(String(res.headers["content-range"] ?? ""))?.[1];
    await res.body.dump();
    if (total !== undefined && Number(total) === have) return sha256File(part);
    await fs.rm(part, { force: true });
    throw new TransferFailed(job.url, "server refused to resume (416); restarting from zero");
  }
  if (res.statusCode < 200 || res.statusCode >= 300) {
    await res.body.dump().catch(() => undefined);
    throw new HttpStatus(job.url, res.statusCode);
  }

  let append = false;
  if (res.statusCode === 206) {
    const start = /^bytes\s+(\d+)-/.exec(String(res.headers["content-range"] ?? ""))?.[1];
    if (have === 0 || start === undefined || Number(start) !== have) {
      await res.body.dump().catch(() => undefined);
      await fs.rm(part, { force: true });
      throw new TransferFailed(job.url, "server sent an unexpected range; restarting from zero");
    }
    append = true;
  }
  // A 200 to a Range request means the server ignored it: start over.
  const hash = createHash("sha256");
  if (append) {
    for await (const chunk of createReadStream(part)) hash.update(chunk as Buffer);
  }
  const length = res.headers["content-length"];
  const total = length !== undefined ? Number(length) + (append ? have : 0) : null;

  let bytes = append ? have : 0;
  const started = Date.now();
  const startBytes = bytes;
  let lastReport = 0;
  const report = (final: boolean): void => {
    const now = Date.now();
    if (!final && now - lastReport < 200) return;
    lastReport = now;
    const seconds = Math.max((now - started) / 1000, 0.001);
    options.onEvent?.({ type: "progress", url: job.url, bytes, total, rate: (bytes - startBytes) / seconds });
  };
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      report(false);
      done(null, chunk);
    },
  });
  try {
    await pipeline(res.body, meter, createWriteStream(part, { flags: append ? "a" : "w" }), { signal: options.signal });
  } catch (e) {
    if (options.signal?.aborted) throw e;
    // The disk, not the network: retrying would only fill it again (and wait out the backoff).
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined && LOCAL_WRITE_ERRORS.has(code)) {
      throw new TransferFailed(job.url, `cannot write ${part} after ${bytes} bytes (${describeError(e)}); the part is kept for resuming`, false, { cause: e });
    }
    throw new TransferFailed(job.url, `connection lost after ${bytes} bytes (${describeError(e)}); the part is kept for resuming`, true, { cause: e });
  }
  report(true);
  if (total !== null && bytes !== total) {
    throw new TransferFailed(job.url, `got ${bytes} of ${total} bytes`);
  }
  return sha256Of(hash);
}

async function get(url: string, have: number, http: HttpClient, o: Required<HttpOptions>, options: FetchOptions): Promise<HttpResponse> {
  const headers: Record<string, string> = { "user-agent": o.userAgent, "accept-encoding": "identity" };
  if (have > 0) headers["range"] = `bytes=${have}-`;
  try {
    return await http.request(url, { headers, maxRedirects: o.maxRedirects, ...(options.signal ? { signal: options.signal } : {}) });
  } catch (e) {
    if (e instanceof TooManyRedirects) throw new TransferFailed(url, e.message, false);
    if (e instanceof HttpRequestError) throw new TransferFailed(e.url, e.message, true, { cause: e });
    throw e;
  }
}
