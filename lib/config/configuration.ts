// The build configuration, as BitBake's cookerdata.parseConfigurationFiles: conf/bblayers.conf, each
// layer's conf/layer.conf, then conf/bake.conf along BBPATH, then the base class and INHERIT.
import { existsSync, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { DataStore, type PythonNamespaceStep } from "../data/index.js";
import { evaluateFile, inheritConfigurationClasses, layerLanguages, setConfigurationIncluded, Metadata, MetadataFiles, which } from "../evaluate/index.js";
import { SyntaxTreeStore } from "../parse/syntax-store.js";
import { firePythonEvent, pythonDataOnlyResults, pythonEffects, recordingNamespaceSteps } from "../python/index.js";
import { interpreterWorld } from "../python/world.js";
import { codeGeneration } from "./code-generation.js";
import { keepable, keptConfiguration, writeConfiguration } from "./configuration-cache.js";
import { ConfigurationError } from "./errors.js";
import { checkLayers, readLayers, type Layer } from "./layers.js";
import { FileHashes, type FileInput } from "./parse-cache.js";

export interface BuildConfiguration {
  readonly topdir: string;
  readonly metadata: Metadata;
  /** Layer directories from BBLAYERS, in order. */
  readonly layerDirs: readonly string[];
  readonly layers: readonly Layer[];
  readonly warnings: readonly string[];
  readonly files: MetadataFiles;
  /** Every file the configuration read or looked for, with its stamp and content hash (the parse cache's key). */
  readonly inputs: readonly FileInput[];
  /** Loaded as an earlier run kept it (configuration-cache.ts), not evaluated. */
  readonly kept: boolean;
  /**
   * Kept, and its values may run Python when expanded (a BitBake-style configuration): the thread
   * has no interpreter yet, and one is started by `withPython` (or `loadPython`) when needed.
   */
  readonly keptPython?: boolean;
}

export interface LoadOptions {
  readonly topdir: string;
  /**
   * Set before anything is read (variables passed through from the environment). BBPRECONF and
   * BBPOSTCONF (`bake -r`/`-R`, BitBake's environment variables of those names) list files read
   * before conf/bblayers.conf and after conf/bake.conf; being variables, they reach every worker
   * that loads the configuration again and the parse cache's key.
   */
  readonly vars?: Readonly<Record<string, string>>;
  readonly files?: MetadataFiles;
  /** Stop after the layers (for `bake layers …`). */
  readonly layersOnly?: boolean;
  /** Record every operation for -e and getvar (default), or only where each variable was last set. */
  readonly history?: boolean;
  /**
   * Load the configuration kept by an earlier run when its inputs are unchanged, and keep this one
   * (default true; see configuration-cache.ts). Not with `layersOnly`.
   */
  readonly cache?: boolean;
  /**
   * This process leads the run (the command's own thread, not a parse or task thread): it removes
   * the syntax trees that other builds of bake's code kept for configuration files.
   */
  readonly prune?: boolean;
}

/** BitBake's data.expandVarref: replace `${NAME}` by its current value everywhere, so each layer keeps its own LAYERDIR. */
function expandReference(d: DataStore, name: string, file: string): void {
  const ref = "${" + name + "}";
  const value = d.getVar(name, false) ?? "";
  for (const key of d.keys()) {
    const current = d.getVar(key, false);
    if (current !== null && current.includes(ref)) {
      d.setVar(key, current.split(ref).join(value), { file, line: 0, op: `expand \${${name}}` });
    }
  }
}

/**
 * A `-r`/`-R` file: absolute, else relative to the build directory, else along BBPATH (as BitBake's
 * parse_config_file). Paths looked at before the one found are inputs of the configuration.
 */
function extraConfFile(topdir: string, m: Metadata, file: string, variable: string): string {
  if (isAbsolute(file)) {
    if (existsSync(file)) return file;
  } else {
    const beside = join(topdir, file);
    if (existsSync(beside)) return beside;
    m.depend(beside);
    const { found, attempts } = which(m.d.getVar("BBPATH") ?? "", file);
    for (const a of attempts) m.depend(a);
    if (found !== null) return found;
  }
  throw new ConfigurationError(`configuration file ${file} (${variable === "BBPRECONF" ? "-r" : "-R"}, ${variable}) not found`, file);
}

export function loadBuildConfiguration(opts: LoadOptions): BuildConfiguration {
  const files = opts.files ?? new MetadataFiles();
  const hashes = new FileHashes();
  if (opts.cache !== false && !opts.layersOnly) {
    const kept = keptConfiguration(resolve(opts.topdir), opts.vars ?? {}, opts.history !== false, files, hashes);
    if (kept !== null) return kept;
  }
  return evaluateBuildConfiguration(opts, files, hashes);
}

/**
 * The configuration evaluated, and kept for later runs when it can be, without asking for a kept
 * one first: for a caller that has asked already (cli/context.ts, which does so without loading
 * this module).
 */
export function evaluateBuildConfiguration(opts: LoadOptions, files = opts.files ?? new MetadataFiles(), hashes = new FileHashes()): BuildConfiguration {
  const topdir = resolve(opts.topdir);
  const vars = opts.vars ?? {};
  const cache = opts.cache !== false && !opts.layersOnly;
  // A configuration that ran Python is evaluated on every run (configuration-cache.ts), and so are
  // the configurations of the parse threads: their files' syntax trees are kept, so that the ANTLR
  // runtime is neither loaded nor run for bitbake.conf, base.bbclass and the like when unchanged.
  if (cache) files.keepTreesIn(new SyntaxTreeStore(join(topdir, "cache", "syntax"), codeGeneration(), opts.prune === true), false);
  const effectsBefore = pythonEffects();
  const dataOnlyBefore = pythonDataOnlyResults();
  const { result: config, steps: namespace } = recordingNamespaceSteps(() => evaluateConfiguration(topdir, opts, files));
  const ranPython = pythonEffects() !== effectsBefore;
  // `${@...}` results that read the datastore alone still read what the interpreter shows of the host.
  const world = pythonDataOnlyResults() !== dataOnlyBefore ? interpreterWorld() : null;
  // Looked for and not found as the evaluation saw it, whatever is there now.
  const inputs = [
    ...[...config.metadata.files].sort().map((path) => (files.exists(path) ? hashes.input(path) : hashes.absence(path))),
    ...pythonLibraryFiles(namespace).map((path) => hashes.input(path)),
  ];
  const parts = { ...config, inputs };
  if (cache && opts.history !== false && keepable(config.metadata, ranPython)) {
    writeConfiguration(topdir, vars, parts, { namespace, world });
  }
  return { topdir, files, ...parts, kept: false };
}

/**
 * The Python files of the libraries `addpylib` imported while the configuration was read: values
 * computed then (an immediate `:=`, PN for OVERRIDES) and every recipe's parse ran their code, so an
 * edit of one must be seen as an edit of bitbake.conf is, by a kept configuration and by the parse
 * cache (BitBake's cache does not look at them, and keeps values an older library computed). The
 * namespace's own package (DIR/NAMESPACE, or DIR/NAMESPACE.py), whose modules a layer imports.
 */
function pythonLibraryFiles(steps: readonly PythonNamespaceStep[]): string[] {
  const found = new Set<string>();
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== "__pycache__") walk(path);
      } else if (e.name.endsWith(".py")) found.add(path);
    }
  };
  for (const step of steps) {
    if (step.kind !== "pylib") continue;
    const root = join(step.dir, step.namespace);
    walk(root);
    if (existsSync(`${root}.py`)) found.add(`${root}.py`);
  }
  return [...found].sort();
}

