// Parse-time Python for layers written for BitBake: `${@...}`, `def` blocks, anonymous and named
// python functions, event handlers and `addpylib`, run by the embedded CPython (engine.ts) with
// bake's DataStore as `d` (datastore.ts). Errors come back as bake's typed errors: SkipRecipe,
// FatalError (bb.fatal), PythonMetadataError (any other exception, with the metadata line).
import { createRequire } from "node:module";
import type { PyProxy } from "pyodide/ffi";
import {
  DataStore,
  FatalError,
  logMetadataMessage,
  metadataMessageShown,
  pythonNamespacePending,
  registerPythonInline,
  registerVarFilter,
  requirePythonNamespace,
  SkipRecipe,
  takePendingPythonNamespace,
  type InlineResult,
  type JsMessageLevel,
  type PythonNamespaceStep,
} from "../data/index.js";
import { BakeError } from "../common/errors.js";
import { pythonFacade, replayTarget, setPythonCaller } from "./datastore.js";
import { python, PythonNotLoaded } from "./engine.js";
import { lastEvaluation, lastResultPure, lastResultReadDataOnly, memoized, namespaceChanged, outsideEvaluations, recordOutsideWorld, useEarlierAnswers } from "./inline-memo.js";

export { bindMetadata, type MetadataOwner } from "./datastore.js";
export { loadPython, pythonLoaded, PythonNotLoaded, PYTHON_SOURCES, pythonSeed, seedPython, withPython, type PythonSeed } from "./engine.js";

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    "python-metadata": PythonMetadataError;
  }
}

/** A Python exception from metadata code, other than SkipRecipe and bb.fatal. */
export class PythonMetadataError extends BakeError {
  readonly kind = "python-metadata" as const;
  constructor(
    readonly pythonType: string,
    message: string,
    /** file:line of the innermost metadata frame, when known. */
    readonly where: string,
  ) {
    const at = /^(.+):(\d+)$/.exec(where);
    super(`${message}${where ? ` (at ${where})` : ""}`, { location: at ? { file: at[1]!, line: Number(at[2]) } : null });
    // Named as Python names it, so messages read as BitBake's ("… triggered exception NameError: …").
    this.name = pythonType;
  }
}

type Fn = PyProxy & ((...args: unknown[]) => unknown);

interface Bridge {
  eval_inline: Fn;
  analyse: Fn;
  insert_method: Fn;
  run_function: Fn;
  fire: Fn;
  set_handlers: Fn;
  add_pylib: Fn;
  import_modules: Fn;
  describe_error: Fn;
  apply_filter: Fn;
}

let bridge: Bridge | null = null;

function theBridge(): Bridge {
  if (bridge !== null) return bridge;
  const py = python();
  const mod = py.pyimport("bake_bridge") as PyProxy & Record<string, Fn>;
  mod.install!({
    log: (level: string, text: string) => {
      // A message nobody sees (bb.debug while parsing: siteinfo's for every recipe) does not stop
      // the result being reused; one that is shown would not be shown again.
      if (metadataMessageShown(level as JsMessageLevel)) {
        recordOutsideWorld();
        effects++;
      }
      logMetadataMessage(level as JsMessageLevel, text);
    },
    newDatastore: () => pythonFacade(new DataStore()),
    run: (...args: Parameters<typeof runOnHost>) => {
      recordOutsideWorld();
      effects++;
      return runOnHost(...args);
    },
  });
  setPythonCaller(mod.caller! as unknown as () => string);
  const names = ["eval_inline", "analyse", "insert_method", "run_function", "fire", "set_handlers", "add_pylib", "import_modules", "describe_error", "apply_filter"] as const;
  bridge = Object.fromEntries(names.map((n) => [n, mod[n]!])) as unknown as Bridge;
  return bridge;
}

