// The embedded CPython: Pyodide (CPython compiled to WebAssembly, from the npm registry: its
// wasm and standard library ship in the package, nothing is downloaded). One interpreter per
// thread, loaded on first need: bake's own layers never pay for it. Loading is asynchronous
// and parsing is not, so a parse that meets Python before the engine is loaded stops with
// PythonNotLoaded and is run again once it is (`withPython`).
//
// Starting an interpreter is mostly CPython booting inside WebAssembly (~4.5 s of CPU here, for
// what native CPython does in 20 ms). So the first interpreter of a machine is booted once and its
// memory kept as a snapshot (Pyodide's memory snapshots) in the user's cache directory; every
// later one, in this process or the next, starts from that snapshot. Within a process the
// compiled WebAssembly module is shared too: parse workers get the main thread's module and
// snapshot (`pythonSeed`, `seedPython`), so V8 compiles CPython once per process, not per thread.
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { arch, availableParallelism, homedir, hostname, release, version as osVersion } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import type { PyodideInterface } from "pyodide";
import { packagePath } from "../common/install.js";
import { codeDigest } from "../common/code-digest.js";
import { sweepBytecode } from "./bytecode-cache.js";
import { hostFileSystem } from "./host.js";
import { encodeSnapshot, readFully, readPrelude, restoreMemory, sparseSnapshot, type SnapshotPrelude, type SparseSnapshot } from "./snapshot.js";
import { hostPython, noteInterpreterStarted } from "./world.js";

/** Python was needed before the engine was loaded in this thread. */
export class PythonNotLoaded extends Error {
  override readonly name = "PythonNotLoaded";
}

/** What a thread needs to start an interpreter without compiling or booting CPython again. */
export interface PythonSeed {
  readonly module: WebAssembly.Module;
  /**
   * The boot snapshot: in shared memory when this process made it, else the file the first
   * interpreter was restored from, open (a descriptor is the process's, so any thread reads it).
   */
  readonly snapshot: SparseSnapshot | SnapshotFile;
}

/** A snapshot file, open as `fd`, and its description of itself. */
interface SnapshotFile {
  readonly fd: number;
  readonly prelude: SnapshotPrelude;
}

let engine: PyodideInterface | null = null;
let loading: Promise<PyodideInterface> | null = null;
let wanted = false;
let seed: PythonSeed | null = null;
let compiled: WebAssembly.Module | null = null;
/**
 * The snapshot file this thread's interpreter was restored from, kept open for the process's life:
 * its runs were read straight into the interpreter's memory, and workers read theirs from it too
 * (the same file, which a sweep or a new snapshot may have removed or replaced by name meanwhile).
 */
let snapshotFile: SnapshotFile | null = null;

/** bake's Python sources (the `bb` module and the bridge): lib/python/py of the repository. */
export const PYTHON_SOURCES = packagePath("lib", "python", "py");

// Directories of the emscripten file system that are Python's own; every other top-level
// directory of the host is mounted at its own path, so metadata paths mean the same thing.
const KEEP = new Set(["lib", "dev", "proc", "sys"]);

/**
 * Standard modules the bridge and oe-core's library import that Pyodide's boot does not: kept in
 * the boot snapshot. A module missing here is only compiled at its first import.
 */
const PRELOADED = ["argparse", "datetime", "decimal", "gettext", "hashlib", "ipaddress", "netrc", "numbers", "pkgutil", "shlex", "urllib.parse", "uuid"];

/**
 * The interpreter's string-hash seed. CPython draws one at random per boot unless told, and a
 * snapshot keeps whichever it drew, so set iteration order (oe-core's COMBINED_FEATURES is
 * `" ".join(set & set)`) would differ between two users' caches and so would values and
 * signatures. Pinned as oe-core pins it for its tasks (bitbake.conf: `export PYTHONHASHSEED = "0"`).
 */
const HASH_SEED = "0";

/** Names what the snapshot holds besides Pyodide's boot, so a snapshot from before a change is not reused. */
const SNAPSHOT_CONTENT = `p${PRELOADED.length}-h${HASH_SEED}-s1-b`;

/**
 * What every interpreter is told of this process, restored from a snapshot or not (the JavaScript
 * values are globals set by `start`).
 */
const THIS_PROCESS = `
import os, sys
# Metadata asks the build host (BUILD_ARCH = "\${@os.uname()[4]}"), not the WebAssembly machine.
os.uname = (lambda u: lambda: os.uname_result(u))(tuple(_bake_uname.to_py()))
os.sched_getaffinity = (lambda n: lambda pid: set(range(n)))(_bake_cpus)
try:
    os.chdir(_bake_cwd)
except OSError:
    pass
# The host's PATH only: classes look programs up in it (HOSTTOOLS); nothing else of the environment.
os.environ.clear()
os.environ["PATH"] = _bake_path
sys.executable = _bake_python
if _bake_bytecode is None:
    sys.dont_write_bytecode = True
else:
    sys.pycache_prefix = _bake_bytecode
    sys.dont_write_bytecode = False
`;

