// `${VAR}` and `${@expr}` expansion, as BitBake's data_smart.expandWithRefs: substitute
// every `${NAME}` that is set, then evaluate every `${@...}` that no longer contains a
// `${NAME}`, and repeat until the text stops changing. Unset references stay as written.
// While expanding, record what the text depends on: this is what signature analysis reads.

import { ExpansionError, FatalError, SkipRecipe } from "./errors.js";
import { inlineLanguageOf, pythonInline, type InlineLanguage } from "./inline-engines.js";
import { compileInline, pythonText, UnterminatedLiteral } from "./js-sandbox.js";

// The same patterns as data_smart: a reference is `${` + name characters + `}`; an inline
// expression runs to the first `}` that closes it, skipping `{...}` groups, on one line.
const VAR_RE = /\$\{[a-zA-Z0-9\-_+./~:]+\}/g;
const VAR_TEST = /\$\{[a-zA-Z0-9\-_+./~:]+\}/;
const MAX_PASSES = 200;
const INLINE_RE = /\$\{@(?:\{[^\n]*?\}|[^\n])+?\}/g;

/** A stored flag value: text, unset (null), or a pending :append/:prepend/:remove list. */
export type OpEntry = readonly [value: string | null, override: string | null];
export type OpList = readonly OpEntry[];
export type FlagValue = string | null | OpList;

/** The result of expandWithRefs: what the signature code analyses. */
export interface ExpansionRefs {
  value: string;
  references: Set<string>;
  execs: Set<string>;
  contains: Map<string, Set<string>>;
}

/** A variable's unexpanded value together with the analysis of its expansion. */
export interface VarRefs extends ExpansionRefs {
  /** The value before expansion, appends/prepends applied (null when unset). */
  unexpanded: string | null;
  /** :remove values that did remove words (BitBake's parser.removes), for handle_remove. */
  removes: ReadonlySet<string>;
}

/** The result of expanding one text: BitBake's VariableParse. */
export class VarParse {
  value: FlagValue;
  /** :remove values that removed something from the value (set by the datastore). */
  removes: Set<string> | undefined;
  // Allocated on first use: most expansions reference nothing.
  private refs: Set<string> | undefined;
  private calls: Set<string> | undefined;
  private checks: Map<string, Set<string>> | undefined;
  constructor(readonly unexpanded: FlagValue) {
    this.value = unexpanded;
  }

  /** Every `${NAME}` met, set or not, and names read by d.getVar/d.getVarFlag in `${@}`. */
  get references(): Set<string> {
    return (this.refs ??= new Set());
  }
  /** Names of functions called from `${@}` code. */
  get execs(): Set<string> {
    return (this.calls ??= new Set());
  }
  /** Variable -> words checked by bb.utils.contains / contains_any / filter. */
  get contains(): Map<string, Set<string>> {
    return (this.checks ??= new Map());
  }

  mergeContains(from: ReadonlyMap<string, ReadonlySet<string>>): void {
    for (const [k, words] of from) {
      let s = this.contains.get(k);
      if (!s) this.contains.set(k, (s = new Set()));
      for (const w of words) s.add(w);
    }
  }
}

/** What expansion needs from the datastore. */
export interface ExpansionHost {
  /** The expanded value of a variable (overrides, appends, removes applied), or null. */
  readVar(name: string): string | null;
  /** The `d` object handed to inline expressions. */
  facade(): unknown;
  /** An ExpansionError for `varname`, located where the datastore's history says it was set. */
  error(varname: string | null, expression: string, cause: unknown): ExpansionError;
  /** The language of `${@...}` without a `js`/`python` marker. */
  language(): InlineLanguage;
  /** The datastore itself, for the Python engine. */
  store(): unknown;
}

export function expandWithRefs(host: ExpansionHost, s: FlagValue, varname: string | null): VarParse {
  const vp = new VarParse(s);
  if (typeof s !== "string" || !s.includes("${")) return vp;
  let cur = s;
  const inlineSub = (m: string): string => {
    const code = m.slice(3, -1);
    // Code that still holds an unset reference is not run; BitBake leaves it as written.
    if (VAR_TEST.test(code)) return m;
    const chosen = inlineLanguageOf(code, host.language());
    if (chosen.language === "python") {
      const r = pythonInline()(chosen.code, host.store());
      for (const x of r.references) vp.references.add(x);
      for (const x of r.execs) vp.execs.add(x);
      for (const [v, words] of r.contains) vp.mergeContains(new Map([[v, new Set(words)]]));
      for (const lit of r.expandLiterals) for (const x of literalReferences(lit)) vp.references.add(x);
      return r.value;
    }
    const c = compileInline(chosen.code);
    for (const r of c.references) vp.references.add(r);
    for (const x of c.execs) vp.execs.add(x);
    vp.mergeContains(c.contains);
    for (const lit of c.expandLiterals) for (const r of literalReferences(lit)) vp.references.add(r);
    return pythonText(c.run(host.facade()));
  };
  let passes = 0;
  while (cur.includes("${")) {
    const olds = cur;
    try {
      // BitBake would loop forever on a value that keeps producing new expressions.
      if (++passes > MAX_PASSES) throw new Error(`expansion does not settle after ${MAX_PASSES} passes`);
      cur = substituteReferences(cur, host, vp, varname);
      if (cur.includes("${@")) {
        try {
          cur = cur.replace(INLINE_RE, inlineSub);
        } catch (e) {
          if (!(e instanceof UnterminatedLiteral)) throw e;
        }
      }
      if (cur === olds) break;
    } catch (e) {
      if (e instanceof ExpansionError) {
        e.addVar(varname);
        throw e;
      }
      if (e instanceof SkipRecipe || e instanceof FatalError) throw e;
      throw host.error(varname, cur, e);
    }
  }
  vp.value = cur;
  return vp;
}

// Name characters of a reference: [a-zA-Z0-9\-_+./~:], as in VAR_RE.
const NAME_CHAR = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_+./~:") NAME_CHAR[c.charCodeAt(0)] = 1;

/**
 * One pass of `VAR_RE.sub(var_sub)`: replace each `${NAME}` that is set, left to right,
 * without overlapping; a scan by hand because this is the hottest loop of parsing.
 */
function substituteReferences(text: string, host: ExpansionHost, vp: VarParse, varname: string | null): string {
  let out = "";
  let last = 0;
  let i = text.indexOf("${");
  while (i !== -1) {
    let j = i + 2;
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (c >= 128 || NAME_CHAR[c] === 0) break;
      j++;
    }
    if (j > i + 2 && j < text.length && text.charCodeAt(j) === 125 /* } */) {
      const key = text.slice(i + 2, j);
      if (varname && key === varname) throw new Error(`variable ${varname} references itself!`);
      const v = host.readVar(key);
      vp.references.add(key);
      if (v !== null) {
        out += text.slice(last, i) + v;
        last = j + 1;
      }
      i = text.indexOf("${", j + 1);
    } else {
      i = text.indexOf("${", i + 1);
    }
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * Names a literal text would reference, without a datastore (BitBake expands such
 * literals, from `d.expand('...')` calls, in an empty datastore).
 */
export function literalReferences(text: string): Set<string> {
  const refs = new Set<string>();
  for (const m of text.matchAll(VAR_RE)) refs.add(m[0].slice(2, -1));
  for (const m of text.matchAll(INLINE_RE)) {
    const code = m[0].slice(3, -1);
    if (VAR_TEST.test(code)) continue;
    try {
      for (const r of compileInline(code).references) refs.add(r);
    } catch {
      // Not valid code: it would fail at expansion time, where the error is reported.
    }
  }
  return refs;
}
