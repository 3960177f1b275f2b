// Framing of the hash-equivalence protocol over its two kinds of transport. On a byte stream
// (TCP, unix socket) a "line" ends with "\n" and long JSON messages are chunked; over a
// websocket each line is one text message and JSON is never chunked (as in BitBake).
import net from "node:net";
import type { WebSocket } from "ws";
import type { HashservAddress } from "./address.js";
import { MAX_CHUNK } from "./protocol.js";
import { BakeError } from "../../common/errors.js";

declare module "../../common/errors.js" {
  interface BakeErrorKinds {
    "hashserv-connection-closed": ConnectionClosedError;
    "hashserv-protocol": ProtocolError;
  }
}

export class ConnectionClosedError extends BakeError {
  readonly kind = "hashserv-connection-closed" as const;
  constructor(readonly peer: string, reason = "connection closed") {
    super(`${peer}: ${reason}`);
    this.name = "ConnectionClosedError";
  }
}

/** The peer broke the framing rules (bad JSON, an over-long line, a timeout). */
export class ProtocolError extends BakeError {
  readonly kind = "hashserv-protocol" as const;
  constructor(readonly peer: string, reason: string) {
    super(`${peer}: ${reason}`);
    this.name = "ProtocolError";
  }
}

/** One line on a byte stream may not exceed this; chunked messages may reach MAX_MESSAGE. */
const MAX_LINE = 1024 * 1024;
const MAX_MESSAGE = 64 * 1024 * 1024;
/** Stop reading from the peer while this many received lines wait to be handled. */
const QUEUE_HIGH_WATER = 4096;
const WS_BUFFER_HIGH_WATER = 1024 * 1024;

/**
 * Python's json.dumps escapes everything outside ASCII; doing the same keeps chunk boundaries
 * from splitting a UTF-16 surrogate pair and keeps bytes on the wire identical to BitBake's.
 */
