// The configuration kept between runs: after bblayers.conf, the layer.conf files, bake.conf and
// the configuration classes are evaluated, the datastore and the evaluator's state are written to
// <TOPDIR>/cache/configuration, and the next run with the same environment variables loads them
// instead of evaluating again while every file the configuration read or looked for has the same
// stamp (or, stamp changed, the same content) and bake's code is the same build. The history of
// every variable is a file of its own, read only when -e or getvar asks for one.
//
// Only a configuration that is data, and the Python namespace, alone is kept. Python that could
// have written to the datastore or reached the world (a `${@...}` expanded, a python function or
// event handler run, a message shown: oe-core's configuration) is evaluated every time: what it
// read (the environment, the host, the clock) is not in the key. The namespace steps (`addpylib`,
// `def` blocks: a BitBake-style core layer such as the benchmark's meta-bitbake-min) touch no
// datastore; they are kept with the configuration and taken again in a thread's interpreter
// before its first Python crossing, so a run that needs no Python starts no interpreter. A
// `${@...}` whose result read the datastore alone (inline-memo.ts: no host file, no clock, no
// message, no write; the benchmark's PN from bb.parse.vars_from_file, expanded with OVERRIDES)
// does not stop it either: its inputs are the configuration's, and what the interpreter shows of
// the host besides (os.uname, the working directory, PATH, Pyodide's version: python/world.ts)
// is kept with it and compared.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { deserialize, serialize } from "node:v8";
// The evaluator's state and file cache alone, not evaluate/index.js: a kept configuration is
// loaded without the evaluator, the parser or Python (a warm command loads none of them).
import { MetadataFiles } from "../evaluate/files.js";
import { Metadata, type MetadataSnapshot } from "../evaluate/state.js";
import type { HistorySnapshot } from "../data/index.js";
import { requirePythonNamespace, type PythonNamespaceStep } from "../data/inline-engines.js";
import { pythonWorld } from "../python/world.js";
import { codeGeneration } from "./code-generation.js";
import type { BuildConfiguration } from "./configuration.js";
import type { Layer } from "./layers.js";
import { FileHashes, type FileInput } from "./parse-cache.js";

/** Bump when what is stored changes shape. */
const FORMAT = 3;

interface Stored {
  readonly format: number;
  readonly inputs: readonly FileInput[];
  readonly layerDirs: readonly string[];
  readonly layers: readonly Layer[];
  readonly warnings: readonly string[];
  readonly metadata: MetadataSnapshot;
  readonly python: KeptPython;
}

/** What a kept configuration's Python did (see the header). */
export interface KeptPython {
  /** What it left in the interpreter. */
  readonly namespace: readonly PythonNamespaceStep[];
  /** What its interpreter showed of the host (python/world.ts), when a `${@...}` result was kept; null if none ran. */
  readonly world: string | null;
}

/** What a loaded (or evaluated) configuration is made of, besides its datastore. */
export interface ConfigurationParts {
  readonly metadata: Metadata;
  readonly layerDirs: readonly string[];
  readonly layers: readonly Layer[];
  readonly warnings: readonly string[];
  /** Every file the configuration read or looked for, with its stamp and content hash. */
  readonly inputs: readonly FileInput[];
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 24);
}

/** `<code generation>-<topdir and variables>`: one file pair per set of environment variables. */
function names(topdir: string, vars: Readonly<Record<string, string>>): { dir: string; generation: string; base: string } {
  const generation = digest(`${FORMAT}\0${codeGeneration()}`);
  const base = `${generation}-${digest(JSON.stringify([topdir, Object.entries(vars).sort()]))}`;
  return { dir: join(topdir, "cache", "configuration"), generation, base };
}

/**
 * The configuration an earlier run kept for this build directory and these variables, or null
 * when there is none or one of its inputs changed. `record`: whether -e and getvar may read
 * each variable's history.
 */
export function keptConfiguration(
  topdir: string,
  vars: Readonly<Record<string, string>>,
  record: boolean,
  files: MetadataFiles = new MetadataFiles(),
  hashes: FileHashes = new FileHashes(),
): BuildConfiguration | null {
  const dir = resolve(topdir);
  const kept = readConfiguration(dir, vars, record, hashes);
  if (kept === null) return null;
  const { python, ...parts } = kept;
  const m = parts.metadata;
  const keptPython = python.namespace.length > 0 || python.world !== null || m.d.inlineLanguage === "python" || m.layerLanguages.some((l) => l.language === "python");
  return { topdir: dir, files, ...parts, kept: true, keptPython };
}

function readConfiguration(
  topdir: string,
  vars: Readonly<Record<string, string>>,
  record: boolean,
  hashes: FileHashes,
): (ConfigurationParts & { readonly python: KeptPython }) | null {
  const { dir, base } = names(topdir, vars);
  let stored: Stored;
  try {
    stored = deserialize(readFileSync(join(dir, `${base}.v8`))) as Stored;
  } catch {
    return null;
  }
  if (stored.format !== FORMAT) return null;
  if (stored.python.world !== null && stored.python.world !== pythonWorld()) return null;
  let restamped = false;
  hashes.learnAbsences(stored.inputs);
  for (const input of stored.inputs) {
    const state = hashes.check(input);
    if (state === "changed") return null;
    if (state === "moved") restamped = true;
  }
  requirePythonNamespace(stored.python.namespace);
  const historyFile = join(dir, `${base}.history.v8`);
  const history = (): HistorySnapshot => deserialize(readFileSync(historyFile)) as HistorySnapshot;
  const parts = {
    python: stored.python,
    metadata: Metadata.restore(stored.metadata, history, record),
    layerDirs: stored.layerDirs,
    layers: stored.layers,
    warnings: stored.warnings,
    inputs: restamped ? stored.inputs.map((input) => hashes.restamp(input)) : stored.inputs,
  };
  // Files touched but unchanged: record their new stamps so that the next run does not read them.
  if (restamped) {
    try {
      writeStored(dir, base, { ...stored, inputs: parts.inputs }, null);
    } catch {
      // Read-only: the next run reads them again.
    }
  }
  return parts;
}

/** Whether a configuration is data and Python namespace alone (see the header): only such a one is kept. */
export function keepable(m: Metadata, ranPython: boolean): boolean {
  return !ranPython && m.handlers.length === 0;
}

/** Keeps a configuration evaluated with full history; failing to write it only costs the next run an evaluation. */
export function writeConfiguration(
  topdir: string,
  vars: Readonly<Record<string, string>>,
  parts: ConfigurationParts,
  python: KeptPython = { namespace: [], world: null },
): void {
  const { dir, generation, base } = names(topdir, vars);
  try {
    mkdirSync(dir, { recursive: true });
    // Files of other builds of bake's code are of no use any more.
    for (const f of readdirSync(dir)) if (!f.startsWith(generation)) rmSync(join(dir, f), { force: true });
    const stored: Stored = {
      format: FORMAT,
      inputs: parts.inputs,
      layerDirs: parts.layerDirs,
      layers: parts.layers,
      warnings: parts.warnings,
      metadata: parts.metadata.snapshot(),
      python,
    };
    writeStored(dir, base, stored, parts.metadata.d.historySnapshot());
  } catch {
    // A read-only build directory: evaluate every time.
  }
}

/** The history first, then the data: the data file is what makes the pair valid. */
function writeStored(dir: string, base: string, stored: Stored, history: HistorySnapshot | null): void {
  if (history !== null) writeAtomically(join(dir, `${base}.history.v8`), serialize(history));
  writeAtomically(join(dir, `${base}.v8`), serialize(stored));
}

function writeAtomically(path: string, data: Buffer): void {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
