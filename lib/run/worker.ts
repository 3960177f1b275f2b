// The piscina worker: loads the build configuration once per (topdir, environment variables), parses the recipe
// variant a task belongs to (keeping the recently used ones), and runs the task on a copy of its datastore, so that what a `js` task sets does
// not leak into the next task (BitBake forks a process per task for the same reason).
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { MessagePort } from "node:worker_threads";
import { withLock } from "../fetch/index.js";
import { loadBuildConfiguration, type BuildConfiguration } from "../config/index.js";
import { parseRecipeVariants, type ParsedRecipe } from "../evaluate/index.js";
import { withPython } from "../python/index.js";
import type { FetchEvent } from "../fetch/index.js";
import type { TaskOutcome } from "./events.js";
import { executeTask } from "./execute.js";

export interface RecipeRequest {
  readonly topdir: string;
  readonly vars: Readonly<Record<string, string>>;
  readonly recipeFile: string;
  /** "" or the BBCLASSEXTEND entry (`native`…). */
  readonly variant: string;
  readonly appends: readonly string[];
}

export interface TaskRequest extends RecipeRequest {
  readonly task: string;
  readonly taskhash: string;
  /** BB_TASKDEPDATA: JSON of the tasks this one depends on, transitively (what staging reads). */
  readonly taskdepdata?: string;
  /** Messages to the main thread (PortMessage); from it: `"kill"`. */
  readonly port?: MessagePort;
}

export type PortMessage =
  | { readonly type: "spawned"; readonly pgid: number; readonly runfile: string }
  /** The fetcher of a `js` function reported something (progress is sent at most every 200 ms per file). */
  | { readonly type: "fetch"; readonly event: FetchEvent };

/** A task waits this long for its [lockfiles] before failing. */
const LOCKFILE_TIMEOUT_MS = 6 * 3600 * 1000;

let config: { key: string; value: BuildConfiguration } | null = null;
const recipes = new Map<string, ParsedRecipe>();
// The run queue starts the longest chains first, which interleaves recipes: a recipe's next task
// seldom follows its last one, so keep the recipes of a build's front, not just the last few.
const RECIPES_KEPT = 64;

function configuration(req: RecipeRequest): BuildConfiguration {
  const key = JSON.stringify([req.topdir, Object.entries(req.vars).sort()]);
  if (config?.key !== key) {
    config = { key, value: loadBuildConfiguration({ topdir: req.topdir, vars: req.vars }) };
    recipes.clear();
  }
  return config.value;
}

function recipe(req: RecipeRequest): ParsedRecipe {
  const conf = configuration(req);
  const key = JSON.stringify([req.recipeFile, req.variant, req.appends]);
  let parsed = recipes.get(key);
  if (parsed) {
    recipes.delete(key);
  } else {
    parsed = parseRecipeVariants(conf.metadata, req.recipeFile, req.appends, conf.files, [req.variant])[0];
    if (parsed === undefined) throw new Error(`${req.recipeFile} has no variant "${req.variant}"`);
    if (parsed.skipped !== null) throw new Error(`${req.recipeFile} is skipped: ${parsed.skipped}`);
  }
  // Most recently used last: the first key is the one to drop.
  recipes.set(key, parsed);
  if (recipes.size > RECIPES_KEPT) recipes.delete(recipes.keys().next().value!);
  return parsed;
}

/** Run one task (piscina's default entry). */
export default async function runTask(req: TaskRequest): Promise<TaskOutcome> {
  const abort = new AbortController();
  req.port?.on("message", (m) => {
    if (m === "kill") abort.abort();
  });
  try {
    let d;
    try {
      d = (await withPython(() => recipe(req))).metadata.d.createCopy();
      if (req.taskdepdata !== undefined) d.setVar("BB_TASKDEPDATA", req.taskdepdata);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, failure: { reason: "error", message: `cannot parse ${req.recipeFile}: ${message}`, log: null } };
    }
    const run = () =>
      executeTask(d, {
        task: req.task,
        taskhash: req.taskhash,
        signal: abort.signal,
        onSpawn: (pgid, runfile) => req.port?.postMessage({ type: "spawned", pgid, runfile } satisfies PortMessage),
        onFetch: (event) => req.port?.postMessage({ type: "fetch", event } satisfies PortMessage),
      });
    // [lockfiles]: held for the whole task, across processes (two builds sharing a directory);
    // taken in sorted order so that two tasks never wait for each other.
    const lockfiles = [...new Set((d.getVarFlag(req.task, "lockfiles") ?? "").split(/\s+/).filter(Boolean))].sort();
    const locked = lockfiles.reduceRight<() => Promise<TaskOutcome>>(
      (inner, path) => () => {
        mkdirSync(dirname(path), { recursive: true });
        return withLock(path, inner, { timeoutMs: LOCKFILE_TIMEOUT_MS, signal: abort.signal });
      },
      run,
    );
    return await locked();
  } finally {
    req.port?.close();
  }
}

/** `${STAMP}` of a recipe variant: where its stamps go (called by name through piscina). */
export async function stampBase(req: RecipeRequest): Promise<string | null> {
  return (await withPython(() => recipe(req))).metadata.d.getVar("STAMP");
}
