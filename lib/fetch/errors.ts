// Expected fetch failures. Each carries the URL it is about and a literal `kind`, so callers
// can switch over them exhaustively.
import { BakeError } from "../common/errors.js";

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    "malformed-url": MalformedUrl;
    "checksum-mismatch": ChecksumMismatch;
    "download-changed": DownloadChanged;
    "missing-checksum": MissingChecksum;
    "network-disabled": NetworkDisabled;
    "fetch-failed": FetchFailed;
    "local-file-not-found": LocalFileNotFound;
    "http-status": HttpStatus;
    transfer: TransferFailed;
    "command-failed": CommandFailed;
    "invalid-revision": InvalidRevision;
    apt: AptFailed;
    "unpack-failed": UnpackFailed;
    "patch-failed": PatchFailed;
  }
}

export type FetchErrorKind =
  | "malformed-url"
  | "checksum-mismatch"
  | "download-changed"
  | "missing-checksum"
  | "network-disabled"
  | "fetch-failed"
  | "local-file-not-found"
  | "http-status"
  | "transfer"
  | "command-failed"
  | "invalid-revision"
  | "apt"
  | "unpack-failed"
  | "patch-failed";

export abstract class FetchError extends BakeError {
  abstract override readonly kind: FetchErrorKind;
  constructor(readonly url: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class MalformedUrl extends FetchError {
  readonly kind = "malformed-url" as const;
  constructor(url: string, detail: string) {
    super(url, `Malformed SRC_URI entry '${url}': ${detail}`);
  }
}

export class ChecksumMismatch extends FetchError {
  readonly kind = "checksum-mismatch" as const;
  constructor(
    url: string,
    readonly path: string,
    readonly checksumName: string,
    readonly expected: string,
    readonly actual: string,
    /** Where the bad file was moved so nothing uses it, or null if it was never kept. */
    readonly movedTo: string | null,
  ) {
    super(
      url,
      [
        `Checksum mismatch for ${url}`,
        `  file:     ${path}`,
        `  expected: sha256 ${expected}`,
        `  actual:   sha256 ${actual}`,
        ...(movedTo ? [`  the bad file was moved aside to ${movedTo}`] : []),
        "If this change is expected (a new upstream version), use this line in the recipe:",
        `  SRC_URI[${checksumName}] = "${actual}"`,
        "Otherwise retry the download and/or ask upstream whether the file was modified.",
      ].join("\n"),
    );
  }
}

export interface MissingChecksumEntry {
  readonly url: string;
  readonly path: string;
  /** The recipe line to add, e.g. `SRC_URI[sha256sum] = "…"`. */
  readonly line: string;
}

/**
 * BB_VERIFY_DOWNLOADS: a file in DL_DIR no longer hashes to the sum it was committed with (its
 * `.done` stamp, the recipe's SRC_URI sum). Someone or something changed it after the fetch.
 */
export class DownloadChanged extends FetchError {
  readonly kind = "download-changed" as const;
  constructor(
    url: string,
    readonly path: string,
    readonly expected: string,
    readonly actual: string,
    /** Where the changed file was moved, so that the next do_fetch fetches it again. */
    readonly movedTo: string,
    /** The command that fetches it again (do_unpack cannot: it has no network). */
    readonly refetch: string | null,
  ) {
    super(
      url,
      [
        `${path} changed after it was fetched and verified (BB_VERIFY_DOWNLOADS = "1")`,
        `  url:      ${url}`,
        `  expected: sha256 ${expected}`,
        `  actual:   sha256 ${actual}`,
        `  the changed file was moved aside to ${movedTo} and its .done stamp removed`,
        ...(refetch ? [`Run \`${refetch}\` to fetch it again.`] : []),
      ].join("\n"),
    );
  }
}

export class MissingChecksum extends FetchError {
  readonly kind = "missing-checksum" as const;
  constructor(readonly entries: readonly MissingChecksumEntry[]) {
    super(
      entries[0]?.url ?? "",
      [
        "Missing SRC_URI checksum (BB_STRICT_CHECKSUM = \"1\"); add these lines to the recipe:",
        ...entries.map((e) => `  ${e.line}    # ${e.url}`),
      ].join("\n"),
    );
  }
}

export class NetworkDisabled extends FetchError {
  readonly kind = "network-disabled" as const;
  constructor(url: string, readonly attempts: readonly Attempt[] = []) {
    super(
      url,
      `Network access is disabled (BB_NO_NETWORK, or BB_FETCH_PREMIRRORONLY after the premirrors) ` +
        `but ${url} is not in DL_DIR` +
        (attempts.length > 0 ? `; tried:\n${formatAttempts(attempts)}` : ""),
    );
  }
}

/** One source tried for a URL: the upstream itself, a premirror or a mirror. */
export interface Attempt {
  readonly source: "upstream" | "premirror" | "mirror";
  readonly url: string;
  readonly error: Error;
}

export function formatAttempts(attempts: readonly Attempt[]): string {
  return attempts
    .map((a) => `  ${a.source} ${a.url}:\n${indent(a.error.message, "      ")}`)
    .join("\n");
}

function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((l) => prefix + l)
    .join("\n");
}

export class FetchFailed extends FetchError {
  readonly kind = "fetch-failed" as const;
  constructor(url: string, readonly attempts: readonly Attempt[]) {
    super(
      url,
      `Unable to fetch ${url} from any source; tried:\n${formatAttempts(attempts)}`,
      { cause: attempts.find((a) => a.source === "upstream")?.error ?? attempts[0]?.error },
    );
  }
}

export class LocalFileNotFound extends FetchError {
  readonly kind = "local-file-not-found" as const;
  constructor(url: string, readonly searched: readonly string[]) {
    super(
      url,
      `Unable to find ${url}; the places searched (FILESPATH) were:\n` +
        (searched.length > 0 ? searched.map((s) => `    ${s}`).join("\n") : "    (FILESPATH is empty)"),
    );
  }
}

export class HttpStatus extends FetchError {
  readonly kind = "http-status" as const;
  constructor(url: string, readonly status: number) {
    super(url, `HTTP ${status} for ${url}`);
  }
}

/** A connection or protocol failure while transferring (timeouts, resets, too many redirects). */
export class TransferFailed extends FetchError {
  readonly kind = "transfer" as const;
  constructor(url: string, detail: string, readonly retryable = true, options?: { cause?: unknown }) {
    super(url, `Transfer of ${url} failed: ${detail}`, options);
  }
}

export class CommandFailed extends FetchError {
  readonly kind = "command-failed" as const;
  constructor(
    url: string,
    readonly command: readonly string[],
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    const tail = output.trim().split("\n").slice(-20).join("\n");
    super(url, `Command failed (exit ${exitCode ?? "signal"}) for ${url}: ${command.join(" ")}${tail ? `\n${tail}` : ""}`);
  }
}

export class InvalidRevision extends FetchError {
  readonly kind = "invalid-revision" as const;
  constructor(url: string, detail: string) {
    super(url, `${detail} (${url})`);
  }
}

export class AptFailed extends FetchError {
  readonly kind = "apt" as const;
  constructor(url: string, detail: string, options?: { cause?: unknown }) {
    super(url, `apt source fetch of ${url} failed: ${detail}`, options);
  }
}

export class UnpackFailed extends FetchError {
  readonly kind = "unpack-failed" as const;
  constructor(url: string, readonly file: string, detail: string) {
    super(url, `Unpacking ${file} (${url}) failed: ${detail}`);
  }
}

export interface HunkFailure {
  /** The file being patched, as patch named it. */
  readonly file: string;
  readonly hunk: number | null;
  /** Line in the target file where patch looked for the hunk. */
  readonly line: number | null;
  /** The hunk's text from the patch file, when it could be found. */
  readonly text: string | null;
  readonly message: string;
}

export class PatchFailed extends FetchError {
  readonly kind = "patch-failed" as const;
  constructor(
    url: string,
    readonly patchFile: string,
    readonly failures: readonly HunkFailure[],
    readonly output: string,
  ) {
    const detail =
      failures.length > 0
        ? failures
            .map((f) => `  ${f.file}: ${f.message}` + (f.text ? `\n${indent(f.text.trimEnd(), "      ")}` : ""))
            .join("\n")
        : indent(output.trim(), "  ");
    super(url, `Applying patch ${patchFile} failed:\n${detail}`);
  }
}
