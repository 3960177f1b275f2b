// A stand-in for the parser, good enough for the one-line statements of the conformance
// cases (assignments, `export NAME`, `unset NAME`, `unset NAME[flag]`): it lets the
// datastore tests replay those cases before lib/parse exists. Cases with anything else
// (functions, inherit, include, addtask…) are reported as unsupported.

import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { applyAssignment, DataStore, type AssignOperator } from "../../lib/data/index.js";
import { CASES_DIR } from "../../scripts/conformance/case.js";

export interface Case {
  name: string;
  about: string;
  tags: string[];
  files: Record<string, string>;
  recipe: string;
  expect: {
    vars?: Record<string, string | null>;
    flags?: Record<string, string | null>;
    error?: string | null;
    error_stage?: "config" | "recipe" | "expand";
    expanding?: string[];
    tasks?: unknown;
    taskdeps?: unknown;
  };
}

export function loadCases(): Case[] {
  return readdirSync(CASES_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(CASES_DIR, f), "utf8")) as Case);
}

const ASSIGN =
  /^(export\s+)?([a-zA-Z0-9\-_+.${}/~:]+?)(\[([a-zA-Z0-9\-_+.][a-zA-Z0-9\-_+.@/]*)\])?\s*(\?\?=|\?=|:=|\+=|=\+|\.=|=\.|=)\s*(["'])(.*)\6\s*$/;
const EXPORT = /^export\s+([a-zA-Z0-9\-_+.${}/~:]+)\s*$/;
const UNSET = /^unset\s+([a-zA-Z0-9\-_+.${}/~:]+?)(\[([a-zA-Z0-9\-_+.][a-zA-Z0-9\-_+.@/]+)\])?\s*$/;

export class Unsupported extends Error {}

/** Apply one file's statements to the datastore. Throws Unsupported for anything else. */
export function evalFile(d: DataStore, file: string, text: string): void {
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = raw.trimEnd();
    const loc = { file, line: i + 1 };
    if (line.endsWith("\\")) throw new Unsupported("line continuation");
    if (line.trim() === "" || line.startsWith("#")) return;
    let m = ASSIGN.exec(line);
    if (m) {
      applyAssignment(
        d,
        { name: m[2]!, flag: m[4] ?? null, op: m[5] as AssignOperator, value: m[7]!, exported: m[1] !== undefined },
        loc,
      );
      return;
    }
    m = EXPORT.exec(line);
    if (m) {
      d.setVarFlag(m[1]!, "export", "1", { ...loc, op: "exported" });
      return;
    }
    m = UNSET.exec(line);
    if (m) {
      if (m[3] !== undefined) d.delVarFlag(m[1]!, m[3], loc);
      else d.delVar(m[1]!, loc);
      return;
    }
    throw new Unsupported(`statement: ${line}`);
  });
}

/** The bbappends of the case that apply to its recipe, in application order. */
export function bbappendsFor(c: Case): string[] {
  const recipeName = c.recipe.split("/").pop()!;
  return Object.keys(c.files)
    .filter((f) => f.startsWith("recipes/") && f.endsWith(".bbappend"))
    .filter((f) => {
      const base = f.split("/").pop()!;
      if (base.replace(/\.bbappend$/, ".bb") === recipeName) return true;
      const pct = base.indexOf("%");
      return pct >= 0 && recipeName.startsWith(base.slice(0, pct));
    })
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export type Outcome =
  | { kind: "ok"; vars: Record<string, string | null>; flags: Record<string, string | null> }
  | { kind: "error"; error: string; stage: "config" | "recipe" | "expand"; expanding?: string[]; err: unknown };

/** Run a case through the datastore: config, recipe copy, bbappends, key expansion, reads. */
export function runCase(c: Case): Outcome {
  let stage: "config" | "recipe" | "expand" = "config";
  try {
    const config = new DataStore();
    evalFile(config, "conf/base.conf", c.files["conf/base.conf"] ?? "");
    evalFile(config, "classes/base.bbclass", c.files["classes/base.bbclass"] ?? "");
    stage = "recipe";
    const d = config.createCopy();
    d.setVar("FILE", c.recipe);
    evalFile(d, c.recipe, c.files[c.recipe] ?? "");
    for (const f of bbappendsFor(c)) evalFile(d, f, c.files[f]!);
    d.expandKeys();
    stage = "expand";
    const vars: Record<string, string | null> = {};
    const flags: Record<string, string | null> = {};
    for (const k of c.expect.expanding ?? []) d.getVar(k);
    for (const k of Object.keys(c.expect.vars ?? {})) vars[k] = d.getVar(k);
    for (const k of Object.keys(c.expect.flags ?? {})) {
      const m = /^(.*)\[([^\]]+)\]$/.exec(k)!;
      flags[k] = d.getVarFlag(m[1]!, m[2]!);
    }
    return { kind: "ok", vars, flags };
  } catch (err) {
    if (err instanceof Unsupported) throw err;
    const name = (err as Error).name;
    const chain = (err as { chain?: string[] }).chain;
    return { kind: "error", error: name, stage, ...(chain ? { expanding: chain } : {}), err };
  }
}

/** Whether the case only needs what evalFile understands. */
export function isReplayable(c: Case): boolean {
  if (c.expect.tasks !== undefined || c.expect.taskdeps !== undefined) return false;
  if (c.expect.error === "ParseError") return false;
  try {
    for (const [f, text] of Object.entries(c.files)) {
      if (!f.endsWith(".conf") && !f.endsWith(".bb") && !f.endsWith(".bbappend") && f !== "classes/base.bbclass") return false;
      evalFile(new DataStore(), f, text);
    }
  } catch (e) {
    if (e instanceof Unsupported) return false;
  }
  return true;
}
