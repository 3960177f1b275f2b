// Which build of bake's code made a cached result: results of an older evaluator (a parse cache
// entry, a configuration snapshot) must not be trusted by a newer one.
//
// The code is identified by its content, not its file stamps: `npm run build` (tsc) writes again
// every module whose imports changed shape, with new mtimes and the same text, and a stamp-based
// identity made each such rebuild a cold parse. The content hash of every module is kept beside
// the code with the stamp it was taken at, so a run whose modules are unchanged costs a stat per
// module, as before, and reads only those whose stamps moved.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packagePath } from "../common/install.js";

/** The stages whose code shapes what the configuration and a recipe parse produce. */
const STAGES = ["parse", "data", "evaluate", "signature", "config", "python"] as const;

/** One module's stamp (`mtime-ns:size:inode`) and the sha256 of its content at that stamp. */
type Known = readonly [stamp: string, hash: string];

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

/**
 * A digest of the `.js` and `.py` files under each named directory, by relative path and content.
 * `hashesFile` keeps each file's content hash with its stamp between runs (null: keep nothing);
 * it is rewritten when a stamp moved, and one that cannot be written (a read-only install) only
 * costs the next run the reads.
 */
export function codeDigest(dirs: readonly (readonly [name: string, dir: string])[], hashesFile: string | null): string {
  return createHash("sha256").update(stagesText(dirs, hashesFile)).digest("hex");
}

/** What codeDigest digests: each file's name and content hash, in order. */
function stagesText(dirs: readonly (readonly [name: string, dir: string])[], hashesFile: string | null): string {
  let known: Record<string, Known> = {};
  if (hashesFile !== null) {
    try {
      known = JSON.parse(readFileSync(hashesFile, "utf8")) as Record<string, Known>;
    } catch {
      // None yet, or unreadable: every module is read once.
    }
  }
  const now: Record<string, Known> = {};
  let moved = false;
  let text = "";
  for (const [name, dir] of dirs) {
    let files: string[];
    try {
      files = filesUnder(dir).sort();
    } catch {
      continue;
    }
    for (const f of files) {
      if (!f.endsWith(".js") && !f.endsWith(".py")) continue;
      const path = join(dir, f);
      const st = statSync(path, { bigint: true });
      const stamp = `${st.mtimeNs}:${st.size}:${st.ino}`;
      let entry = known[path];
      if (entry === undefined || entry[0] !== stamp) {
        entry = [stamp, createHash("sha256").update(readFileSync(path)).digest("hex")];
        moved = true;
      }
      now[path] = entry;
      text += `${name}/${f}\0${entry[1]}\0`;
    }
  }
  if (hashesFile !== null && (moved || Object.keys(known).length !== Object.keys(now).length)) {
    try {
      const tmp = `${hashesFile}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(now));
      renameSync(tmp, hashesFile);
    } catch {
      // Read-only: the next run hashes the moved modules again.
    }
  }
  return text;
}

/**
 * The paths of the files under `dir`, relative to it. Node 20's `readdirSync(dir, { recursive: true })`
 * cost 17-19 ms of processor time for these 12 directories, a walk of them 1-2 ms: every command
 * that reads metadata pays it once.
 */
function filesUnder(dir: string, prefix = ""): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...filesUnder(dir, path));
    else files.push(path);
  }
  return files;
}
