// Typed failures of the datastore. They mirror BitBake's exceptions so that the
// conformance runner can name them (`ExpansionError`, `FatalError`) and so that
// JavaScript metadata can throw `bb.parse.SkipRecipe` as Python metadata does.
import { BakeError } from "../common/errors.js";

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    expansion: ExpansionError;
    fatal: FatalError;
  }
}

export interface HistoryLoc {
  file: string;
  line: number;
  column?: number;
}

/**
 * A value could not be expanded. Like BitBake's ExpansionError it collects the
 * chain of variables whose expansion led to the failure while it unwinds.
 */
export class ExpansionError extends BakeError {
  readonly kind = "expansion" as const;
  /** The innermost variable (or `VAR[flag]`) whose expansion failed; null for a bare expression. */
  readonly variable: string | null;
  /** The partially expanded text being worked on when the failure happened. */
  readonly expression: string | null;
  override readonly cause?: unknown;
  // `location` is where the innermost variable was last set, when the history knows.
  // Innermost first, as BitBake's varlist; `chain` reverses it.
  private readonly varlist: string[];
  private readonly baseMessage: string;

  constructor(variable: string | null, expression: string | null, cause: unknown, location?: HistoryLoc) {
    const what = describeCause(cause);
    const where = location ? ` (set at ${location.file}:${location.line})` : "";
    let base: string;
    if (variable) {
      base = expression
        ? `Failure expanding variable ${variable}${where}, expression was ${expression} which triggered exception ${what}`
        : `Failure expanding variable ${variable}${where}: ${what}`;
    } else {
      base = `Failure expanding expression ${expression ?? ""} which triggered exception ${what}`;
    }
    super(base, { location: location ?? null });
    this.name = "ExpansionError";
    this.variable = variable;
    this.expression = expression;
    if (cause !== undefined) this.cause = cause;
    this.varlist = [variable ?? expression ?? ""];
    this.baseMessage = base;
    this.message = this.render();
  }

  /** Variables that were being expanded, outermost first. */
  get chain(): string[] {
    return [...this.varlist].reverse();
  }

  /** Called by each enclosing expansion while the error unwinds. */
  addVar(variable: string | null): void {
    if (!variable) return;
    this.varlist.push(variable);
    this.message = this.render();
  }

  private render(): string {
    return `${this.baseMessage}\nThe variable dependency chain for the failure is: ${this.chain.join(" -> ")}`;
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error || (typeof cause === "object" && cause !== null && "message" in cause)) {
    const e = cause as { name?: string; message?: string };
    return `${e.name ?? "Error"}: ${e.message ?? ""}`;
  }
  return String(cause);
}

/** Parsing must stop (BitBake's bb.fatal): old override syntax, unstable OVERRIDES, `bb.fatal()` in metadata code. */
export class FatalError extends BakeError {
  readonly kind = "fatal" as const;
  constructor(message: string, location?: HistoryLoc) {
    super(message, { location: location ?? null });
    this.name = "FatalError";
  }
}

/** Thrown by metadata code (`throw new bb.parse.SkipRecipe("why")`): the recipe is skipped, not failed. */
export class SkipRecipe extends Error {
  constructor(message = "") {
    super(message);
    this.name = "SkipRecipe";
  }
}
