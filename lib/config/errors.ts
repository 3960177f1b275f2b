/** A problem with the set of layers or the build configuration, naming the layer and the value. */
export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";

  constructor(
    message: string,
    readonly layer: string | null = null,
  ) {
    super(message);
  }
}
