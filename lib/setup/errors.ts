import { BakeError } from "../common/errors.js";

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    "layers-file": LayersFileError;
    "layer-setup": LayerSetupError;
    "bblayers-conf": BblayersConfError;
  }
}

/** One problem in layers/layers.json or the lock, at a field path such as `layers[1].revision`. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** layers/layers.json (or layers.lock.json) is not valid JSON or breaks the schema. */
export class LayersFileError extends BakeError {
  readonly kind = "layers-file" as const;
  override readonly name = "LayersFileError";

  constructor(
    readonly file: string,
    readonly issues: readonly FieldIssue[],
  ) {
    super(issues.map((i) => `${file}: ${i.path === "" ? "" : `${i.path}: `}${i.message}`).join("\n"), { location: { file } });
  }
}

/** A layer could not be brought to (or inspected at) its pinned state; names the layer. */
export class LayerSetupError extends BakeError {
  readonly kind = "layer-setup" as const;
  override readonly name = "LayerSetupError";

  constructor(
    readonly layer: string,
    message: string,
  ) {
    super(`layer ${layer}: ${message}`);
  }
}

/** conf/bblayers.conf cannot be rewritten safely (a marker of the generated block is missing). */
export class BblayersConfError extends BakeError {
  readonly kind = "bblayers-conf" as const;
  override readonly name = "BblayersConfError";

  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`, { location: { file } });
  }
}
