// zod, loaded when a schema is first used. It is about a hundred modules, and a build where every
// task is current validates nothing (no signature data, object metadata or server reply is read),
// so it should not load them. Every zod user on a build's path goes through here, so one copy is
// loaded (zod's CommonJS build; its ES build beside it would be a second copy of the same code).
import { createRequire } from "node:module";
import type { z as Zod } from "zod";

const require = createRequire(import.meta.url);

/** zod itself, loaded on the first call. */
export function zod(): typeof Zod {
  return (require("zod") as { z: typeof Zod }).z;
}

/** A schema made on first use. */
export function lazySchema<T>(make: (z: typeof Zod) => T): () => T {
  let schema: T | undefined;
  return () => (schema ??= make(zod()));
}
