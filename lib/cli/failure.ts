// How an expected failure (a BakeError of any kind) reaches the terminal: its text and the exit
// code. The switch names every kind, so a new kind does not compile until it is placed here; a bug
// (any other exception) is not handled here at all and keeps its stack.
import { unreachable, type AnyBakeError } from "../common/errors.js";

/** Exit codes: 0 success, 1 a build or metadata failure, 2 bad usage. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface FailureReport {
  /** What to print on stderr, without the final newline. */
  readonly text: string;
  readonly exitCode: number;
}

export function describeFailure(e: AnyBakeError): FailureReport {
  switch (e.kind) {
    case "usage":
      return { text: `bake: ${e.message}`, exitCode: EXIT_USAGE };
    // BitBake prints these itself, before any ERROR: prefix (argparse-like option checks).
    case "fatal-option":
      return { text: e.message, exitCode: EXIT_FAILURE };
    // The message is the cause alone: file:line:col, the line and a caret under the column.
    case "metadata-parse":
    case "metadata-fatal":
      return { text: `ERROR: ${e.format()}`, exitCode: EXIT_FAILURE };
    // `bake layers` says ERROR: on every line of a layers.json problem, one problem a line.
    case "layers-file":
    case "layer-setup":
    case "bblayers-conf":
      return { text: `ERROR: ${e.message.split("\n").join("\nERROR: ")}`, exitCode: EXIT_FAILURE };
    case "expansion":
    case "fatal":
    case "configuration":
    case "recipe-parse":
    case "nothing-provides":
    case "dependency-loop":
    case "unknown-task":
    case "task-dependencies":
    case "shell-syntax":
    case "js-syntax":
    case "sigdata":
    case "safe-recipe-deps":
    case "python-metadata":
    case "signing-key":
    case "mirror-syntax":
    case "archive":
    case "tar-format":
    case "zstd":
    case "push":
    case "serve":
    case "hashserv-address":
    case "hashserv-config":
    case "hashserv-invoke":
    case "hashserv-reply":
    case "hashserv-protocol":
    case "hashserv-connection-closed":
    case "malformed-url":
    case "checksum-mismatch":
    case "download-changed":
    case "missing-checksum":
    case "network-disabled":
    case "fetch-failed":
    case "local-file-not-found":
    case "http-status":
    case "transfer":
    case "command-failed":
    case "invalid-revision":
    case "apt":
    case "unpack-failed":
    case "patch-failed":
    case "lock-timeout":
    case "http-request":
    case "too-many-redirects":
    case "build-lock-held":
    case "stamp-base-missing":
    case "sstate-setting":
    case "missing-host-tools":
    case "buildstats":
    case "layer-exists":
      return { text: `ERROR: ${e.message}`, exitCode: EXIT_FAILURE };
    default:
      return unreachable(e);
  }
}
