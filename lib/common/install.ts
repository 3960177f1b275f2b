// Where bake is installed: the directory of its package.json. Files of the package (package.json,
// lib/python/py, lib/report's browser code) are found from here, never by a fixed number of "../"
// from a module, which breaks as soon as a module moves (or code is bundled).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(from: string): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "bake") return dir;
    if (dirname(dir) === dir) throw new Error(`bake's package.json not found above ${from}`);
  }
}

/** The root of bake's tree (package.json, lib/, dist/, meta-core/…). */
export const PACKAGE_ROOT: string = findRoot(fileURLToPath(import.meta.url));

/** A path inside bake's tree. */
export function packagePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}
