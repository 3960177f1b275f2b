// Hash-equivalence server addresses, spelled as BitBake spells them (BB_HASHSERVE,
// `bitbake-hashserv --bind`, `bitbake-hashclient --address`).
import { BakeError } from "../../common/errors.js";

export type HashservAddress =
  | { readonly kind: "unix"; readonly path: string }
  | { readonly kind: "tcp"; readonly host: string; readonly port: number }
  | { readonly kind: "websocket"; readonly url: string; readonly host: string; readonly port: number; readonly secure: boolean };

declare module "../../common/errors.js" {
  interface BakeErrorKinds {
    "hashserv-address": HashservAddressError;
  }
}

export class HashservAddressError extends BakeError {
  readonly kind = "hashserv-address" as const;
  constructor(readonly address: string, reason: string) {
    super(`bad hash-equivalence server address '${address}': ${reason}`);
    this.name = "HashservAddressError";
  }
}

function parsePort(address: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new HashservAddressError(address, `port '${text}' is not a number`);
  const port = Number(text);
  if (port > 65535) throw new HashservAddressError(address, `port ${port} is out of range`);
  return port;
}

/** `unix://PATH`, `ws://HOST:PORT`, `wss://HOST:PORT`, `HOST:PORT` or `[V6]:PORT`; an empty host means all addresses. */
export function parseAddress(address: string): HashservAddress {
  if (address.startsWith("unix://")) {
    const path = address.slice("unix://".length);
    if (path === "") throw new HashservAddressError(address, "empty socket path");
    return { kind: "unix", path };
  }
  if (address.startsWith("ws://") || address.startsWith("wss://")) {
    const secure = address.startsWith("wss://");
    const rest = address.slice(secure ? 6 : 5);
    // The URL parser refuses "ws://:8686", which BitBake accepts as "all addresses".
    const authority = rest.split("/")[0]!;
    const m = /^(?:\[([^\]]*)\]|([^:]*))(?::(\d*))?$/.exec(authority);
    if (m === null) throw new HashservAddressError(address, "cannot read host and port");
    const host = m[1] ?? m[2] ?? "";
    const port = m[3] === undefined || m[3] === "" ? (secure ? 443 : 80) : parsePort(address, m[3]);
    return { kind: "websocket", url: address, host, port, secure };
  }
  const v6 = /^\[([^\]]*)\]:(\d+)$/.exec(address);
  if (v6 !== null) return { kind: "tcp", host: v6[1]!, port: parsePort(address, v6[2]!) };
  const parts = address.split(":");
  if (parts.length !== 2) throw new HashservAddressError(address, "expected HOST:PORT, unix://PATH or ws://HOST:PORT");
  return { kind: "tcp", host: parts[0]!, port: parsePort(address, parts[1]!) };
}

/** How BitBake prints a bound address: `host:port`, `[v6]:port`, `ws://…`, `unix://ABS`. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
