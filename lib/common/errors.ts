// Expected failures: what the user can fix (metadata, configuration, a layer, a key, a flag, what a
// server answered), as opposed to bugs. Every stage's expected errors extend BakeError, with a
// `kind` naming the reason and, where it is known, the place in a file that caused it. cli/ prints
// a BakeError as a message (cli/failure.ts); anything else that reaches it is a bug and keeps its
// stack. Signals that are not failures (SkipRecipe, PythonNotLoaded, the task runner's own) stay
// plain Errors.

/** Where in a file a failure comes from; line and column (1-based) when known. */
export interface SourceLocation {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
}

/**
 * Every kind of expected failure, mapped to its class. Each stage adds its own beside the class:
 *
 *     declare module "../common/errors.js" {
 *       interface BakeErrorKinds { "nothing-provides": NothingProvides }
 *     }
 *
 * so the union is complete wherever it is used, and a `switch (e.kind)` that ends in
 * `unreachable(e)` stops compiling until a new kind is handled.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface BakeErrorKinds {}

export type BakeErrorKind = keyof BakeErrorKinds;

/** Any expected failure, narrowed to its class by a `switch` over `kind`. */
export type AnyBakeError = BakeErrorKinds[BakeErrorKind];

export interface BakeErrorOptions {
  readonly location?: SourceLocation | null;
  readonly cause?: unknown;
}

export abstract class BakeError extends Error {
  abstract readonly kind: BakeErrorKind;
  readonly location: SourceLocation | null;

  constructor(message: string, options: BakeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.location = options.location ?? null;
  }
}

/** An expected failure (a BakeError of any kind), as opposed to a bug. */
export function isBakeError(e: unknown): e is AnyBakeError {
  return e instanceof BakeError;
}

/** The end of a `switch` that has handled every case: a new case is a compile error here. */
export function unreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
