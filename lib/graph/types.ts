// The task graph: every task to consider for a build, with what it depends on.
import type { RecipeInfo, TaskInfo } from "../config/index.js";

/** `<recipe id>:<task>`, e.g. `/layers/meta-core/recipes-core/busybox/busybox_1.35.0.bb:do_compile`
 * or `virtual:native:/…/zlib_1.2.13.bb:do_install` (BitBake's task identifiers). */
export type TaskId = string & { readonly __brand: "TaskId" };

export function taskId(recipeId: string, task: string): TaskId {
  return `${recipeId}:${task}` as TaskId;
}

export interface TaskNode {
  readonly id: TaskId;
  /** The recipe id (file, or `virtual:<variant>:file`). */
  readonly recipeId: string;
  readonly recipe: RecipeInfo;
  readonly task: TaskInfo;
  /** Every task that must be done before this one, in this recipe and in others. */
  readonly deps: readonly TaskId[];
}

export interface TaskGraph {
  readonly nodes: ReadonlyMap<TaskId, TaskNode>;
  /** The tasks asked for on the command line (after --runall / --runonly expansion). */
  readonly targets: readonly TaskId[];
}

/** A human name for a task: `busybox:do_compile` (`zlib-native:do_install` for a variant). */
export function displayName(node: TaskNode): string {
  return `${node.recipe.pn}:${node.task.name}`;
}

/** A task flag as BitBake reads `noexec`/`nostamp`: set and not "0". */
export function isSet(flag: string | undefined): boolean {
  return flag !== undefined && flag !== "" && flag !== "0";
}

/** Code-point order, as Python's sorted(). */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
