// What a Python interpreter of this process shows its code besides the datastore and the host's
// files (engine.ts sets it up): os.uname(), the working directory, the processor count, PATH (all of
// os.environ), the host's python3 (as sys.executable) and the Python of the Pyodide package. A configuration whose `${@...}` results read
// only the datastore is kept between runs with this (config/configuration-cache.ts) and evaluated
// again when it differs. A light module: a warm run computes it without loading the engine.
import { accessSync, constants, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { arch, availableParallelism, hostname, release, version } from "node:os";
import { packagePath } from "../common/install.js";

function pyodideVersion(): string {
  try {
    return (JSON.parse(readFileSync(packagePath("node_modules", "pyodide", "package.json"), "utf8")) as { version: string }).version;
  } catch {
    // Installed elsewhere (hoisted): resolved as the engine resolves it.
    try {
      return (JSON.parse(readFileSync(new URL("package.json", import.meta.resolve("pyodide")), "utf8")) as { version: string }).version;
    } catch {
      return "?";
    }
  }
}

/**
 * What the interpreter gives as sys.executable: the host's python3 found on PATH, as BitBake's
 * sys.executable is the host Python that runs it (oe-core: `PYTHON = "${@sys.executable}"`, which
 * shell tasks run). Pyodide's own would name whatever process booted the interpreter that the
 * user's snapshot was made of, so values and signatures would depend on it. "" when there is none.
 */
export function hostPython(path = process.env.PATH ?? "/usr/bin:/bin"): string {
  for (const dir of path.split(delimiter)) {
    if (!dir.startsWith("/")) continue;
    const candidate = join(dir, "python3");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return "";
}

/** The world this thread's interpreter was started in (engine.ts notes it), or null before one is. */
let started: string | null = null;

export function noteInterpreterStarted(): void {
  started = pythonWorld();
}

/** What this thread's interpreter sees: the world it started in, else what one started now would see. */
export function interpreterWorld(): string {
  return started ?? pythonWorld();
}

export function pythonWorld(): string {
  return JSON.stringify([hostname(), release(), version(), arch(), process.cwd(), availableParallelism(), process.env.PATH ?? "/usr/bin:/bin", hostPython(), pyodideVersion()]);
}
