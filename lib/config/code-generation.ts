// Which build of bake's code made a cached result: results of an older evaluator (a parse cache
// entry, a configuration snapshot) must not be trusted by a newer one.
import { createHash } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { packagePath } from "../common/install.js";

/** The stages whose code shapes what the configuration and a recipe parse produce. */
const STAGES = ["parse", "data", "evaluate", "signature", "config", "python"] as const;

let memo: string | null = null;

/**
 * A hash of the compiled modules of those stages, taken from their stamps (path, size, mtime in
 * ns): a rebuild changes it, and looking costs a stat per module rather than a read.
 */
export function codeGeneration(): string {
  if (memo !== null) return memo;
  const lib = packagePath("dist", "lib");
  const h = createHash("sha256");
  // The compiled stages, and the Python sources bake's `bb` module is read from (not compiled).
  const dirs: [string, string][] = [...STAGES.map((s): [string, string] => [s, join(lib, s)]), ["py", packagePath("lib", "python", "py")]];
  for (const [name, dir] of dirs) {
    let files: string[];
    try {
      files = readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
    } catch {
      continue;
    }
    for (const f of files) {
      if (!f.endsWith(".js") && !f.endsWith(".py")) continue;
      const st = statSync(join(dir, f), { bigint: true });
      h.update(`${name}/${f}\0${st.size}\0${st.mtimeNs}\0`);
    }
  }
  memo = h.digest("hex");
  return memo;
}
