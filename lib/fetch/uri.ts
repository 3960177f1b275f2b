// SRC_URI entries: `scheme://[user[:password]@]host/path;param=value;…`.
// The split into host and path follows BitBake's mirror decoder: `file://` has no host (its
// path may be relative, searched in FILESPATH); other schemes take the text up to the first `/`
// as host (with any `:port`). `apt://` uses the host slot for the Debian source package name.

import { MalformedUrl } from "./errors.js";
import type { FetchContext } from "./context.js";
import { toBoolean } from "./context.js";

export interface SourceUri {
  /** The entry as written in SRC_URI. */
  readonly url: string;
  readonly scheme: string;
  readonly host: string;
  /** Decoded path; relative only for `file://`. */
  readonly path: string;
  readonly user: string;
  readonly password: string;
  /** Every `;key=value` parameter, in the order written. */
  readonly params: Readonly<Record<string, string>>;
  readonly name: string | null;
  readonly subdir: string | null;
  /** `unpack=0` copies an archive instead of extracting it. */
  readonly unpack: boolean;
  readonly striplevel: number | null;
  readonly downloadfilename: string | null;
  /** `apply=yes|no`; null means "decide from the file name" (.patch/.diff). */
  readonly apply: boolean | null;
  readonly patchdir: string | null;
  readonly protocol: string | null;
  readonly branch: string | null;
  readonly rev: string | null;
  readonly destsuffix: string | null;
  readonly nobranch: boolean;
}

/** Decoded components, as BitBake's decodemirrorurl returns them (also used for mirror patterns). */
export interface UriParts {
  readonly scheme: string;
  readonly host: string;
  readonly path: string;
  readonly user: string;
  readonly password: string;
  readonly params: Readonly<Record<string, string>>;
}

const URL_SHAPE = /^([^:]*):\/\/(?:([^/;]+)@)?([^;]+)?(?:;(.*))?$/s;

export function decodeUriParts(url: string): UriParts {
  const m = URL_SHAPE.exec(url);
  if (!m) throw new MalformedUrl(url, "expected scheme://location[;param=value…]");
  const scheme = m[1]!;
  let userInfo = m[2] ?? "";
  const location = m[3] ?? "";
  if (location === "") throw new MalformedUrl(url, "the location after :// is empty");

  let host: string;
  let path: string;
  if (scheme.toLowerCase() === "file") {
    host = "";
    path = userInfo ? `${userInfo}@${location}` : location;
    userInfo = "";
  } else {
    const slash = location.indexOf("/");
    host = slash === -1 ? location : location.slice(0, slash);
    path = slash === -1 ? "/" : location.slice(slash);
  }
  let user = "";
  let password = "";
  if (userInfo) {
    const colon = userInfo.indexOf(":");
    user = colon === -1 ? userInfo : userInfo.slice(0, colon);
    password = colon === -1 ? "" : userInfo.slice(colon + 1);
  }

  const params: Record<string, string> = {};
  for (const item of (m[4] ?? "").split(";")) {
    if (item === "") continue;
    const eq = item.indexOf("=");
    if (eq === -1) throw new MalformedUrl(url, `parameter '${item}' has no value (missing '=')`);
    params[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return { scheme, host, path: unquote(path), user, password, params };
}

function unquote(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path; // like Python's unquote, leave malformed escapes alone
  }
}

export function parseSourceUri(url: string): SourceUri {
  const parts = decodeUriParts(url.trim());
  const p = parts.params;
  const opt = (k: string): string | null => (Object.hasOwn(p, k) ? p[k]! : null);
  const bool = (k: string, fallback: boolean): boolean => {
    try {
      return toBoolean(opt(k), fallback);
    } catch {
      throw new MalformedUrl(url, `parameter ${k}=${p[k]} is not a boolean`);
    }
  };
  const striplevelText = opt("striplevel");
  if (striplevelText !== null && !/^\d+$/.test(striplevelText)) {
    throw new MalformedUrl(url, `striplevel=${striplevelText} is not a number`);
  }
  const applyText = opt("apply");
  return {
    url: url.trim(),
    ...parts,
    name: opt("name"),
    subdir: opt("subdir"),
    unpack: bool("unpack", true),
    striplevel: striplevelText === null ? null : Number(striplevelText),
    downloadfilename: opt("downloadfilename"),
    apply: applyText === null ? null : bool("apply", false),
    patchdir: opt("patchdir"),
    protocol: opt("protocol"),
    branch: opt("branch"),
    rev: opt("rev"),
    destsuffix: opt("destsuffix"),
    nobranch: bool("nobranch", false),
  };
}

/** SRC_URI is a whitespace-separated list of entries. */
export function splitSrcUri(value: string | null): string[] {
  return (value ?? "").split(/\s+/).filter((s) => s !== "");
}

export function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** Schemes whose files are remote and so should carry a checksum in the recipe. */
export function isRemoteFileScheme(scheme: string): boolean {
  return ["http", "https", "ftp", "apt"].includes(scheme);
}

/** The flag of SRC_URI holding this entry's sha256: `name.sha256sum`, or `sha256sum` unnamed. */
export function checksumFlag(uri: SourceUri): string {
  return uri.name ? `${uri.name}.sha256sum` : "sha256sum";
}

/** The sha256 the recipe expects: a `sha256sum=` parameter, else `SRC_URI[<flag>]`. */
export function expectedSha256(ctx: FetchContext, uri: SourceUri): string | null {
  const raw = uri.params["sha256sum"] ?? ctx.getVarFlag("SRC_URI", checksumFlag(uri));
  if (raw === null || raw === undefined || raw.trim() === "") return null;
  const value = raw.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(value)) {
    throw new MalformedUrl(uri.url, `SRC_URI[${checksumFlag(uri)}] = "${raw}" is not a sha256 (64 hex digits)`);
  }
  return value;
}
