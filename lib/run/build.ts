// A build: the lock, the signatures and stamps, the run queue and the worker pool, wired together.
import { randomUUID } from "node:crypto";
import type { RecipeInfo } from "../config/index.js";
import { isSet, type TaskGraph, type TaskId, type TaskNode } from "../graph/types.js";
import type { SafeRecipeDeps } from "../signature/index.js";
import type { BuildListener, BuildSummary, TaskOutcome } from "./events.js";
import { acquireBuildLock } from "./build-lock.js";
import { isolationCommand, mayUseNetwork, networkIsolationAvailable } from "./network.js";
import { TaskPool } from "./pool.js";
import { runQueue, type InterruptSource } from "./scheduler.js";
import { invalidateTask, readTaint, SstateSession, type SstateSettings } from "../setscene/index.js";
import { BakeError } from "../common/errors.js";

export interface BuildOptions {
  readonly topdir: string;
  /** Variables passed through from the environment, as the configuration was loaded with (workers load it again). */
  readonly vars?: Readonly<Record<string, string>>;
  /** The bbappends of each recipe file (RecipeCollection.appends). */
  readonly appends?: ReadonlyMap<string, readonly string[]>;
  /** Tasks at once (BB_NUMBER_THREADS). */
  readonly threads: number;
  /** `-k`. */
  readonly keepGoing?: boolean;
  /** `-f`: run the target tasks even when current. */
  readonly force?: boolean;
  /** `-n`: go through the motions (order, stamps checked) without running or stamping anything. */
  readonly dryRun?: boolean;
  /** `-C TASK`: invalidate TASK of each target's recipe, then build. */
  readonly clearStamp?: string | null;
  /** The tasks to consider; default the graph's targets and all they depend on. */
  readonly tasks?: Iterable<TaskId>;
  readonly listener?: BuildListener;
  readonly interrupts?: InterruptSource;
  /**
   * `${STAMP}` of a recipe when known without parsing it (from the parse cache); undefined makes
   * a worker parse the recipe to find it.
   */
  readonly stampBase?: (recipe: RecipeInfo) => string | null | undefined;
  /** Shared state and hash equivalence (see setscene/); none: local signatures, no restores. */
  readonly sstate?: SstateSettings | null;
  /** Write signature data (`${STAMP}.do_x.sigdata.<unihash>`) for each task that runs. */
  readonly sigdata?: boolean;
  /** `bake -S`: write the signature data of every task, run nothing. */
  readonly dumpSignatures?: boolean;
  /** `-S printdiff`: also say where the current signatures start to differ from the nearest ones recorded. */
  readonly printdiff?: (lines: readonly string[]) => void;
  /**
   * BitBake's setscene switches: `none` (--no-setscene: restore nothing, and a restore of an earlier
   * build does not count as done), `skip` (--skip-setscene: restore nothing, earlier restores stay
   * done), `only` (--setscene-only: restore, run nothing else); default `normal`.
   */
  readonly setscene?: SetsceneMode;
  /** SIGGEN_EXCLUDE_SAFE_RECIPE_DEPS: dependency edges the signatures leave out. */
  readonly safeRecipeDeps?: SafeRecipeDeps;
}

export type SetsceneMode = "normal" | "none" | "skip" | "only";

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    "stamp-base-missing": StampBaseMissing;
  }
}

export class StampBaseMissing extends BakeError {
  readonly kind = "stamp-base-missing" as const;
  constructor(readonly recipeId: string) {
    super(`STAMP is not set for ${recipeId}: cannot tell which of its tasks are done`);
    this.name = "StampBaseMissing";
  }
}

/** The targets and every task they depend on (all of the graph when it names no targets). */
export function tasksToRun(graph: TaskGraph): Set<TaskId> {
  if (graph.targets.length === 0) return new Set(graph.nodes.keys());
  const out = new Set<TaskId>();
  const work = graph.targets.filter((t) => graph.nodes.has(t));
  while (work.length > 0) {
    const id = work.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    for (const dep of graph.nodes.get(id)!.deps) if (graph.nodes.has(dep) && !out.has(dep)) work.push(dep);
  }
  return out;
}

function withDoPrefix(task: string): string {
  return task.startsWith("do_") ? task : `do_${task}`;
}

/**
 * BitBake's BB_TASKDEPDATA for one task: every task it depends on, transitively, as
 * `{ "<task id>": [pn, task, [dependency ids…], recipe file, variant] }`. Staging reads it to know
 * which recipes' sysroot output belongs in this recipe's sysroot.
 */
