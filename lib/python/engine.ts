// The embedded CPython: Pyodide (CPython compiled to WebAssembly, from the npm registry: its
// wasm and standard library ship in the package, nothing is downloaded). One interpreter per
// thread, loaded on first need: bake's own layers never pay for it. Loading is asynchronous
// and parsing is not, so a parse that meets Python before the engine is loaded stops with
// PythonNotLoaded and is run again once it is (`withPython`).
import { readdirSync, statSync } from "node:fs";
import { arch, availableParallelism, hostname, release, version as osVersion } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PyodideInterface } from "pyodide";
import { packagePath } from "../common/install.js";

/** Python was needed before the engine was loaded in this thread. */
export class PythonNotLoaded extends Error {
  override readonly name = "PythonNotLoaded";
}

let engine: PyodideInterface | null = null;
let loading: Promise<PyodideInterface> | null = null;
let wanted = false;

/** bake's Python sources (the `bb` module and the bridge): lib/python/py of the repository. */
export const PYTHON_SOURCES = packagePath("lib", "python", "py");

// Directories of the emscripten file system that are Python's own; every other top-level
// directory of the host is mounted at its own path, so metadata paths mean the same thing.
const KEEP = new Set(["lib", "dev", "proc", "sys"]);

const MACHINE: Record<string, string> = { x64: "x86_64", arm64: "aarch64", ia32: "i686", arm: "armv7l", riscv64: "riscv64", ppc64: "ppc64le", s390x: "s390x" };

/** The interpreter of this thread; throws PythonNotLoaded (and remembers it was wanted) until `loadPython` has run. */
export function python(): PyodideInterface {
  if (engine === null) {
    wanted = true;
    throw new PythonNotLoaded("the Python engine is not loaded in this thread");
  }
  return engine;
}

export function pythonLoaded(): boolean {
  return engine !== null;
}

export async function loadPython(): Promise<PyodideInterface> {
  loading ??= start();
  engine = await loading;
  return engine;
}

/**
 * Runs `fn`; if it needed Python before the engine was loaded, loads it and runs `fn` again
 * (parsing is deterministic, so the second run sees exactly what the first would have).
 */
export async function withPython<T>(fn: () => T): Promise<T> {
  if (engine !== null) return fn();
  wanted = false;
  try {
    return fn();
  } catch (err) {
    if (!wanted) throw err;
  }
  await loadPython();
  return fn();
}

async function start(): Promise<PyodideInterface> {
  const { loadPyodide } = await import("pyodide");
  // The package's own directory, given explicitly: Pyodide otherwise works it out from a stack
  // trace, which source-map support (ava's) rewrites.
  const indexURL = dirname(fileURLToPath(import.meta.resolve("pyodide"))) + "/";
  const py = await loadPyodide({ indexURL, stdout: () => {}, stderr: () => {}, env: { HOME: "/home" } });
  for (const entry of readdirSync("/")) {
    if (KEEP.has(entry)) continue;
    const host = join("/", entry);
    if (!statSync(host, { throwIfNoEntry: false })?.isDirectory()) continue;
    try {
      py.mountNodeFS(host, host);
    } catch {
      // A directory the emscripten file system will not mount over (its own /home): skipped.
    }
  }
  py.globals.set("_bake_uname", [ "Linux", hostname(), release(), osVersion(), MACHINE[arch()] ?? arch() ]);
  py.globals.set("_bake_cwd", process.cwd());
  py.globals.set("_bake_cpus", availableParallelism());
  py.globals.set("_bake_path", process.env.PATH ?? "/usr/bin:/bin");
  py.globals.set("_bake_sources", PYTHON_SOURCES);
  py.runPython(`
import os, sys
# Metadata asks the build host (BUILD_ARCH = "\${@os.uname()[4]}"), not the WebAssembly machine.
os.uname = (lambda u: lambda: os.uname_result(u))(tuple(_bake_uname.to_py()))
os.sched_getaffinity = (lambda n: lambda pid: set(range(n)))(_bake_cpus)
try:
    os.chdir(_bake_cwd)
except OSError:
    pass
sys.path.insert(0, _bake_sources)
# The host's PATH only: classes look programs up in it (HOSTTOOLS); nothing else of the environment.
os.environ.clear()
os.environ["PATH"] = _bake_path
sys.dont_write_bytecode = True
`);
  return py;
}
