import { BakeError } from "../common/errors.js";
import type { Location } from "./ast.js";

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    "metadata-parse": ParseError;
    "metadata-fatal": FatalError;
  }
}

/**
 * An error in metadata that can be pinned to a place in a file. The message is the cause alone;
 * `format()` adds `file:line:col:`, the offending line and a caret under the column.
 */
export abstract class MetadataError extends BakeError {
  abstract override readonly kind: "metadata-parse" | "metadata-fatal";
  abstract readonly category: "ParseError" | "FatalError";

  constructor(
    message: string,
    readonly loc: Location | null,
    /** The text of the offending line, when known, for the caret display. */
    readonly sourceLine: string | null = null,
  ) {
    super(message, { location: loc });
  }

  format(): string {
    return formatDiagnostic(this.message, this.loc, this.sourceLine);
  }
}

/** The file cannot be read as metadata: bad syntax, an unclosed function, a missing required file. */
export class ParseError extends MetadataError {
  readonly kind = "metadata-parse" as const;
  readonly category = "ParseError" as const;
  override readonly name = "ParseError";
}

/** Parsing was stopped by a check that BitBake makes fatal (e.g. a comment continued onto code). */
export class FatalError extends MetadataError {
  readonly kind = "metadata-fatal" as const;
  readonly category = "FatalError" as const;
  override readonly name = "FatalError";
}

export function formatDiagnostic(message: string, loc: Location | null, sourceLine: string | null): string {
  if (!loc) return message;
  const head = `${loc.file}:${loc.line}:${loc.column}: ${message}`;
  if (sourceLine === null) return head;
  const shown = sourceLine.replace(/\t/g, " ");
  return `${head}\n    ${shown}\n    ${" ".repeat(Math.max(0, loc.column - 1))}^`;
}
