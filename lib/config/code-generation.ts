// Which build of bake's code made a cached result: results of an older evaluator (a parse cache
// entry, a configuration snapshot) must not be trusted by a newer one.
//
// The code is identified by its content, not its file stamps: `npm run build` (tsc) writes again
// every module whose imports changed shape, with new mtimes and the same text, and a stamp-based
// identity made each such rebuild a cold parse. The content hash of every module is kept beside
// the code with the stamp it was taken at, so a run whose modules are unchanged costs a stat per
// module, as before, and reads only those whose stamps moved.
import { createHash } from "node:crypto";
import { join } from "node:path";
import { codeDigest, stagesText } from "../common/code-digest.js";
import { packagePath } from "../common/install.js";

/** The stages whose code shapes what the configuration and a recipe parse produce. */
const STAGES = ["parse", "data", "evaluate", "signature", "config", "python"] as const;

/**
 * The compiled stages' part of the digest (what `stagesText` gives for them), put in by
 * `npm run build` when it bundles the code (scripts/build.mjs): the bundle's code is the build's
 * and nothing else, so its runs digest only the Python sources, which are read, not bundled (a
 * stat of 16 files instead of 91, about 10 ms of a warm `bake -p`). Not defined in dist/lib as
 * tsc writes it, whose runs (the tests) digest every module as before, to the same value.
 */
declare const BAKE_BUNDLED_STAGES: string | undefined;

let memo: string | null = null;

function stageDirs(): [string, string][] {
  const lib = packagePath("dist", "lib");
  return STAGES.map((s): [string, string] => [s, join(lib, s)]);
}

function pythonDirs(): [string, string][] {
  return [["py", packagePath("lib", "python", "py")]];
}

export function codeGeneration(): string {
  // The compiled stages, and the Python sources bake's `bb` module is read from (not compiled).
  memo ??= typeof BAKE_BUNDLED_STAGES === "string" ? bundleGeneration(BAKE_BUNDLED_STAGES) : codeDigest([...stageDirs(), ...pythonDirs()], packagePath("dist", ".code-hashes.json"));
  return memo;
}

/** codeGeneration in a bundle whose compiled stages' part (bundledStages() when it was built) is `stages`. */
export function bundleGeneration(stages: string): string {
  // Its own hashes file: dist/lib's runs and the bundle's would each rewrite the other's.
  const python = stagesText(pythonDirs(), packagePath("dist", "generated", ".code-hashes.json"));
  return createHash("sha256").update(stages + python).digest("hex");
}

/** The compiled stages' part of codeGeneration's digest, for the bundle (see BAKE_BUNDLED_STAGES). */
export function bundledStages(): string {
  return stagesText(stageDirs(), null);
}
