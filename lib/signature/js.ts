// What a `js` function body (or a `${@…}` expression) reads from the datastore and calls.
//
// This is BitBake's PythonParser with JavaScript in place of Python: every call in the code is
// looked at, and calls are sorted by the name they are made through. Names are matched by
// suffix the way BitBake does (`anything.getVar('X')` counts, whatever holds the datastore).

import type { Node } from "acorn";
import { BakeError } from "../common/errors.js";
import { javascriptParser } from "../data/index.js";

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    "js-syntax": JsSyntaxError;
  }
}

export interface CodeAnalysis {
  /** Variables read (`d.getVar('X')`) and flags read, as `X[flag]` (`d.getVarFlag('X', 'flag')`). */
  readonly references: ReadonlySet<string>;
  /**
   * Names called: functions run through `bb.build.exec_func('name', d)` and every function
   * called by a plain or dotted name (`foo()`, `oe.x.y()`). Only those that are variables of
   * the datastore become dependencies.
   */
  readonly execs: ReadonlySet<string>;
  /** For `bb.utils.contains('X', 'a b', …)`: X → the word lists tested (a single entry "a b");
   *  for `contains_any`/`filter`: X → each word. */
  readonly contains: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * Variables whose whole flag set is read (`d.getVarFlags('X')`). BitBake does not count these
   * (its parser only knows getVarFlag), so they are reported but not made dependencies.
   */
  readonly flagSetsRead: ReadonlySet<string>;
}

export class JsSyntaxError extends BakeError {
  readonly kind = "js-syntax" as const;
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`JavaScript syntax error at line ${line}, column ${column}: ${reason}`);
    this.name = "JsSyntaxError";
  }
}

const GETVAR_SUFFIXES = [".getVar", ".appendVar", ".prependVar"];
const GETVARFLAG_SUFFIXES = [".getVarFlag", ".appendVarFlag", ".prependVarFlag"];
const GETVAR_NAMES = new Set(["oe.utils.conditional"]);
const CONTAINS_ALL = new Set(["bb.utils.contains", "base_contains"]);
const CONTAINS_ANY = new Set(["bb.utils.contains_any", "bb.utils.filter"]);
const EXEC_FUNCS = new Set(["bb.build.exec_func", "bb.build.exec_task"]);
const EXPAND_REFERENCE = /\$\{([a-zA-Z0-9\-_+./~:]+)\}/g;

/**
 * Analyse JavaScript code: a function body (statements, `return` allowed) or, with
 * `expression`, the text of a `${@…}` inline expression.
 */
export function analyzeJs(code: string, options: { readonly expression?: boolean } = {}): CodeAnalysis {
  if (!code.trim()) return analyzeCalls([]);

  let program: Node;
  try {
    program = javascriptParser().parse(options.expression ? `(${code}\n)` : code, {
      ecmaVersion: "latest",
      sourceType: "script",
      allowReturnOutsideFunction: true,
      allowAwaitOutsideFunction: true,
      locations: true,
    });
  } catch (e) {
    if (e instanceof SyntaxError) {
      const loc = (e as SyntaxError & { loc?: { line: number; column: number } }).loc;
      throw new JsSyntaxError(e.message, loc?.line ?? 0, (loc?.column ?? 0) + 1);
    }
    throw e;
  }

  return analyzeCalls(
    callsIn(program).flatMap((call) => {
      const name = calledName(call.callee);
      return name === null ? [] : [{ name, args: call.arguments.map(constantValue) }];
    }),
  );
}

/** An argument of a call: its value when it is a literal constant. */
export type CallArgument = { readonly constant: true; readonly value: unknown } | { readonly constant: false };

/** A call made through a plain or dotted name, with its arguments. */
export interface CallSite {
  readonly name: string;
  readonly args: readonly CallArgument[];
}