export function taskDepData(graph: TaskGraph, node: TaskNode): Record<string, [string, string, string[], string, string]> {
  const out: Record<string, [string, string, string[], string, string]> = {};
  const stack = [...node.deps];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id in out) continue;
    const dep = graph.nodes.get(id);
    if (!dep) continue;
    out[id] = [dep.recipe.pn, dep.task.name, [...dep.deps], dep.recipe.file, dep.recipe.variant];
    stack.push(...dep.deps);
  }
  return out;
}

export async function runBuild(graph: TaskGraph, opts: BuildOptions): Promise<BuildSummary> {
  const set = new Set(opts.tasks ?? tasksToRun(graph));
  const nodes = [...set].map((id) => graph.nodes.get(id)).filter((n): n is TaskNode => n !== undefined);
  const lock = acquireBuildLock(opts.topdir);
  const pool = new TaskPool(opts.threads);
  const note = (level: "note" | "warning", text: string) => opts.listener?.({ type: "Note", level, text });
  let session: SstateSession | null = null;
  try {
    if (lock.takenOver) {
      const killed = lock.takenOver.killedGroups.length;
      note(
        "warning",
        `took over the build lock of bake pid ${lock.takenOver.pid}, which is gone` +
          (killed > 0 ? `; killed ${killed} task process group${killed > 1 ? "s" : ""} it left running` : ""),
      );
    }
    const vars = opts.vars ?? {};
    const request = (recipe: RecipeInfo) => ({
      topdir: opts.topdir,
      vars,
      recipeFile: recipe.file,
      variant: recipe.variant,
      appends: opts.appends?.get(recipe.file) ?? [],
    });

    // Where each recipe's stamps are: needed for every task, before any signature (taints).
    const recipes = new Map<string, RecipeInfo>();
    for (const n of nodes) recipes.set(n.recipeId, n.recipe);
    const bases = new Map<string, string>();
    await Promise.all(
      [...recipes].map(async ([id, recipe]) => {
        const known = opts.stampBase?.(recipe);
        const base = known !== undefined ? known : await pool.stampBase(request(recipe));
        if (!base) throw new StampBaseMissing(id);
        bases.set(id, base);
      }),
    );

    // -f and -C as BitBake's invalidate_task: stamps removed, a taint written.
    if (opts.force) {
      for (const t of graph.targets) {
        const n = graph.nodes.get(t);
        if (n && set.has(t)) invalidateTask(bases.get(n.recipeId)!, n.task.name);
      }
    }
    if (opts.clearStamp) {
      const targetRecipes = new Set(graph.targets.map((t) => graph.nodes.get(t)?.recipeId));
      for (const task of opts.clearStamp.split(",").filter(Boolean).map(withDoPrefix)) {
        for (const id of targetRecipes) {
          if (id === undefined) continue;
          if (nodes.some((n) => n.recipeId === id && n.task.name === task)) invalidateTask(bases.get(id)!, task);
          else note("warning", `-C ${task}: ${id} has no task ${task} in this build`);
        }
      }
    }

    // Said once per build, not per task (the kernel's answer does not change in between), and
    // only when a task is about to run without it: asking costs a process, which a build where
    // every task is current does not start.
    let isolationAsked = false;
    const sayIfNotIsolated = (n: TaskNode) => {
      if (isolationAsked || mayUseNetwork(n.task.name, n.task.flags.network ?? null)) return;
      isolationAsked = true;
      if (!networkIsolationAvailable()) {
        note(
          "warning",
          "network isolation is not available here (unshare --net --map-current-user is refused): " +
            "tasks other than do_fetch and [network] tasks run with network access",
        );
      }
    };

    // A nostamp task gets a new taint each build, so whatever depends on it reruns (BitBake).
    const buildTaint = `nostamp:${randomUUID()}`;
    const taints = new Map<TaskId, string | null>();
    session = await SstateSession.open({
      graph,
      set,
      bases,
      threads: opts.threads,
      note,
      onSetscene: (node, result, elapsedMs) =>
        opts.listener?.({ type: "Setscene", node, result, unihash: session!.signatures.unihashOf(node.id), elapsedMs }),
      sstate: opts.dumpSignatures && !opts.printdiff ? null : (opts.sstate ?? null),
      dryRun: opts.dryRun ?? false,
      sigdata: opts.sigdata ?? false,
      setsceneStamps: opts.setscene !== "none",
      ...(opts.safeRecipeDeps ? { safeRecipeDeps: opts.safeRecipeDeps } : {}),
      request,
      taint: (id) => {
        if (taints.has(id)) return taints.get(id)!;
        const n = graph.nodes.get(id)!;
        let taint: string | null;
        if (isSet(n.task.flags.nostamp)) taint = buildTaint;
        else {
          const base = bases.get(n.recipeId);
          taint = base === undefined ? null : readTaint(base, n.task.name);
          if (taint !== null && set.has(id)) note("warning", `${n.recipe.pn}:${n.task.name} is tainted from a forced run`);
        }
        taints.set(id, taint);
        return taint;
      },
    });
    const sstate = session;
    const stamps = sstate.stamps;
    if (opts.dumpSignatures) {
      // printdiff needs the previous signature data as it was: find it before writing the new.
      const roots = opts.printdiff ? await sstate.invalidRoots() : [];
      const written = await sstate.writeSigData(nodes);
      note("note", `wrote the signature data of ${written} tasks beside their stamps`);
      if (opts.printdiff) opts.printdiff(sstate.printdiff(roots));
      return { total: set.size, ran: 0, current: 0, failed: 0, notRun: 0, unstarted: set.size, interrupted: false, failures: [] };
    }
    const setscene = opts.setscene ?? "normal";
    if (setscene === "normal" || setscene === "only") await sstate.setscene();
    else if (setscene === "skip") sstate.keepEarlierRestores();
    // --setscene-only: what was restored (and what that made unnecessary) or is current, nothing else.
    const queued = setscene === "only" ? new Set([...set].filter((id) => sstate.covers(graph.nodes.get(id)!))) : set;

    const execute = async (node: TaskNode, signal: AbortSignal): Promise<TaskOutcome> => {
      if (opts.dryRun) {
        // What would fail at once when run fails the dry run too, naming the task.
        const python = isSet(node.task.flags.noexec) ? undefined : node.task.pythonFuncs?.[0];
        return python === undefined ? { ok: true } : { ok: false, failure: { reason: "python-function", func: python, log: null } };
      }
      // Made unnecessary by a restore after it was queued: nothing to run, nothing to stamp.
      if (sstate.unneeded(node)) return { ok: true };
      sstate.taskStarted(node.id);
      // After afterRun: hash equivalence may have given the task an earlier build's unihash.
      let log: string | null = null;
      let cpu: number | undefined;
      const ran = () => opts.listener?.({ type: "TaskRan", node, unihash: sstate.signatures.unihashOf(node.id), log, ...(cpu !== undefined ? { cpu } : {}) });
      if (!isSet(node.task.flags.noexec)) {
        sayIfNotIsolated(node);
        const outcome = await pool.runTask(
          {
            ...request(node.recipe),
            task: node.task.name,
            taskhash: sstate.signatures.taskhashOf(node.id),
            taskdepdata: JSON.stringify(taskDepData(graph, node)),
            // Asked just above (sayIfNotIsolated) for a task without the network: told to the worker.
            ...(isolationAsked ? { unshare: isolationCommand() } : {}),
          },
          {
            signal,
            onSpawn: (pgid, runfile) => lock.recordProcess(pgid, runfile),
            onFetch: (event) => opts.listener?.({ type: "TaskFetch", node, event }),
          },
        );
        log = outcome.ok ? (outcome.log ?? null) : outcome.failure.log || null;
        cpu = outcome.cpu;
        if (!outcome.ok) {
          ran();
          return outcome;
        }
      }
      try {
        await sstate.afterRun(node);
      } catch (err) {
        const message = `shared state of ${node.recipe.pn}:${node.task.name}: ${err instanceof Error ? err.message : String(err)}`;
        return { ok: false, failure: { reason: "error", message, log: null } };
      } finally {
        ran();
      }
      stamps.write(node);
      return { ok: true };
    };

    return await runQueue(graph, queued, {
      threads: opts.threads,
      keepGoing: opts.keepGoing ?? false,
      execute,
      isCurrent: (node, ranDeps) => sstate.isCurrent(node, ranDeps),
      interrupts: opts.interrupts,
      listener: opts.listener,
    });
  } finally {
    await session?.close();
    await pool.close();
    lock.release();
  }
}
