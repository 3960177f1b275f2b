import type { Location } from "../parse/index.js";
import { bindInheritedClasses, type DataStore } from "../data/index.js";
import { bindMetadata } from "../python/index.js";
import type { LayerLanguage } from "./language.js";
import { addTask, deleteTask } from "./tasks.js";

/** Where classes are looked up first: `classes-global/` for the configuration, `classes-recipe/` for recipes. */
export type ClassType = "global" | "recipe";

export interface DeferredInherit {
  readonly classes: string;
  readonly loc: Location;
}

export interface AnonymousFunction {
  readonly name: string;
  readonly language: "js" | "python";
  readonly loc: Location;
}

/**
 * A datastore being built from metadata, with the evaluator's own bookkeeping (what BitBake keeps in
 * `__inherit_cache`, `__BBDEFINHERITS`, `__BBANONFUNCS`, `__BBTASKS`, `__BBHANDLERS`), kept as typed
 * fields rather than as Python lists hidden in variables.
 */
export class Metadata {
  constructor(
    readonly d: DataStore,
    public classType: ClassType,
    readonly inherited: string[] = [],
    readonly deferred: DeferredInherit[] = [],
    readonly anonymous: AnonymousFunction[] = [],
    readonly tasks: string[] = [],
    readonly handlers: string[] = [],
    /** Every file read, and every path looked at that did not exist: the inputs of a parse. */
    readonly files: Set<string> = new Set(),
  ) {
    // What parse-time Python asks beside the datastore: bb.data.inherits_class, bb.build.addtask.
    const here = { file: "python bb.build", line: 0, column: 0 };
    bindInheritedClasses(d, () => this.inherited);
    bindMetadata(d, {
      inherited: this.inherited,
      tasks: this.tasks,
      addTask: (task, before, after) => addTask(this, task, words(before), words(after), here),
      delTask: (task) => deleteTask(this, task, here),
    });
  }

  /** Which layers write `${@...}` in which language (set once the layers are known). */
  layerLanguages: readonly LayerLanguage[] = [];

  copy(): Metadata {
    const m = new Metadata(
      this.d.createCopy(),
      this.classType,
      [...this.inherited],
      [...this.deferred],
      [...this.anonymous],
      [...this.tasks],
      [...this.handlers],
      new Set(this.files),
    );
    m.layerLanguages = this.layerLanguages;
    return m;
  }
}

function words(s: string): string[] {
  return s.split(/\s+/).filter(Boolean);
}