/** Sort calls into references, execs and contains, as BitBake's PythonParser.visit_Call does. */
export function analyzeCalls(calls: readonly CallSite[]): CodeAnalysis {
  const references = new Set<string>();
  const execs = new Set<string>();
  const varExecs = new Set<string>();
  const contains = new Map<string, Set<string>>();
  const flagSetsRead = new Set<string>();
  const addContains = (name: string, items: readonly string[]): void => {
    let set = contains.get(name);
    if (!set) contains.set(name, (set = new Set()));
    for (const i of items) set.add(i);
  };

  for (const { name, args } of calls) {
    const isGetVar = GETVAR_NAMES.has(name) || GETVAR_SUFFIXES.some((s) => name.endsWith(s));
    const isGetVarFlag = GETVARFLAG_SUFFIXES.some((s) => name.endsWith(s));
    if (isGetVar || isGetVarFlag || CONTAINS_ALL.has(name) || CONTAINS_ANY.has(name)) {
      const varname = stringArg(args[0]);
      if (varname === null) continue;
      const second = args[1];
      if (CONTAINS_ALL.has(name) && second?.constant) {
        addContains(varname, [String(second.value)]);
      } else if (CONTAINS_ANY.has(name) && second?.constant) {
        addContains(varname, String(second.value).split(/\s+/).filter(Boolean));
      } else if (isGetVarFlag) {
        if (second?.constant) references.add(`${varname}[${String(second.value)}]`);
      } else {
        // Also a contains() whose words are not a constant: BitBake then takes the whole variable.
        references.add(varname);
      }
    } else if (name.endsWith(".expand")) {
      const text = stringArg(args[0]);
      if (text !== null) for (const m of text.matchAll(EXPAND_REFERENCE)) references.add(m[1]!);
    } else if (EXEC_FUNCS.has(name)) {
      const target = stringArg(args[0]);
      if (target !== null) varExecs.add(target);
    } else {
      if (name.endsWith(".getVarFlags")) {
        const target = stringArg(args[0]);
        if (target !== null) flagSetsRead.add(target);
      }
      execs.add(name);
    }
  }
  for (const v of varExecs) execs.add(v);
  return { references, execs, contains, flagSetsRead };
}

interface CallNode {
  readonly callee: Node;
  readonly arguments: readonly Node[];
}

/** Every call expression of the tree, in source order. */
function callsIn(root: Node): CallNode[] {
  const calls: CallNode[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
      return;
    }
    if (!value || typeof value !== "object" || typeof (value as Node).type !== "string") return;
    const node = value as Node & Record<string, unknown>;
    if (node.type === "CallExpression") calls.push(node as unknown as CallNode);
    for (const key of Object.keys(node)) {
      if (key === "loc" || key === "type") continue;
      visit(node[key]);
    }
  };
  visit(root);
  return calls;
}

/** `a.b.c` for a callee made of plain names and dotted properties; null for anything else. */
function calledName(node: Node): string | null {
  const parts: string[] = [];
  let n = node as Node & { object?: Node; property?: Node & { name?: string }; computed?: boolean; name?: string };
  for (;;) {
    if (n.type === "MemberExpression" && !n.computed && n.property?.type === "Identifier") {
      parts.push(n.property.name!);
      n = n.object as typeof n;
    } else if (n.type === "Identifier") {
      parts.push(n.name!);
      return parts.reverse().join(".");
    } else {
      return null;
    }
  }
}

function constantValue(node: Node): CallArgument {
  const n = node as Node & { value?: unknown; expressions?: unknown[]; quasis?: { value: { cooked: string } }[] };
  if (n.type === "Literal") return { constant: true, value: n.value };
  if (n.type === "TemplateLiteral" && n.expressions!.length === 0) {
    return { constant: true, value: n.quasis![0]!.value.cooked };
  }
  return { constant: false };
}

function stringArg(arg: CallArgument | undefined): string | null {
  return arg?.constant && typeof arg.value === "string" ? arg.value : null;
}