/**
 * bake's modules (lib/python/py), imported into the interpreter a snapshot is made of: the file
 * system wrappers installed (without this process's host, which ATTACH gives), then the bridge,
 * which imports \`bb\` (about 0.2 s of processor time in each interpreter when they were imported
 * after every start).
 */
const BAKE_MODULES = `
import sys
sys.path.insert(0, _bake_sources)
import bake_host
bake_host.install(None, ())
import bake_bridge
`;

/**
 * This process's host file system for the wrappers. Pyodide puts "" first in sys.path again when it
 * restores a snapshot; bake's sources stay first, as where they were inserted after a start.
 */
const ATTACH = `
import sys, bake_host
if sys.path[0] != _bake_sources:
    sys.path.remove(_bake_sources)
    sys.path.insert(0, _bake_sources)
bake_host.attach(_bake_host, _bake_mounted.to_py())
`;

const GLOBALS = ["_bake_uname", "_bake_cwd", "_bake_cpus", "_bake_path", "_bake_python", "_bake_sources", "_bake_mounted", "_bake_host", "_bake_bytecode"];

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

/** The compiled module and boot snapshot of this thread's interpreter, once it is loaded: for workers. */
export function pythonSeed(): PythonSeed | null {
  if (engine === null) return null;
  // The open file, not its 15 MB read into shared memory here (50-60 ms of this thread's processor
  // time in a cold -p): each worker reads the runs into its interpreter's memory, as this thread did.
  if (seed === null && snapshotFile !== null && compiled !== null) seed = { module: compiled, snapshot: snapshotFile };
  return seed;
}

/** Starts this thread's interpreter (when it is needed) from another thread's module and snapshot. */
export function seedPython(from: PythonSeed | null | undefined): void {
  if (from && engine === null && loading === null) seed = from;
}

/**
 * Runs `fn`; if it needed Python before the engine was loaded, loads it and runs `fn` again
 * (parsing is deterministic, so the second run sees exactly what the first would have). Also when
 * `fn` returned: something in it may have caught the PythonNotLoaded and gone on (`-e` shows an
 * expansion that failed as a comment, data/describe.ts).
 */
export async function withPython<T>(fn: () => T): Promise<T> {
  if (engine !== null) return fn();
  wanted = false;
  try {
    const result = fn();
    if (!wanted) return result;
  } catch (err) {
    if (!wanted) throw err;
  }
  await loadPython();
  return fn();
}

/**
 * Pyodide's package directory, resolved when an interpreter is started: resolving a package from
 * the module's top level cost every command that imports this module (`-e`, a cold parse) about
 * 10 ms, whether it starts Python or not.
 */
let packageDir: string | null = null;
function pyodideDir(): string {
  packageDir ??= dirname(fileURLToPath(import.meta.resolve("pyodide")));
  return packageDir;
}

/**
 * Where the boot snapshot is kept: one per Pyodide build and bake's Python sources (their directory
 * and content: the snapshot has them imported, and an edited one makes another snapshot), shared by
 * every build directory of the user.
 */
export function snapshotPath(): string | null {
  if (process.env.BAKE_PYTHON_SNAPSHOT === "0") return null;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  const version = (JSON.parse(readFileSync(join(pyodideDir(), "package.json"), "utf8")) as { version: string }).version;
  const wasm = statSync(join(pyodideDir(), "pyodide.asm.wasm"));
  return join(base, "bake", `pyodide-${version}-${wasm.size}-${SNAPSHOT_CONTENT}-${bakeModulesKey(PYTHON_SOURCES)}.snapshot`);
}

/** Names bake's Python sources in `dir` as a snapshot holds them: the directory and each file's path and content. */
export function bakeModulesKey(dir: string): string {
  return createHash("sha256").update(`${dir}\0${codeDigest([["py", dir]], null)}`).digest("hex").slice(0, 16);
}

/**
 * Where compiled bytecode of the layers' Python libraries (oe.*) and of bake's own `bb` is kept,
 * as CPython keeps __pycache__ (checked against each source's size and time), but in the user's
 * cache rather than in the layers: null when that directory is not one Python sees.
 */
function bytecodeCache(mounted: readonly string[]): string | null {
  if (process.env.BAKE_PYTHON_BYTECODE === "0") return null;
  const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "bake", "pycache");
  return dir.startsWith("/") && mounted.includes(dir.split("/")[1]!) ? dir : null;
}

