import { BakeError, type SourceLocation } from "../common/errors.js";

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    configuration: ConfigurationError;
    "recipe-parse": RecipeParseFailures;
  }
}

/** A problem with the set of layers or the build configuration, naming the layer and the value. */
export class ConfigurationError extends BakeError {
  readonly kind = "configuration" as const;
  override readonly name = "ConfigurationError";

  constructor(
    message: string,
    readonly layer: string | null = null,
    location: SourceLocation | null = null,
  ) {
    super(message, { location });
  }
}

/** One or more recipes failed to parse; each message names the file, line and cause. */
export class RecipeParseFailures extends BakeError {
  readonly kind = "recipe-parse" as const;
  override readonly name = "RecipeParseFailures";
  constructor(readonly failures: readonly string[]) {
    super(`${failures.length} recipe(s) failed to parse:\n${failures.join("\n")}`);
  }
}
