// A small datastore for signature tests: variables already resolved (overrides and appends
// applied by hand), expanded the way BitBake's data_smart.expandWithRefs does it.

import { analyzeJs } from "../../lib/signature/js.js";
import type { DependencySource, ExpansionRefs, StoredValueRefs } from "../../lib/signature/index.js";

export interface FakeVar {
  /** The value after overrides/appends, unexpanded (undefined: unset). */
  readonly value?: string;
  readonly flags?: Readonly<Record<string, string>>;
  /** Active `:remove` values, unexpanded. */
  readonly removes?: readonly string[];
}

const VAR_RE = /\$\{[a-zA-Z0-9\-_+./~:]+\}/g;
const VAR_TEST = /\$\{[a-zA-Z0-9\-_+./~:]+\}/;
const INLINE_RE = /\$\{@(?:\{[^\n]*?\}|[^\n])+?\}/g;

interface MutableRefs {
  value: string | null;
  references: Set<string>;
  execs: Set<string>;
  contains: Map<string, Set<string>>;
}

export class FakeData implements DependencySource {
  private readonly vars: Record<string, FakeVar>;

  constructor(vars: Readonly<Record<string, FakeVar>>) {
    this.vars = { ...vars };
  }

  createCopy(): FakeData {
    return new FakeData(this.vars);
  }

  /** A plain assignment: the value replaces the old one and its removals; flags stay. */
  setVar(name: string, value: string): void {
    const flags = this.vars[name]?.flags;
    this.vars[name] = flags ? { value, flags } : { value };
  }

  keys(): string[] {
    return Object.keys(this.vars);
  }

  getVar(name: string, expand = true): string | null {
    return this.getVarFlagWithRefs(name, "_content")[expand ? "value" : "unexpanded"];
  }

  getVarFlag(name: string, flag: string, expand = true): string | null {
    const raw = this.vars[name]?.flags?.[flag];
    if (raw === undefined) return null;
    return expand ? this.expandWithRefs(raw, `${name}[${flag}]`).value : raw;
  }

  hasFlag(name: string, flag: string): boolean {
    return this.vars[name]?.flags?.[flag] !== undefined;
  }

  exportFlagged(): string[] {
    return Object.keys(this.vars).filter((k) => this.hasFlag(k, "export") || this.hasFlag(k, "unexport"));
  }

  getVarFlags(name: string): Record<string, string> | null {
    const flags = this.vars[name]?.flags;
    return flags && Object.keys(flags).length > 0 ? { ...flags } : null;
  }

  getVarFlagWithRefs(name: string, flag: string): StoredValueRefs {
    const v = this.vars[name];
    const unexpanded = (flag === "_content" ? v?.value : v?.flags?.[flag]) ?? null;
    const refs = this.expand(unexpanded, flag === "_content" ? name : `${name}[${flag}]`);
    const removes = new Set<string>();
    if (flag === "_content" && refs.value && v?.removes) {
      const gone = new Map(v.removes.map((r) => [r, new Set(this.expand(r, null).value!.split(/\s+/).filter(Boolean))]));
      const kept: string[] = [];
      for (const piece of refs.value.split(/(\s)/)) {
        let skip = false;
        for (const [r, words] of gone) {
          if (words.has(piece)) {
            removes.add(r);
            skip = true;
          }
        }
        if (!skip) kept.push(piece);
      }
      refs.value = kept.join("");
    }
    return { ...refs, unexpanded, removes };
  }

  expandWithRefs(text: string, varname: string | null): ExpansionRefs {
    return this.expand(text, varname);
  }

  private expand(text: string | null, varname: string | null): MutableRefs {
    const out: MutableRefs = { value: text, references: new Set(), execs: new Set(), contains: new Map() };
    if (text === null) return out;
    let s = text;
    while (s.includes("${")) {
      const old = s;
      s = s.replace(VAR_RE, (m) => {
        const key = m.slice(2, -1);
        if (key === varname) throw new Error(`variable ${key} references itself!`);
        out.references.add(key);
        return this.getVar(key, true) ?? m;
      });
      s = s.replace(INLINE_RE, (m) => {
        const code = m.slice(3, -1);
        if (VAR_TEST.test(code)) return m;
        const a = analyzeJs(code, { expression: true });
        for (const r of a.references) out.references.add(r);
        for (const e of a.execs) out.execs.add(e);
        for (const [k, items] of a.contains) {
          const set = out.contains.get(k) ?? new Set<string>();
          for (const i of items) set.add(i);
          out.contains.set(k, set);
        }
        return this.evaluate(code);
      });
      if (s === old) break;
    }
    out.value = s;
    return out;
  }

  private evaluate(code: string): string {
    const words = (name: string): string[] => (this.getVar(name, true) ?? "").split(/\s+/).filter(Boolean);
    const d = { getVar: (name: string) => this.getVar(name, true) };
    const bb = {
      utils: {
        contains: (name: string, checked: string, yes: unknown, no: unknown) => {
          const have = new Set(words(name));
          const want = checked.split(/\s+/).filter(Boolean);
          return have.size > 0 && want.every((w) => have.has(w)) ? yes : no;
        },
      },
    };
    const result: unknown = new Function("d", "bb", `return (${code});`)(d, bb);
    return result === null || result === undefined ? "None" : String(result);
  }
}

/** The lines every conformance case's conf/base.conf has, as variables. */
export function baseConf(extraIgnored: readonly string[] = []): Record<string, FakeVar> {
  return {
    CACHE: { value: "${TOPDIR}/cache" },
    BB_SIGNATURE_HANDLER: { value: "basic" },
    BB_BASEHASH_IGNORE_VARS: { value: ["PATH", ...extraIgnored].join(" ") },
    PATH: { value: "/usr/bin:/bin", flags: { export: "1" } },
  };
}

/** A shell function (a body as the parser keeps it: each line ending in a newline). */
export function shellFunc(body: string, flags: Record<string, string> = {}): FakeVar {
  return { value: body, flags: { func: "1", ...flags } };
}

/** A shell task: a function that `addtask` made a task. */
export function shellTask(body: string, flags: Record<string, string> = {}): FakeVar {
  return shellFunc(body, { task: "1", ...flags });
}
