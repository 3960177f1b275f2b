// Expected failures of the hash-equivalence protocol, shared by server and client.
import { BakeError } from "../../common/errors.js";

declare module "../../common/errors.js" {
  interface BakeErrorKinds {
    "hashserv-invoke": HashservInvokeError;
    "hashserv-reply": HashservReplyError;
    "hashserv-config": HashservConfigError;
  }
}

/**
 * A request the server refused (bad permissions, invalid unihash, unknown user…). On the wire
 * it is {"invoke-error": {"message": …}}, after which the server hangs up, as BitBake's does.
 */
export class HashservInvokeError extends BakeError {
  readonly kind = "hashserv-invoke" as const;
  constructor(message: string, readonly request?: string) {
    super(message);
    this.name = "HashservInvokeError";
  }
}

/** A server's reply did not have the shape the protocol promises. */
export class HashservReplyError extends BakeError {
  readonly kind = "hashserv-reply" as const;
  constructor(readonly request: string, readonly peer: string, detail: string) {
    super(`${peer}: unexpected reply to '${request}': ${detail}`);
    this.name = "HashservReplyError";
  }
}

/** The server could not be started as configured. */
export class HashservConfigError extends BakeError {
  readonly kind = "hashserv-config" as const;
  constructor(message: string) {
    super(message);
    this.name = "HashservConfigError";
  }
}
