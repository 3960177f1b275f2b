// The build directory of a command, found before anything of the configuration is loaded.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** The build directory: the nearest directory, from `start` upwards, holding conf/bblayers.conf. */
export function findTopdir(start: string): string | null {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "conf", "bblayers.conf"))) return dir;
    if (dirname(dir) === dir) return null;
  }
}