/** BitBake's parseConfigurationFiles, into a new datastore. */
function evaluateConfiguration(
  topdir: string,
  opts: LoadOptions,
  files: MetadataFiles,
): { metadata: Metadata; layerDirs: string[]; layers: Layer[]; warnings: string[] } {
  const ev = { files };
  const m = new Metadata(new DataStore(), "global");
  m.includeStack = [];
  const d = m.d;
  if (opts.history === false) d.disableTracking();
  d.setVar("TOPDIR", topdir);
  for (const [name, value] of Object.entries(opts.vars ?? {})) d.setVar(name, value);
  const bblayers = join(topdir, "conf", "bblayers.conf");
  if (!existsSync(bblayers)) {
    throw new ConfigurationError(`no conf/bblayers.conf in ${topdir}: run bake from a build directory (or the repository root)`);
  }
  const extraFiles = (name: string) => (opts.vars?.[name] ?? "").split(/\s+/).filter(Boolean).map((f) => extraConfFile(topdir, m, f, name));
  for (const f of extraFiles("BBPRECONF")) evaluateFile(f, m, ev, true);
  evaluateFile(bblayers, m, ev, true);
  const layerDirs = (d.getVar("BBLAYERS") ?? "")
    .split(/\s+/)
    .filter(Boolean)
    .map((l) => resolve(topdir, l.replace(/^~(?=\/|$)/, homedir()).replace(/\/+$/, "")));
  const missing = layerDirs.filter((l) => !statSync(l, { throwIfNoEntry: false })?.isDirectory());
  if (missing.length > 0) {
    throw new ConfigurationError(`these layer directories in BBLAYERS (${bblayers}) do not exist: ${missing.join(", ")}`, null, { file: bblayers });
  }
  // bake's own configuration (conf/bake.conf, meta-core) writes `${@...}` in JavaScript; a core
  // layer with BitBake's conf/bitbake.conf and no bake.conf (openembedded-core) in Python.
  const flavour = configurationFlavour(layerDirs);
  if (flavour === "bitbake") {
    d.inlineLanguage = "python";
    // What BitBake's cookerdata sets before the layers are read (the default multiconfig).
    d.setVar("BB_CURRENT_MC", "");
  }
  // Each layer's LAYERSERIES_COMPAT is taken as its layer.conf leaves it, then removed, so that one
  // layer cannot inherit another's; the core series are the first layer's LAYERSERIES_CORENAMES.
  // Both are set again afterwards, sorted (BitBake's cookerdata does all this).
  const compat = new Map<string, string[]>();
  let coreSeries: string[] = [];
  const collectionsNow = () => (d.getVar("BBFILE_COLLECTIONS") ?? "").split(/\s+/).filter(Boolean);
  for (const layer of layerDirs) {
    const conf = join(layer, "conf", "layer.conf");
    if (!existsSync(conf)) throw new ConfigurationError(`layer ${layer} has no conf/layer.conf`, layer, { file: bblayers });
    const known = new Set(collectionsNow());
    d.setVar("LAYERDIR", layer);
    d.setVar("LAYERDIR_RE", layer.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    evaluateFile(conf, m, ev, true);
    expandReference(d, "LAYERDIR", conf);
    expandReference(d, "LAYERDIR_RE", conf);
    for (const c of collectionsNow()) {
      if (known.has(c) || compat.has(c)) continue;
      compat.set(c, (d.getVar(`LAYERSERIES_COMPAT_${c}`) ?? "").split(/\s+/).filter(Boolean));
      d.delVar(`LAYERSERIES_COMPAT_${c}`);
    }
    if (coreSeries.length === 0) {
      coreSeries = (d.getVar("LAYERSERIES_CORENAMES") ?? "").split(/\s+/).filter(Boolean);
      if (coreSeries.length > 0) d.delVar("LAYERSERIES_CORENAMES");
    }
  }
  const here = { file: "bake (the layers' series, sorted)", line: 0 };
  for (const [c, series] of compat) if (series.length > 0) d.setVar(`LAYERSERIES_COMPAT_${c}`, [...new Set(series)].sort().join(" "), here);
  coreSeries = [...new Set(coreSeries)].sort();
  d.setVar("LAYERSERIES_CORENAMES", coreSeries.join(" "), here);
  d.delVar("LAYERDIR_RE");
  d.delVar("LAYERDIR");
  addDynamicFiles(d, collectionsNow(), bblayers);
  const all = collectionsNow();
  const duplicate = all.find((c, i) => all.indexOf(c) !== i);
  if (duplicate !== undefined) {
    throw new ConfigurationError(`duplicated BBFILE_COLLECTIONS '${duplicate}': a layer is listed twice in BBLAYERS, or two layers use one name`, duplicate);
  }
  const layers = readLayers(d).map((l) => ({ ...l, seriesCompat: compat.get(l.name) ?? l.seriesCompat }));
  m.layerLanguages = layerLanguages(d, layers);
  const warnings = checkLayers(layers, coreSeries);
  if (!opts.layersOnly) {
    if (!d.getVar("BBPATH")) throw new ConfigurationError("BBPATH is not set: conf/bblayers.conf or a layer.conf must set it");
    const confName = flavour === "bitbake" ? "conf/bitbake.conf" : "conf/bake.conf";
    const { found: mainConf, attempts } = which(d.getVar("BBPATH")!, confName);
    // One created earlier on BBPATH (say in TOPDIR) would be read instead.
    for (const a of attempts) m.depend(a);
    if (mainConf === null) throw new ConfigurationError(`${confName} not found along BBPATH: is meta-core (or openembedded-core's meta) in BBLAYERS?`);
    // BitBake's cookerdata hands its parser the relative name, which its include history shows.
    evaluateFile(mainConf, m, ev, true, confName);
    for (const f of extraFiles("BBPOSTCONF")) evaluateFile(f, m, ev, true);
    inheritConfigurationClasses(m, files);
    setConfigurationIncluded(m);
    m.includeStack = null;
    if (m.handlers.length > 0) firePythonEvent("ConfigParsed", [], d, m.handlers);
  }
  // Where a core configuration was looked for decides the flavour: a bake.conf added later changes it.
  for (const l of layerDirs) for (const f of ["bake.conf", "bitbake.conf"]) m.files.add(join(l, "conf", f));
  return { metadata: m, layerDirs, layers, warnings };
}

/** "bake" when a layer has conf/bake.conf (bake's meta-core), "bitbake" when none has and one has conf/bitbake.conf. */
function configurationFlavour(layerDirs: readonly string[]): "bake" | "bitbake" {
  if (layerDirs.some((l) => existsSync(join(l, "conf", "bake.conf")))) return "bake";
  return layerDirs.some((l) => existsSync(join(l, "conf", "bitbake.conf"))) ? "bitbake" : "bake";
}

/**
 * BBFILES_DYNAMIC (BitBake's cookerdata, after every layer.conf): each `collection:pattern` whose
 * collection is in BBFILE_COLLECTIONS (`!collection:pattern`: is not) appends its pattern to
 * BBFILES, as an append applied when BBFILES is read; an entry of another form is an error.
 */
function addDynamicFiles(d: DataStore, collections: readonly string[], bblayers: string): void {
  const invalid: string[] = [];
  const here = { file: "bake (BBFILES_DYNAMIC)", line: 0 };
  for (const entry of (d.getVar("BBFILES_DYNAMIC") ?? "").split(/\s+/).filter(Boolean)) {
    const colon = entry.indexOf(":");
    if (colon < 0) {
      invalid.push(entry);
      continue;
    }
    const invert = entry.startsWith("!");
    const collection = entry.slice(invert ? 1 : 0, colon);
    if (collections.includes(collection) !== invert) d.appendVar("BBFILES", " " + entry.slice(colon + 1), here);
  }
  if (invalid.length > 0) {
    throw new ConfigurationError(
      `BBFILES_DYNAMIC entries must be of the form {!}<collection name>:<filename pattern>, not:\n    ${invalid.join("\n    ")}`,
      null,
      { file: bblayers },
    );
  }
}
