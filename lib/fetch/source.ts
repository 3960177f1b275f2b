// What each SRC_URI entry becomes once the context is known (BitBake's FetchData): where its
// download lives and what checksum it must have.

import { join } from "node:path";
import type { FetchContext } from "./context.js";
import { requireVar } from "./context.js";
import { MalformedUrl } from "./errors.js";
import { resolveGitSource, type GitSource } from "./git.js";
import { basename, checksumFlag, expectedSha256, type SourceUri } from "./uri.js";

export type Source =
  /** `file://`: found in FILESPATH (or absolute), used in place. */
  | { readonly kind: "local"; readonly uri: SourceUri; readonly checksumName: string; readonly expected: string | null }
  /** A remote file that lands in DL_DIR. */
  | {
      readonly kind: "file";
      readonly uri: SourceUri;
      readonly transport: "http" | "apt";
      readonly localPath: string;
      readonly checksumName: string;
      readonly expected: string | null;
    }
  | { readonly kind: "git"; readonly uri: SourceUri; readonly git: GitSource };

export function resolveSource(ctx: FetchContext, uri: SourceUri): Source {
  const checksumName = checksumFlag(uri);
  switch (uri.scheme) {
    case "file":
      // SRC_URI[sha256sum] and SRC_URI[name.sha256sum] are for downloads (BitBake's local fetcher
      // checks none): an unnamed checksum beside a tarball must not be held against its patches.
      // Only a `;sha256sum=` on the entry itself is checked.
      return { kind: "local", uri, checksumName, expected: uri.params["sha256sum"] !== undefined ? expectedSha256(ctx, uri) : null };
    case "http":
    case "https":
    case "apt": {
      // As BitBake's wget fetcher, which refuses the entry rather than fetch a repository's URL as a file.
      if (uri.scheme !== "apt" && uri.protocol === "git") {
        throw new MalformedUrl(uri.url, `protocol=git on an ${uri.scheme} URL: to fetch a git repository over ${uri.scheme}, write git://…;protocol=${uri.scheme}`);
      }
      const name = uri.downloadfilename ?? basename(uri.path);
      if (!name || (uri.scheme === "apt" && uri.path.endsWith("/") && !uri.downloadfilename)) {
        throw new MalformedUrl(uri.url, "cannot tell the file name in DL_DIR; add ;downloadfilename=<name>");
      }
      return {
        kind: "file",
        uri,
        transport: uri.scheme === "apt" ? "apt" : "http",
        localPath: join(requireVar(ctx, "DL_DIR"), name),
        checksumName,
        expected: expectedSha256(ctx, uri),
      };
    }
    case "git":
      return { kind: "git", uri, git: resolveGitSource(ctx, uri, requireVar(ctx, "DL_DIR")) };
    default:
      throw new MalformedUrl(uri.url, `no fetcher for scheme '${uri.scheme}' (supported: file, http, https, git, apt)`);
  }
}

/** A remote file the recipe should pin with a sha256. */
export function recommendsChecksum(source: Source): boolean {
  return source.kind === "file";
}
