import type { Location } from "../parse/index.js";
import type { DataSnapshot, HistorySnapshot } from "../data/index.js";
// Modules, not the stages' index.js: restoring a kept configuration loads no more than this
// (python/index.js would load the Python engine's loader; data/index.js what only evaluation uses).
import { bindInheritedClasses } from "../data/inherited.js";
import { DataStore } from "../data/store.js";
import { bindMetadata } from "../python/datastore.js";
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
 * A file in BitBake's include history (bb.data_smart.IncludeHistory): named as the parser was asked
 * for it (a relative name when it was not found along BBPATH, as conf/site.conf), and what it
 * read in turn.
 */
export interface IncludeNode {
  readonly name: string;
  readonly children: IncludeNode[];
}

/** A Metadata as a configuration snapshot keeps it (the datastore's history apart). */
export interface MetadataSnapshot {
  readonly data: DataSnapshot;
  readonly classType: ClassType;
  readonly inherited: readonly string[];
  readonly deferred: readonly DeferredInherit[];
  readonly anonymous: readonly AnonymousFunction[];
  readonly tasks: readonly string[];
  readonly handlers: readonly string[];
  readonly files: readonly string[];
  readonly includes: readonly IncludeNode[];
  readonly layerLanguages: readonly { readonly pattern: string; readonly flags: string; readonly language: LayerLanguage["language"] }[];
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

  /**
   * What a recipe's own parse included, in order (BitBake's per-recipe `__depends`, which starts
   * empty on top of the configuration's, kept apart as `__base_depends`): files read and paths
   * looked at before them. Null for the configuration, whose `files` is that list.
   */
  included: Set<string> | null = null;

  /** The configuration's include history (what `-e` prints first); recipes share it, unchanged. */
  includes: IncludeNode[] = [];

  /** The files being read, innermost last, while the configuration's include history is recorded; null otherwise. */
  includeStack: IncludeNode[] | null = null;

  /** NAME opened, or looked for and not found, by the file being read (while the history is recorded). */
  includeOpened(name: string): IncludeNode | null {
    const stack = this.includeStack;
    if (stack === null) return null;
    const node: IncludeNode = { name, children: [] };
    (stack.at(-1)?.children ?? this.includes).push(node);
    return node;
  }

  /** A file read, or a path looked at that did not exist: an input of the parse (BitBake's mark_dependency). */
  depend(path: string): void {
    this.files.add(path);
    this.included?.add(path);
  }

  snapshot(): MetadataSnapshot {
    return {
      data: this.d.snapshot(),
      classType: this.classType,
      inherited: this.inherited,
      deferred: this.deferred,
      anonymous: this.anonymous,
      tasks: this.tasks,
      handlers: this.handlers,
      files: [...this.files],
      includes: this.includes,
      layerLanguages: this.layerLanguages.map((l) => ({ pattern: l.pattern.source, flags: l.pattern.flags, language: l.language })),
    };
  }

  /** A snapshot's Metadata; its history is read by `history` when first needed, and recorded from now on if `record`. */
  static restore(s: MetadataSnapshot, history: () => HistorySnapshot, record: boolean): Metadata {
    const m = new Metadata(
      DataStore.restore(s.data, history, record),
      s.classType,
      [...s.inherited],
      [...s.deferred],
      [...s.anonymous],
      [...s.tasks],
      [...s.handlers],
      new Set(s.files),
    );
    m.layerLanguages = s.layerLanguages.map((l) => ({ pattern: new RegExp(l.pattern, l.flags), language: l.language }));
    m.includes = s.includes as IncludeNode[];
    return m;
  }

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
    m.includes = this.includes;
    if (this.included !== null) m.included = new Set(this.included);
    return m;
  }
}

function words(s: string): string[] {
  return s.split(/\s+/).filter(Boolean);
}