export function encodeJson(msg: unknown): string {
  const json = JSON.stringify(msg) ?? "null";
  return json.replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

export abstract class Channel {
  #queue: string[] = [];
  #waiter: { resolve: (line: string) => void; reject: (e: Error) => void } | undefined;
  #ended: Error | undefined;

  constructor(readonly peer: string) {}

  protected abstract writeText(text: string): Promise<void>;
  protected abstract pauseReading(): void;
  protected abstract resumeReading(): void;
  /** Whether JSON messages of MAX_CHUNK or more are split over lines. */
  protected abstract readonly chunksMessages: boolean;
  abstract close(): void;

  protected pushLine(line: string): void {
    if (this.#waiter !== undefined) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w.resolve(line);
      return;
    }
    this.#queue.push(line);
    if (this.#queue.length === QUEUE_HIGH_WATER) this.pauseReading();
  }

  protected endInput(error?: Error): void {
    if (this.#ended !== undefined) return;
    this.#ended = error ?? new ConnectionClosedError(this.peer);
    if (this.#waiter !== undefined) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w.reject(this.#ended);
    }
  }

  /** The next line, without its terminator; throws ConnectionClosedError at the end. */
  recvLine(timeoutMs?: number): Promise<string> {
    const line = this.#queue.shift();
    if (line !== undefined) {
      if (this.#queue.length === QUEUE_HIGH_WATER / 2) this.resumeReading();
      return Promise.resolve(line);
    }
    if (this.#ended !== undefined) return Promise.reject(this.#ended);
    return new Promise<string>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      if (timeoutMs !== undefined && timeoutMs > 0) {
        timer = setTimeout(() => {
          this.#waiter = undefined;
          reject(new ProtocolError(this.peer, `timed out after ${timeoutMs} ms waiting for data`));
        }, timeoutMs);
      }
      this.#waiter = {
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  sendLine(line: string): Promise<void> {
    return this.writeText(line);
  }

  /** Several lines in one write (stream-mode batches). */
  sendLines(lines: readonly string[]): Promise<void> {
    return this.writeLines(lines);
  }

  protected abstract writeLines(lines: readonly string[]): Promise<void>;

  sendMessage(msg: unknown): Promise<void> {
    const json = encodeJson(msg);
    if (!this.chunksMessages || json.length < MAX_CHUNK - 1) return this.writeText(json);
    const lines = ['{"chunk-stream": null}'];
    for (let i = 0; i < json.length; i += MAX_CHUNK - 1) lines.push(json.slice(i, i + MAX_CHUNK - 1));
    lines.push("");
    return this.writeLines(lines);
  }

  /** The next JSON message, reassembling a chunk stream. */
  async recvMessage(timeoutMs?: number): Promise<unknown> {
    const first = this.parse(await this.recvLine(timeoutMs));
    if (!this.chunksMessages || first === null || typeof first !== "object" || !("chunk-stream" in first)) {
      return first;
    }
    const parts: string[] = [];
    let size = 0;
    for (;;) {
      const part = await this.recvLine(timeoutMs);
      if (part === "") break;
      size += part.length;
      if (size > MAX_MESSAGE) throw new ProtocolError(this.peer, `chunked message exceeds ${MAX_MESSAGE} bytes`);
      parts.push(part);
    }
    return this.parse(parts.join(""));
  }

  private parse(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      throw new ProtocolError(this.peer, `bad message ${JSON.stringify(text.slice(0, 200))}`);
    }
  }
}

/** TCP or unix-domain byte stream. */
export class StreamChannel extends Channel {
  protected readonly chunksMessages = true;
  #pending: Buffer[] = [];
  #pendingSize = 0;
  #corked = false;

  constructor(private readonly socket: net.Socket, peer: string) {
    super(peer);
    socket.on("data", (data: Buffer) => this.onData(data));
    socket.on("end", () => this.endInput());
    socket.on("close", () => this.endInput());
    socket.on("error", (e) => this.endInput(new ConnectionClosedError(peer, e.message)));
  }

  private onData(data: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = data.indexOf(10, start);
      if (nl < 0) break;
      let bytes = data.subarray(start, nl);
      if (this.#pending.length > 0) {
        bytes = Buffer.concat([...this.#pending, bytes]);
        this.#pending = [];
        this.#pendingSize = 0;
      }
      // Python's reader strips all trailing whitespace from a line, "\r" included.
      this.pushLine(bytes.toString("utf8").replace(/\s+$/, ""));
      start = nl + 1;
    }
    if (start < data.length) {
      this.#pending.push(data.subarray(start));
      this.#pendingSize += data.length - start;
      if (this.#pendingSize > MAX_LINE) {
        this.endInput(new ProtocolError(this.peer, `line longer than ${MAX_LINE} bytes`));
        this.socket.destroy();
      }
    }
  }

  protected writeText(text: string): Promise<void> {
    return this.write(text + "\n");
  }

  protected writeLines(lines: readonly string[]): Promise<void> {
    return lines.length === 0 ? Promise.resolve() : this.write(lines.join("\n") + "\n");
  }

  private write(data: string): Promise<void> {
    if (this.socket.destroyed || !this.socket.writable) return Promise.reject(new ConnectionClosedError(this.peer));
    // Replies written while answering one burst of stream-mode lines leave in one segment.
    if (!this.#corked) {
      this.#corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.socket.uncork();
      });
    }
    if (this.socket.write(data)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        this.socket.off("drain", done);
        this.socket.off("close", closed);
        resolve();
      };
      const closed = (): void => {
        this.socket.off("drain", done);
        reject(new ConnectionClosedError(this.peer));
      };
      this.socket.once("drain", done);
      this.socket.once("close", closed);
    });
  }

  protected pauseReading(): void {
    this.socket.pause();
  }

  protected resumeReading(): void {
    this.socket.resume();
  }

  close(): void {
    this.socket.end();
    this.socket.destroySoon();
    this.endInput();
  }
}

export class WebsocketChannel extends Channel {
  protected readonly chunksMessages = false;

  constructor(private readonly ws: WebSocket, peer: string) {
    super(peer);
    ws.on("message", (data) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      this.pushLine(bytes.toString("utf8"));
    });
    ws.on("close", () => this.endInput());
    ws.on("error", (e) => this.endInput(new ConnectionClosedError(peer, e.message)));
  }

  protected writeText(text: string): Promise<void> {
    if (this.ws.readyState !== this.ws.OPEN) return Promise.reject(new ConnectionClosedError(this.peer));
    if (this.ws.bufferedAmount < WS_BUFFER_HIGH_WATER) {
      this.ws.send(text);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) =>
      this.ws.send(text, (err) => (err ? reject(new ConnectionClosedError(this.peer, err.message)) : resolve())),
    );
  }

  protected async writeLines(lines: readonly string[]): Promise<void> {
    for (const line of lines) await this.writeText(line);
  }

  protected pauseReading(): void {
    this.ws.pause();
  }

  protected resumeReading(): void {
    this.ws.resume();
  }

  close(): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close();
    this.endInput();
  }
}

function describeAddress(address: HashservAddress): string {
  switch (address.kind) {
    case "unix":
      return `unix://${address.path}`;
    case "tcp":
      return `${address.host}:${address.port}`;
    case "websocket":
      return address.url;
  }
}

/** Opens a client-side channel to a server. */
export function connectChannel(address: HashservAddress, timeoutMs: number): Promise<Channel> {
  const peer = describeAddress(address);
  if (address.kind === "websocket") {
    // ws is loaded by the first websocket connection (most builds use a unix socket or none).
    return import("ws").then(({ WebSocket }) => new Promise((resolve, reject) => {
      // BitBake's websockets client sends no pings either (ping_interval=None).
      const ws = new WebSocket(address.url, { perMessageDeflate: false, handshakeTimeout: timeoutMs, maxPayload: MAX_MESSAGE });
      const channel = new WebsocketChannel(ws, peer);
      ws.once("open", () => resolve(channel));
      ws.once("error", (e) => reject(new ConnectionClosedError(peer, `could not connect: ${e.message}`)));
      ws.once("close", () => reject(new ConnectionClosedError(peer, "could not connect")));
    }));
  }
  return new Promise((resolve, reject) => {
    const socket =
      address.kind === "unix" ? net.connect({ path: address.path }) : net.connect({ host: address.host, port: address.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ConnectionClosedError(peer, `timed out after ${timeoutMs} ms connecting`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", onError);
      if (address.kind === "tcp") socket.setNoDelay(true);
      resolve(new StreamChannel(socket, peer));
    });
    const onError = (e: Error): void => {
      clearTimeout(timer);
      reject(new ConnectionClosedError(peer, `could not connect: ${e.message}`));
    };
    socket.once("error", onError);
  });
}

export const LIMITS = { MAX_MESSAGE } as const;
