// The JavaScript object Python's `d` (bake_bridge.DataSmart) calls: bake's DataStore itself,
// with BitBake's calling conventions, and what the evaluator knows beside it (inherited
// classes, tasks) for bb.data.inherits_class and bb.build.addtask.
import type { DataStore } from "../data/index.js";

/** The evaluator's state beside a datastore (evaluate's Metadata). */
export interface MetadataOwner {
  readonly inherited: readonly string[];
  readonly tasks: readonly string[];
  addTask(task: string, before: string, after: string): void;
  delTask(task: string): void;
}

const owners = new WeakMap<DataStore, MetadataOwner>();
const facades = new WeakMap<DataStore, object>();

export function bindMetadata(d: DataStore, owner: MetadataOwner): void {
  owners.set(d, owner);
}

function text(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

export function pythonFacade(d: DataStore): object {
  let f = facades.get(d);
  if (f !== undefined) return f;
  f = {
    // JavaScript null reaches Python as pyodide's jsnull; undefined reaches it as None.
    getVar: (name: string, expand: boolean) => d.getVar(name, expand) ?? undefined,
    setVar: (name: string, value: unknown, parsing: boolean) => d.setVar(name, text(value), { parsing }),
    appendVar: (name: string, value: unknown) => d.appendVar(name, text(value) ?? ""),
    prependVar: (name: string, value: unknown) => d.prependVar(name, text(value) ?? ""),
    delVar: (name: string) => d.delVar(name),
    renameVar: (from: string, to: string) => d.renameVar(from, to),
    getVarFlag: (name: string, flag: string, expand: boolean) => d.getVarFlag(name, flag, expand) ?? undefined,
    setVarFlag: (name: string, flag: string, value: unknown) => d.setVarFlag(name, flag, text(value)),
    appendVarFlag: (name: string, flag: string, value: unknown) => d.appendVarFlag(name, flag, text(value) ?? ""),
    prependVarFlag: (name: string, flag: string, value: unknown) => d.prependVarFlag(name, flag, text(value) ?? ""),
    delVarFlag: (name: string, flag: string) => d.delVarFlag(name, flag),
    getVarFlags: (name: string, expand: unknown, internal: boolean) =>
      d.getVarFlags(name, Array.isArray(expand) ? expand : Boolean(expand), internal) ?? undefined,
    expand: (s: string, varname: string | null | undefined) => d.expand(s, varname ?? null),
    expandKeys: () => d.expandKeys(),
    setVarFilter: (name: string, expression: string | null | undefined) => d.setVarFilter(name, expression ?? null),
    keys: () => d.keys(),
    has: (name: string) => d.getVar(name, false) !== null || d.getVarFlags(name) !== null,
    hasOverrides: (name: string) => d.hasOverrides(name),
    createCopy: () => {
      const copy = d.createCopy();
      const owner = owners.get(d);
      if (owner) owners.set(copy, { ...owner, inherited: [...owner.inherited], tasks: [...owner.tasks] });
      return pythonFacade(copy);
    },
    inherited: () => [...(owners.get(d)?.inherited ?? [])],
    tasks: () => [...(owners.get(d)?.tasks ?? [])],
    addTask: (task: string, before: string, after: string) => owners.get(d)?.addTask(task, before, after),
    delTask: (task: string) => owners.get(d)?.delTask(task),
  };
  facades.set(d, f);
  return f;
}