/** The snapshot file at `path`, open, when it is a whole one of this format. */
function openSnapshot(path: string | null): { readonly fd: number; readonly prelude: SnapshotPrelude } | null {
  if (path === null) return null;
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return null;
  }
  try {
    const prelude = readPrelude(fd);
    if (prelude !== null) return { fd, prelude };
  } catch {
    // Unreadable: booted from scratch and written again.
  }
  closeSync(fd);
  return null;
}

/** Kept for the next process; written under a temporary name and renamed, so a reader never sees half of it. */
function writeSnapshot(path: string | null, snapshot: SparseSnapshot): void {
  if (path === null) return;
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(tmp, "w");
    try {
      for (const part of encodeSnapshot(snapshot)) for (let done = 0; done < part.length; ) done += writeSync(fd, part, done);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch {
    // A cache that cannot be written only costs the next process the boot.
    rmSync(tmp, { force: true });
    return;
  }
  sweepSnapshots(path);
}

/** How old another snapshot must be for a new one to remove it. */
const SNAPSHOT_KEPT_MS = 24 * 3600 * 1000;

/**
 * Each snapshot is about 15 MB, and another Pyodide, boot content or lib/python/py (an upgrade of bake)
 * names a new one: when one is written, the others not written for a day go, with temporary files
 * a killed process left. A bake that still uses a removed one boots once more and writes it again.
 */
export function sweepSnapshots(kept: string, now = Date.now()): void {
  const dir = dirname(kept);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (path === kept || !/^pyodide-.*\.snapshot(\.\d+\.tmp)?$/.test(name)) continue;
    const st = statSync(path, { throwIfNoEntry: false });
    if (st?.isFile() && now - st.mtimeMs > SNAPSHOT_KEPT_MS) rmSync(path, { force: true });
  }
}

type Settings = { instantiateWasm?: unknown; INITIAL_MEMORY?: number } & Record<string, unknown>;
type PyodideModule = { HEAP8: Int8Array; HEAPU32: Uint32Array; _emscripten_get_sbrk_ptr(): number };

/** Where a snapshot's runs come from: the file they are read from, or memory (a worker's seed). */
type SnapshotSource =
  | { readonly kind: "file"; readonly fd: number; readonly prelude: SnapshotPrelude }
  | { readonly kind: "memory"; readonly snapshot: SparseSnapshot };

/**
 * Pyodide's module factory, instantiating `module` rather than compiling the wasm file again.
 * The two imports Pyodide's own instantiation adds are its JS fallbacks (used where the engine
 * lacks wasm exception references): they only mark and recognise a JavaScript error crossing.
 * With a snapshot, the new memory is given its contents here, between instantiation and Pyodide's
 * restore, which is handed the header alone (and so copies nothing but reads the header).
 */
async function factoryFor(module: WebAssembly.Module, from: SnapshotSource | null): Promise<(settings: Settings) => Promise<unknown>> {
  const create = ((await import(join(pyodideDir(), "pyodide.asm.mjs"))) as { default: (s: Settings) => Promise<unknown> }).default;
  return async (settings) => {
    settings.instantiateWasm = (imports: { env: Record<string, unknown> }, done: (i: WebAssembly.Instance, m: WebAssembly.Module) => void) => {
      const marker = Symbol("error marker");
      imports.env.Jsv_GetError_import = () => marker;
      imports.env.JsvError_Check = (v: unknown) => v === marker;
      void WebAssembly.instantiate(module, imports as WebAssembly.Imports).then((instance) => done(instance, module));
      return {};
    };
    if (from === null) return create(settings);
    const s = from.kind === "file" ? from.prelude : from.snapshot;
    // The memory Pyodide gives a snapshot's interpreter: as long as its whole snapshot.
    settings.INITIAL_MEMORY = s.header.length + s.memoryLength;
    const m = (await create(settings)) as PyodideModule;
    const memory = new Uint8Array(m.HEAP8.buffer);
    const used = m.HEAPU32[m._emscripten_get_sbrk_ptr() >>> 2]!;
    if (from.kind === "file") restoreMemory(memory, used, s, (off, len, at) => readFully(from.fd, memory, off, len, from.prelude.dataStart + at));
    else restoreMemory(memory, used, s, (off, len, at) => memory.set(from.snapshot.data.subarray(at, at + len), off));
    return m;
  };
}

/** An interpreter from `from`, or booted from nothing (`made` true: its snapshot is still to be made). */
async function boot(module: WebAssembly.Module, from: SnapshotSource | null): Promise<{ py: PyodideInterface; made: boolean }> {
  const { loadPyodide } = await import("pyodide");
  const options = {
    // The package's own directory, given explicitly: Pyodide otherwise works it out from a stack
    // trace, which source-map support (ava's) rewrites.
    indexURL: pyodideDir() + "/",
    stdout: () => {},
    stderr: () => {},
    env: { HOME: "/home", PYTHONHASHSEED: HASH_SEED },
    createPyodideModule: (await factoryFor(module, from)) as never,
  };
  if (from !== null) {
    const header = from.kind === "file" ? from.prelude.header : from.snapshot.header;
    return { py: await loadPyodide({ ...options, _loadSnapshot: header }), made: false };
  }
  const py = await loadPyodide({ ...options, _makeSnapshot: true });
  // Imported once here, they are part of every interpreter started from the snapshot: the standard
  // library in the package has no bytecode, so each interpreter would compile them again (~0.4 s).
  py.runPython(`import ${PRELOADED.join(", ")}`);
  return { py, made: true };
}

