// The `d` object inline expressions and js functions see: the datastore with BitBake's Python
// calling conventions.
import { inheritedClasses } from "./inherited.js";
import type { DataStore } from "./store.js";

/**
 * The `d` that inline expressions and js functions receive. Arguments follow BitBake's
 * Python API (`d.getVar('X', False)` with False = false); `d.setVar` behaves as Python's
 * (not parsing: pending appends on the name are dropped).
 */
export class JsDataFacade {
  constructor(private readonly store: DataStore) {}
  getVar(name: string, expand?: unknown): string | null {
    return this.store.getVar(name, truthy(expand));
  }
  getVarFlag(name: string, flag: string, expand?: unknown): string | null {
    return this.store.getVarFlag(name, flag, truthy(expand));
  }
  /** The inherited class files (bb.data.inherits_class reads them). */
  inheritedClasses(): readonly string[] {
    return inheritedClasses(this.store);
  }
  getVarFlags(name: string, expand?: unknown): Record<string, string> | null {
    return this.store.getVarFlags(name, Array.isArray(expand) ? expand : expand === undefined ? false : Boolean(expand));
  }
  setVar(name: string, value: unknown): void {
    this.store.setVar(name, value === null || value === undefined ? null : String(value), { parsing: false });
  }
  setVarFlag(name: string, flag: string, value: unknown): void {
    this.store.setVarFlag(name, flag, value === null || value === undefined ? null : String(value));
  }
  appendVar(name: string, value: unknown): void {
    this.store.appendVar(name, String(value));
  }
  prependVar(name: string, value: unknown): void {
    this.store.prependVar(name, String(value));
  }
  appendVarFlag(name: string, flag: string, value: unknown): void {
    this.store.appendVarFlag(name, flag, String(value));
  }
  prependVarFlag(name: string, flag: string, value: unknown): void {
    this.store.prependVarFlag(name, flag, String(value));
  }
  delVar(name: string): void {
    this.store.delVar(name);
  }
  delVarFlag(name: string, flag: string): void {
    this.store.delVarFlag(name, flag);
  }
  renameVar(from: string, to: string): void {
    this.store.renameVar(from, to);
  }
  expand(text: string, varname?: string | null): string {
    return this.store.expand(String(text), varname ?? null);
  }
  keys(): string[] {
    return this.store.keys();
  }
  createCopy(): JsDataFacade {
    return this.store.createCopy().facade();
  }
}

function truthy(v: unknown): boolean {
  return v === undefined ? true : Boolean(v);
}
