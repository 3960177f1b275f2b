// `file://` entries: an absolute path is used as is; a relative one is searched in FILESPATH,
// a colon-separated list of directories, first hit wins (BitBake's bb.utils.which). The caller
// builds FILESPATH (overrides, FILESEXTRAPATHS); this module only searches it.

import { promises as fs } from "node:fs";
import { join } from "node:path";
import type { FetchContext } from "./context.js";
import { LocalFileNotFound, MalformedUrl } from "./errors.js";
import type { SourceUri } from "./uri.js";

export interface LocalFile {
  readonly path: string;
  readonly isDirectory: boolean;
}

/** Every place a relative `file://` path would be looked for, in order. */
export function localCandidates(ctx: FetchContext, uri: SourceUri): string[] {
  if (uri.path.startsWith("/")) return [uri.path];
  const dirs = (ctx.getVar("FILESPATH") ?? "").split(":").filter((d) => d !== "");
  return dirs.map((d) => join(d, uri.path));
}

export async function findLocalFile(ctx: FetchContext, uri: SourceUri): Promise<LocalFile> {
  if (uri.path.includes("*")) {
    throw new MalformedUrl(uri.url, "file:// globs are not supported; put the files in a directory and name that");
  }
  const candidates = localCandidates(ctx, uri);
  for (const path of candidates) {
    const st = await fs.stat(path).catch(() => null);
    if (st) return { path, isDirectory: st.isDirectory() };
  }
  throw new LocalFileNotFound(uri.url, candidates);
}
