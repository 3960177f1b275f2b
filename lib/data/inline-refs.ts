// What an inline expression reads, found from its syntax tree without running it, the
// way BitBake's codeparser.PythonParser does for `${@...}`: literal names passed to
// d.getVar / d.getVarFlag are references, names checked with bb.utils.contains /
// contains_any / filter are "contains" (only the checked words matter to a signature,
// not the whole value), every other called name is an "exec".

import type { Node } from "acorn";

export interface InlineRefs {
  readonly references: ReadonlySet<string>;
  readonly execs: ReadonlySet<string>;
  readonly contains: ReadonlyMap<string, ReadonlySet<string>>;
  /** Literal arguments of `X.expand('...')`: their `${}` names are references too. */
  readonly expandLiterals: readonly string[];
}

const GETVARS = [".getVar", ".appendVar", ".prependVar", "oe.utils.conditional"];
const GETVARFLAGS = [".getVarFlag", ".appendVarFlag", ".prependVarFlag"];
const CONTAINS = new Set(["bb.utils.contains", "base_contains"]);
const CONTAINS_ANY = new Set(["bb.utils.contains_any", "bb.utils.filter"]);
const EXECFUNCS = new Set(["bb.build.exec_func", "bb.build.exec_task"]);

interface AnyNode {
  type: string;
  [k: string]: unknown;
}

/** The dotted name of a call target (`a.b.c`), or undefined when it is not a plain chain. */
function calledName(node: AnyNode): string | undefined {
  const parts: string[] = [];
  let n: AnyNode | undefined = node;
  while (n) {
    if (n.type === "MemberExpression" && !n.computed && (n.property as AnyNode).type === "Identifier") {
      parts.push((n.property as AnyNode).name as string);
      n = n.object as AnyNode;
    } else if (n.type === "Identifier") {
      parts.push(n.name as string);
      return parts.reverse().join(".");
    } else {
      return undefined;
    }
  }
  return undefined;
}

/** The value of a literal argument (Python's ast.Constant), or undefined. */
function constant(node: AnyNode | undefined): { value: unknown } | undefined {
  if (!node) return undefined;
  if (node.type === "Literal") return { value: node.value };
  if (node.type === "TemplateLiteral" && (node.expressions as unknown[]).length === 0) {
    const q = (node.quasis as AnyNode[])[0];
    return { value: (q?.value as { cooked: string }).cooked };
  }
  return undefined;
}

const endsWithAny = (s: string, suffixes: readonly string[]) => suffixes.some((x) => s.endsWith(x));

export function analyseInline(tree: Node): InlineRefs {
  const references = new Set<string>();
  const execs = new Set<string>();
  const contains = new Map<string, Set<string>>();
  const expandLiterals: string[] = [];
  const addContains = (name: string, words: Iterable<string>) => {
    let s = contains.get(name);
    if (!s) contains.set(name, (s = new Set()));
    for (const w of words) s.add(w);
  };

  const visitCall = (call: AnyNode) => {
    const name = calledName(call.callee as AnyNode);
    const args = call.arguments as AnyNode[];
    if (name && (endsWithAny(name, GETVARS) || endsWithAny(name, GETVARFLAGS) || CONTAINS.has(name) || CONTAINS_ANY.has(name))) {
      const a0 = constant(args[0]);
      if (!a0 || typeof a0.value !== "string") return;
      const varname = a0.value;
      const a1 = constant(args[1]);
      if (CONTAINS.has(name) && a1) addContains(varname, [String(a1.value)]);
      else if (CONTAINS_ANY.has(name) && a1) addContains(varname, String(a1.value).trim().split(/\s+/).filter(Boolean));
      else if (endsWithAny(name, GETVARFLAGS)) {
        if (a1) references.add(`${varname}[${String(a1.value)}]`);
      } else references.add(varname);
    } else if (name && name.endsWith(".expand")) {
      const a0 = constant(args[0]);
      if (a0 && typeof a0.value === "string") expandLiterals.push(a0.value);
    } else if (name && EXECFUNCS.has(name)) {
      // BitBake keeps these apart (var_execs); they are not signature references.
    } else if (name) {
      execs.add(name);
    }
  };

  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (!node || typeof node !== "object" || typeof (node as AnyNode).type !== "string") return;
    const n = node as AnyNode;
    if (n.type === "CallExpression") visitCall(n);
    for (const key in n) {
      if (key === "type" || key === "start" || key === "end" || key === "loc" || key === "range") continue;
      const v = n[key];
      if (v && typeof v === "object") walk(v);
    }
  };
  walk(tree);
  return { references, execs, contains, expandLiterals };
}