/** A command parse-time Python runs (bb.process.run, subprocess): [exit code, or null if not found; stdout; stderr]. */
function runOnHost(
  cmd: string | string[],
  input: string | undefined,
  cwd: string | undefined,
  env: Map<string, string> | Record<string, string> | undefined,
  shell: boolean,
): [number | null, string, string] {
  const argv = typeof cmd === "string" ? ["/bin/sh", "-c", cmd] : shell ? ["/bin/sh", "-c", cmd.join(" ")] : cmd;
  const environment = env instanceof Map ? Object.fromEntries(env) : env;
  // Loaded on first use: most runs (every warm one) start no command from Python.
  const { spawnSync } = createRequire(import.meta.url)("node:child_process") as typeof import("node:child_process");
  const r = spawnSync(argv[0]!, argv.slice(1), {
    input: input ?? undefined,
    cwd: cwd ?? undefined,
    env: environment ?? { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") return [null, "", ""];
  return [r.status ?? 128, r.stdout ?? "", r.stderr ?? ""];
}

/**
 * Crossings into Python that could have written to a datastore or shown something (every one
 * but code analysis and the namespace steps below): a configuration evaluated without any is kept
 * between runs (config/configuration.ts).
 */
let effects = 0;

export function pythonEffects(): number {
  return effects;
}

/**
 * Whether a recipe's parse changed the metadata namespace in this thread (a `def` block of a class
 * or recipe, an import): the configuration's own steps, and those it left to take, do not count.
 */
let recipeNamespace = false;
let takingSteps = false;

/**
 * Whether something that may leave state in the interpreter ran in this thread: a python function,
 * an event handler, a variable filter, a `${@...}` that did more than read.
 */
let stateChanged = false;

function namespaceStep(): void {
  if (namespaceSteps === null && !takingSteps) recipeNamespace = true;
}

/**
 * Whether this thread's interpreter has done nothing but what a configuration kept between runs
 * does (the namespace steps, `${@...}` that read the datastore alone): then a result that read the
 * datastore alone is what any run of the same configuration would get from the same reads
 * (inline-answers.ts keeps such results between runs). A python function run, an event handled, a
 * message shown, a `def` block of a recipe end it for the thread's life: what they left in the
 * interpreter (a module's global, a function) may change later results.
 */
export function interpreterAsConfigured(): boolean {
  return !stateChanged && !recipeNamespace;
}

/** A `${@...}` result an earlier run kept: its code, what it read (flattened, see inline-memo.ts), its value. */
export type KeptAnswer = readonly [code: string, reads: readonly unknown[], value: string];

/** A code's analysis (what it references), kept with its answers: reused, it needs no interpreter either. */
export type KeptAnalysis = readonly [code: string, references: readonly string[], execs: readonly string[], contains: readonly (readonly [string, readonly string[]])[], expandLiterals: readonly string[]];

/** Results of this thread that may be kept between runs, since `journalAnswers`; null when not asked for. */
let journal: KeptAnswer[] | null = null;

/** Whether this thread's results that may be kept between runs are noted for `takeAnswers` from now on. */
export function journalAnswers(on: boolean): void {
  journal = on ? (journal ?? []) : null;
}

/** The results noted since the last call (see journalAnswers), with their codes' analyses. */
export function takeAnswers(): { readonly answers: readonly KeptAnswer[]; readonly analyses: readonly KeptAnalysis[] } {
  const answers = journal ?? [];
  if (journal !== null) journal = [];
  const kept = [...new Set(answers.map(([code]) => code))].flatMap((code): KeptAnalysis[] => {
    const a = analyses.eval.get(code);
    return a === undefined ? [] : [[code, a.references, a.execs, a.contains, a.expandLiterals]];
  });
  return { answers, analyses: kept };
}

/**
 * Results and analyses an earlier run kept (inline-answers.ts), used while this thread's
 * interpreter is as configured: a recipe whose every `${@...}` they answer is parsed and shown
 * without starting one.
 */
export function useKeptAnswers(answers: readonly KeptAnswer[], kept: readonly KeptAnalysis[]): void {
  useEarlierAnswers(answers, interpreterAsConfigured);
  for (const [code, references, execs, contains, expandLiterals] of kept) {
    if (!analyses.eval.has(code)) analyses.eval.set(code, { references: [...references], execs: [...execs], contains: contains.map(([v, w]) => [v, [...w]]), expandLiterals: [...expandLiterals] });
  }
}

/** `${@...}` results that read the datastore alone (and what the interpreter shows of the world, world.ts). */
let dataOnlyResults = 0;

export function pythonDataOnlyResults(): number {
  return dataOnlyResults;
}

/**
 * The namespace steps taken while a configuration is evaluated (see PythonNamespaceStep), null
 * otherwise: a recipe's `def` blocks are taken again for every recipe, and nobody needs them listed.
 */
let namespaceSteps: PythonNamespaceStep[] | null = null;

/** `fn()`, and the namespace steps this thread's interpreter took while it ran, in order. */
export function recordingNamespaceSteps<T>(fn: () => T): { readonly result: T; readonly steps: readonly PythonNamespaceStep[] } {
  const outer = namespaceSteps;
  const steps: PythonNamespaceStep[] = [];
  namespaceSteps = steps;
  try {
    return { result: fn(), steps };
  } finally {
    namespaceSteps = outer;
    outer?.push(...steps);
  }
}

/** Takes the steps a configuration kept without Python requires (data/inline-engines.ts), before anything else crosses. */
function takeRequiredSteps(): void {
  const steps = takePendingPythonNamespace();
  let i = 0;
  takingSteps = true;
  try {
    for (; i < steps.length; i++) {
      const step = steps[i]!;
      if (step.kind === "pylib") {
        const d = new DataStore();
        if (step.globalModules !== null) d.setVar("BB_GLOBAL_PYMODULES", step.globalModules);
        addPythonLibrary(step.dir, step.namespace, d);
      } else if (step.kind === "def") insertPythonMethod(step.text, step.file, step.line);
      else importPythonModules(step.names);
    }
  } catch (err) {
    // Taken again (and failing again, with the same error) by the next crossing.
    requirePythonNamespace(steps.slice(i));
    throw err;
  } finally {
    takingSteps = false;
  }
}

/** Calls into Python, turning the exception that leaves it into bake's error. */
function call<T>(fn: (b: Bridge) => T): T {
  // Outside any evaluation under way: what installing the bridge reads (its bytecode cache's
  // directory) is the interpreter's, not the first `${@...}`'s to cross.
  const b = bridge ?? outsideEvaluations(theBridge);
  if (pythonNamespacePending()) outsideEvaluations(takeRequiredSteps);
  try {
    return fn(b);
  } catch (err) {
    if (!(err instanceof Error) || err.constructor.name !== "PythonError") throw err;
    const described = b.describe_error() as PyProxy & { toJs(): unknown[] };
    const [kind, type, message, extra] = described.toJs() as [string, string, string, unknown];
    described.destroy();
    if (kind === "js" && extra instanceof Error) throw extra;
    if (kind === "skip") throw new SkipRecipe(message);
    if (kind === "fatal") throw new FatalError(message);
    throw new PythonMetadataError(type, message, typeof extra === "string" ? extra : "");
  }
}

interface Analysis {
  references: string[];
  execs: string[];
  contains: [string, string[]][];
  expandLiterals: string[];
}

// One map per mode, keyed by the code itself: every `${@...}` expansion asks (a few hundred
// thousand times in a parse of oe-core), and a key joined from mode and code was a new string to
// build and hash each time.
const analyses = { eval: new Map<string, Analysis>(), exec: new Map<string, Analysis>() };

function analyse(code: string, mode: "eval" | "exec"): Analysis {
  const kept = analyses[mode];
  let a = kept.get(code);
  if (a === undefined) {
    const r = call((b) => b.analyse(code, mode)) as PyProxy & { toJs(): unknown };
    const [references, execs, contains, expandLiterals] = r.toJs() as [string[], string[], [string, string[]][], string[]];
    r.destroy();
    a = { references, execs, contains, expandLiterals };
    if (kept.size > 50000) kept.clear();
    kept.set(code, a);
  }
  return a;
}

/** `${@code}` in Python with `store` as d (or the result of an earlier evaluation that read the same, see inline-memo.ts). */
export function evalPythonInline(code: string, store: DataStore): InlineResult {
  let value: string;
  try {
    value = memoized(code, replayTarget(store), () => call((b) => b.eval_inline(code, pythonFacade(store))) as string);
  } catch (err) {
    // Without an interpreter nothing ran: the evaluation is made again once there is one (withPython).
    if (!(err instanceof PythonNotLoaded)) {
      effects++;
      stateChanged = true;
    }
    throw err;
  }
  const dataOnly = lastResultReadDataOnly();
  if (dataOnly) dataOnlyResults++;
  else effects++;
  if (!lastResultPure()) stateChanged = true;
  const analysis = analyse(code, "eval");
  if (journal !== null && dataOnly && interpreterAsConfigured()) {
    const evaluated = lastEvaluation();
    if (evaluated !== null) journal.push([code, evaluated.reads, evaluated.value]);
  }
  return { value, ...analysis };
}

registerPythonInline((code, store) => evalPythonInline(code, store as DataStore));
registerVarFilter((expression, value) => {
  effects++;
  stateChanged = true;
  return call((b) => b.apply_filter(expression, value)) as string;
});

/** What a python function body reads (literal getVar names, contains words, calls). */
export function analysePythonFunction(body: string): Analysis {
  return analyse(`def f(d):\n${body}\n    pass\n`, "exec");
}

/** A `def` block: its functions join the namespace every piece of metadata Python sees. */
export function insertPythonMethod(text: string, file: string, line: number): void {
  namespaceStep();
  namespaceChanged(call((b) => b.insert_method(text, file, line)) as number);
  namespaceSteps?.push({ kind: "def", text, file, line });
}

/** Calls the python function `name` (body `body`, first body line `line` of `file`) with `store` as d. */
export function runPythonFunction(name: string, body: string, file: string, line: number, store: DataStore): void {
  effects++;
  stateChanged = true;
  call((b) => b.run_function(name, body, file, line, pythonFacade(store)));
}

/** `addpylib DIR NAMESPACE`: DIR joins sys.path and NAMESPACE (and its BBIMPORTS) is imported into the metadata namespace. */
export function addPythonLibrary(libdir: string, namespace: string, store: DataStore): void {
  namespaceStep();
  namespaceChanged(call((b) => b.add_pylib(libdir, namespace, pythonFacade(store))) as number);
  // What add_pylib read of d, so that the step can be taken again without this datastore.
  namespaceSteps?.push({ kind: "pylib", dir: libdir, namespace, globalModules: store.getVar("BB_GLOBAL_PYMODULES") });
}

/** OE_IMPORTS and the like: modules imported into the metadata namespace by name. */
export function importPythonModules(names: readonly string[]): void {
  if (names.length === 0) return;
  namespaceStep();
  const py = python();
  const list = py.toPy([...names]);
  try {
    namespaceChanged(call((b) => b.import_modules(list)) as number);
    namespaceSteps?.push({ kind: "import", names: [...names] });
  } finally {
    list.destroy();
  }
}

/** Numbers of the handler sets this thread's interpreter has met, by `handlerSetKey`; see bake_bridge.set_handlers. */
const handlerSets = new Map<string, number>();
let handlerSetCount = 0;

/** Numbers of handler bodies, so that a set's key is short: never reused, so a forgotten body only costs a miss. */
const handlerBodies = new Map<string, number>();
let handlerBodyCount = 0;

/**
 * What tells one handler set from another, without its bodies: a recipe's events carry the same
 * few kilobytes of handler code each time (the same strings), and joining or hashing them for each
 * event cost more than the events' Python (JSON.stringify alone 0.8 ms an event on oe-core).
 */
function handlerSetKey(specs: readonly HandlerSpec[]): string {
  return specs
    .map(([name, body, mask, file, line]) => {
      let n = handlerBodies.get(body);
      if (n === undefined) {
        if (handlerBodies.size >= 4096) handlerBodies.clear();
        n = ++handlerBodyCount;
        handlerBodies.set(body, n);
      }
      return `${name}\0${n}\0${mask}\0${file}\0${line}`;
    })
    .join("\n");
}

/**
 * A recipe fires half a dozen events at one or two sets of handlers, and most recipes have the
 * same ones: each set crosses into Python once (as JSON) and is installed by its number after.
 */
function installHandlers(specs: readonly HandlerSpec[]): void {
  const key = handlerSetKey(specs);
  const known = handlerSets.get(key);
  if (known !== undefined) {
    call((b) => b.set_handlers(known, undefined, false));
    return;
  }
  // Bounded: a build of many layers' variants could meet many sets; Python forgets them with us.
  const forget = handlerSets.size >= 256;
  if (forget) handlerSets.clear();
  const number = ++handlerSetCount;
  call((b) => b.set_handlers(number, JSON.stringify(specs), forget));
  // Only once Python has it: a handler that does not compile is reported again by the next recipe.
  handlerSets.set(key, number);
}

type HandlerSpec = [name: string, body: string, mask: string, file: string, line: number];

/** The python handlers of `store` (addhandler names), as [name, body, eventmask, file, line]. */
function handlerSpecs(store: DataStore, names: readonly string[]): HandlerSpec[] {
  return names
    .filter((n) => store.getVarFlag(n, "python", false))
    .map((n) => [
      n,
      store.getVar(n, false) ?? "",
      store.getVarFlag(n, "eventmask") ?? "",
      store.getVarFlag(n, "filename", false) ?? n,
      // The lineno flag is the header's line; the body starts on the next one.
      Number(store.getVarFlag(n, "lineno", false) ?? 1) + 1,
    ]);
}

/**
 * Fires the parse-time event `eventName` (a class of bb.event, built from `args`) at the python
 * handlers named in `handlers`, as BitBake's bb.event.fire during parsing.
 */
export function firePythonEvent(eventName: string, args: readonly unknown[], store: DataStore, handlers: readonly string[]): void {
  const specs = handlerSpecs(store, handlers);
  // Most events a recipe fires reach none of its handlers (their [eventmask] names others):
  // those are settled here, without converting anything into Python. Masks are matched as the
  // bridge matches them (the class name, qualified or not; no mask catches every event).
  const qualified = `bb.event.${eventName}`;
  const reached = specs.some(([, , mask]) => {
    const names = mask.split(/\s+/).filter(Boolean);
    return names.length === 0 || names.includes(qualified) || names.includes(eventName);
  });
  if (!reached) return;
  effects++;
  stateChanged = true;
  const py = python();
  installHandlers(specs);
  const pyArgs = py.toPy([...args]);
  try {
    call((b) => b.fire(eventName, pyArgs, pythonFacade(store)));
  } finally {
    pyArgs.destroy();
  }
}