/**
 * CPython's module compiled for V8's baseline code only (Liftoff). By default V8 compiles the
 * functions that have run for a while again with its optimising compiler (TurboFan, dynamic tiering)
 * in background threads, and for CPython that costs more processor time than the faster code gives
 * back in a parse: 3,000 `${@...}` calls in a new interpreter (the BitBake-style corpus' PN) took
 * 0.55-0.65 s of the process's processor time with it, 0.25 s without; a cold `-p` of that corpus
 * 0.90 of the processor time with the changes beside it (8 interleaved pairs), of oe-core 1.01 alone
 * (3 pairs), all results the same. The tiers are chosen when a module is compiled, so the flag is
 * the process's only meanwhile: other WebAssembly (undici's HTTP parser) keeps the optimising
 * compiler. Workers are given this module (pythonSeed).
 */
async function compileBaselineOnly(bytes: Uint8Array): Promise<WebAssembly.Module> {
  setFlagsFromString("--liftoff-only");
  try {
    return await WebAssembly.compile(bytes);
  } finally {
    setFlagsFromString("--no-liftoff-only");
  }
}

async function start(): Promise<PyodideInterface> {
  const given = seed;
  const module = given?.module ?? (await compileBaselineOnly(readFileSync(join(pyodideDir(), "pyodide.asm.wasm"))));
  compiled = module;
  const cached = given === null ? snapshotPath() : null;
  const file = given === null ? openSnapshot(cached) : null;
  const from: SnapshotSource | null =
    given !== null
      ? "fd" in given.snapshot
        ? { kind: "file", ...given.snapshot }
        : { kind: "memory", snapshot: given.snapshot }
      : file !== null
        ? { kind: "file", ...file }
        : null;
  let py: PyodideInterface;
  let fresh: boolean;
  let made: SparseSnapshot | null = null;
  try {
    ({ py, made: fresh } = await boot(module, from));
  } catch (err) {
    // A snapshot from a damaged or foreign file: boot from scratch and replace it.
    if (file === null) throw err;
    closeSync(file.fd);
    ({ py, made: fresh } = await boot(module, null));
  }
  if (!fresh && given === null) {
    // Workers are seeded from the file, read again only if a parse starts them (pythonSeed).
    snapshotFile = file;
  }
  // The first interpreter of a run (workers are seeded by it) looks after the bytecode cache.
  const first = given === null;
  const mounted: string[] = [];
  for (const entry of readdirSync("/")) {
    if (KEEP.has(entry)) continue;
    const host = join("/", entry);
    if (!statSync(host, { throwIfNoEntry: false })?.isDirectory()) continue;
    try {
      py.mountNodeFS(host, host);
      mounted.push(entry);
    } catch {
      // A directory the emscripten file system will not mount over (its own /home): skipped.
    }
  }
  noteInterpreterStarted();
  const bytecode = bytecodeCache(mounted);
  const setGlobals = () => {
    py.globals.set("_bake_uname", ["Linux", hostname(), release(), osVersion(), MACHINE[arch()] ?? arch()]);
    py.globals.set("_bake_cwd", process.cwd());
    py.globals.set("_bake_cpus", availableParallelism());
    py.globals.set("_bake_path", process.env.PATH ?? "/usr/bin:/bin");
    py.globals.set("_bake_python", hostPython());
    py.globals.set("_bake_sources", PYTHON_SOURCES);
    py.globals.set("_bake_mounted", mounted);
    py.globals.set("_bake_host", hostFileSystem);
    py.globals.set("_bake_bytecode", bytecode ?? undefined);
  };
  setGlobals();
  py.runPython(THIS_PROCESS);
  if (fresh) {
    // bake's own modules, imported as every interpreter imported them after the lines above, are
    // part of the snapshot: its name carries their content (snapshotPath). What refers to this
    // process's JavaScript objects is let go first, as a snapshot cannot hold it, and set again.
    py.runPython(BAKE_MODULES);
    for (const name of GLOBALS) py.globals.delete(name);
    made = sparseSnapshot(py.makeMemorySnapshot());
    writeSnapshot(cached, made);
    seed = { module, snapshot: made };
    setGlobals();
  }
  py.runPython(ATTACH);
  if (first && bytecode !== null) sweepBytecode(bytecode, py.runPython("sys.implementation.cache_tag") as string);
  return py;
}

