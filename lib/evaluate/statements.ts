// Evaluating statements into a datastore: what BitBake's parse/ast.py nodes and the include/inherit
// parts of ConfHandler/BBHandler do.
import { basename, dirname, extname, isAbsolute, join } from "node:path";
import {
  ParseError,
  type AddTask,
  type FunctionDef,
  type Include,
  type Location,
  type ParsedFile,
  type Statement,
} from "../parse/index.js";
import { FatalError } from "../parse/index.js";
import { applyAssignment, type SetOptions } from "../data/index.js";
import type { MetadataFiles } from "./files.js";
import { addPythonLibrary, insertPythonMethod } from "../python/index.js";
import { fileLanguage, inBuildLanguage } from "./language.js";
import type { Metadata } from "./state.js";
import { addTask, deleteTask } from "./tasks.js";

export interface Evaluator {
  readonly files: MetadataFiles;
}

/** Reads `path` and evaluates it into `m`, as BitBake's `bb.parse.handle(path, d, include)`. */
/** Reads PATH into m; `shownAs` is the name BitBake's include history gives it when not PATH (conf/bitbake.conf). */
export function evaluateFile(path: string, m: Metadata, ev: Evaluator, asInclude: boolean, shownAs?: string): void {
  const node = m.includeOpened(shownAs ?? path);
  if (node === null) {
    readFile(path, m, ev, asInclude);
    return;
  }
  m.includeStack!.push(node);
  try {
    readFile(path, m, ev, asInclude);
  } finally {
    m.includeStack!.pop();
  }
}

function readFile(path: string, m: Metadata, ev: Evaluator, asInclude: boolean): void {
  const file = ev.files.parse(path);
  m.depend(path);
  const isClass = extname(path) === ".bbclass";
  if (isClass && !m.inherited.includes(path)) m.inherited.push(path);
  // FILE names the recipe or include being read; classes leave it alone.
  const previous = asInclude ? m.d.getVar("FILE", false) : null;
  // BitBake's history shows where its handler set FILE (a .conf is ConfHandler's, the rest BBHandler's).
  const handler = path.endsWith(".conf") ? "ConfHandler.py" : "BBHandler.py";
  if (!isClass && path !== previous) m.d.setVar("FILE", path, { file: handler, line: 153, func: "handle" });
  evaluateStatements(file, m, ev, isClass ? basename(path, ".bbclass") : null);
  if (!isClass && asInclude && previous !== null && path !== previous) {
    m.d.setVar("FILE", previous, { file: handler, line: handler === "ConfHandler.py" ? 156 : 171, func: "handle" });
  }
}

export function evaluateStatements(file: ParsedFile, m: Metadata, ev: Evaluator, className: string | null): void {
  const language = fileLanguage(m, file.path);
  const mark = language === m.d.inlineLanguage ? null : (text: string) => inBuildLanguage(m, language, text);
  for (const st of file.statements) evaluateStatement(st, file, m, ev, className, mark);
}

function evaluateStatement(
  st: Statement,
  file: ParsedFile,
  m: Metadata,
  ev: Evaluator,
  className: string | null,
  mark: ((text: string) => string) | null,
): void {
  const d = m.d;
  const at = { file: st.loc.file, line: st.loc.line };
  switch (st.kind) {
    case "assignment": {
      const where = st.lastLine === undefined ? at : { file: at.file, line: st.lastLine };
      applyAssignment(d, mark && st.value.includes("${@") ? { ...st, value: mark(st.value) } : st, where);
      return;
    }
    case "export":
      // BitBake's ExportNode names no file: its history shows the caller in BitBake.
      d.setVarFlag(st.name, "export", "1", { file: "ast.py", line: 67, func: "eval", origin: at, op: "exported" });
      return;
    case "unset":
      if (st.flag === null) d.delVar(st.name, at);
      else d.delVarFlag(st.name, st.flag, at);
      return;
    case "include":
      include(st, file.path, m, ev);
      return;
    case "inherit":
      if (st.deferred) m.deferred.push({ classes: st.classes, loc: st.loc });
      else inherit(st.classes, st.loc, m, ev, false);
      return;
    case "addtask":
      for (const task of st.tasks) addTask(m, task, st.before, st.after, st.loc);
      return;
    case "deltask":
      for (const task of d.expand(st.tasks.join(" ")).split(/\s+/).filter(Boolean)) deleteTask(m, task, st.loc);
      return;
    case "addhandler":
      for (const handler of st.handlers) {
        if (!m.handlers.includes(handler)) m.handlers.push(handler);
        d.setVarFlag(handler, "handler", "1", at);
      }
      return;
    case "exportFunctions":
      exportFunctions(st.functions, className, st.loc, m);
      return;
    case "function":
      defineFunction(mark && st.language !== "python" && st.language !== "js" ? { ...st, body: mark(st.body) } : st, m);
      return;
    case "pythonDef":
      // As BitBake's method pool: the function is defined now, for every later piece of Python.
      insertPythonMethod(st.body, st.loc.file, st.loc.line);
      d.setVarFlag(st.name, "func", "1", at);
      d.setVarFlag(st.name, "python", "1", at);
      d.setVar(st.name, st.body, { ...at, op: "set" });
      return;
    case "addpylib":
      addPythonLibrary(d.expand(st.dir), st.namespace, d);
      return;
    case "addfragments":
      addFragments(st.args, st.loc, m, ev);
      return;
    default:
      return unreachable(st);
  }
}

function unreachable(x: never): never {
  throw new Error(`unhandled statement ${JSON.stringify(x)}`);
}

/** `include`, `require`, `include_all`: names are expanded and split; each is looked for next to the
 * including file, then along BBPATH. A missing `include` is silently skipped, as in BitBake. */
function include(st: Include, parent: string, m: Metadata, ev: Evaluator): void {
  const names = m.d.expand(st.path).split(/\s+/).filter(Boolean);
  for (const name of names) {
    if (st.mode === "include_all") {
      for (const dir of (m.d.getVar("BBPATH") ?? "").split(":").filter(Boolean)) {
        const candidate = join(dir, name);
        if (ev.files.exists(candidate)) evaluateFile(candidate, m, ev, true);
        else {
          m.depend(candidate);
          m.includeOpened(candidate);
        }
      }
      continue;
    }
    if (name === parent) continue;
    const searchPath = `${dirname(parent)}:${m.d.getVar("BBPATH") ?? ""}`;
    const { found, attempts } = isAbsolute(name) ? { found: ev.files.exists(name) ? name : null, attempts: [name] } : ev.files.which(searchPath, name);
    for (const a of attempts) m.depend(a);
    if (found === null) {
      if (st.mode === "require") {
        throw new ParseError(`could not require ${name}: not found next to ${parent} nor along BBPATH`, st.loc);
      }
      // BitBake's handler records the name before it fails to open it.
      m.includeOpened(name);
      continue;
    }
    evaluateFile(found, m, ev, true);
  }
}

/** `inherit`: each class once, looked up in `classes-<type>/` then `classes/` along BBPATH. */
export function inherit(classes: string, loc: Location, m: Metadata, ev: Evaluator, deferredPass: boolean): void {
  const names = m.d.expand(classes).split(/\s+/).filter(Boolean);
  const deferByConfig = new Set((m.d.getVar("BB_DEFER_BBCLASSES") ?? "").split(/\s+/).filter(Boolean));
  for (const name of names) {
    if (!deferredPass && deferByConfig.has(name)) {
      m.deferred.push({ classes: name, loc });
      continue;
    }
    const path = findClass(name, m, ev.files);
    if (path === null) {
      throw new ParseError(
        `could not inherit ${name}: no ${name}.bbclass in classes-${m.classType}/ or classes/ along BBPATH`,
        loc,
      );
    }
    if (m.inherited.includes(path)) continue;
    evaluateFile(path, m, ev, true);
  }
}

function findClass(name: string, m: Metadata, files: MetadataFiles): string | null {
  const bbpath = m.d.getVar("BBPATH") ?? "";
  for (const dir of [`classes-${m.classType}`, "classes"]) {
    const relative = isAbsolute(name) || name.endsWith(".bbclass") ? name : join(dir, `${name}.bbclass`);
    if (isAbsolute(relative)) {
      if (files.exists(relative)) return relative;
      continue;
    }
    const { found, attempts } = files.which(bbpath, relative);
    for (const a of attempts) m.depend(a);
    if (found !== null) return found;
  }
  return null;
}

const ANON_NAME_CHARS = /[/.+\-@%&~]/g;

/** A function definition, as BitBake's MethodNode: the body is the variable, flags say how it runs. */
function defineFunction(st: FunctionDef, m: Metadata): void {
  const d = m.d;
  const at = { file: st.loc.file, line: st.loc.line };
  let name = st.name;
  // `python __anonymous () {}` is BitBake's long spelling of `python () {}`.
  if (name === null || name === "__anonymous") {
    // Named after the line of its closing brace, as BitBake names it.
    const closing = st.bodyLine + (st.body.match(/\n/g)?.length ?? 0);
    name = `__anon_${closing}_${st.loc.file.replace(ANON_NAME_CHARS, "_")}`;
    m.anonymous.push({ name, language: st.language === "python" ? "python" : "js", loc: st.loc });
  }
  if (d.getVar(name, false) !== null) {
    d.delVarFlag(name, "python");
    d.delVarFlag(name, "js");
    d.delVarFlag(name, "fakeroot");
  }
  // BitBake's MethodNode names no file: its history shows the lines of ast.py that set each. Without
  // a history (a parse), the statement's place as before, and nothing made for it.
  const tracking = d.tracking;
  const ast = (line: number): SetOptions | undefined => (tracking ? { file: "ast.py", line, func: "eval", origin: at } : undefined);
  if (st.language === "python") d.setVarFlag(name, "python", "1", ast(197) ?? at);
  if (st.language === "js") d.setVarFlag(name, "js", "1", at);
  if (st.fakeroot) d.setVarFlag(name, "fakeroot", "1", ast(199) ?? at);
  d.setVarFlag(name, "func", "1", ast(200) ?? at);
  d.setVar(name, st.body, { ...(ast(201) ?? at), op: "set" });
  d.setVarFlag(name, "filename", st.loc.file, ast(202));
  // BitBake's MethodNode: the line of the header (its closing line less the body's lines and "}").
  d.setVarFlag(name, "lineno", String(st.bodyLine - 1), ast(203));
}

const EXPORT_SENTINEL = "    # Export function set\n";
// The same marker for a js function, where `#` does not start a comment.
const EXPORT_SENTINEL_JS = "    // Export function set\n";

/** `EXPORT_FUNCTIONS do_x`: do_x calls CLASS_do_x unless the recipe (or an earlier class) wrote its own. */
function exportFunctions(functions: readonly string[], className: string | null, loc: Location, m: Metadata): void {
  if (className === null) throw new ParseError("EXPORT_FUNCTIONS is only allowed in a class", loc);
  const d = m.d;
  for (const func of functions) {
    const called = `${className}_${func}`;
    const current = d.getVar(func, false);
    if (current && !current.includes(EXPORT_SENTINEL) && !current.includes(EXPORT_SENTINEL_JS)) continue;
    if (current) {
      d.delVarFlag(func, "python");
      d.delVarFlag(func, "js");
      d.delVarFlag(func, "func");
    }
    for (const flag of ["func", "python", "js"]) {
      const value = d.getVarFlag(called, flag, false);
      if (value) d.setVarFlag(func, flag, value);
    }
    for (const flag of ["dirs", "cleandirs", "fakeroot"]) {
      const value = d.getVarFlag(func, flag, false);
      if (value) d.setVarFlag(called, flag, value);
    }
    d.setVarFlag(func, "filename", "autogenerated");
    d.setVarFlag(func, "lineno", "1");
    const at = { file: loc.file, line: loc.line, op: "EXPORT_FUNCTIONS" };
    if (d.getVarFlag(called, "python", false)) {
      d.setVar(func, `${EXPORT_SENTINEL}    bb.build.exec_func('${called}', d)\n`, at);
    } else if (d.getVarFlag(called, "js", false)) {
      d.setVar(func, `${EXPORT_SENTINEL_JS}    await bb.build.exec_func('${called}', d);\n`, at);
    } else {
      if (className.includes("-")) {
        throw new FatalError(
          `class ${className} exports shell function ${called}, but '-' is not allowed in shell function names; rename the class`,
          loc,
        );
      }
      d.setVar(func, `${EXPORT_SENTINEL}    ${called}\n`, at);
    }
  }
}

/**
 * `addfragments PREFIX FRAGMENTS_VAR FLAGGED_VARS_VAR BUILTIN_VAR` (configuration fragments): each
 * fragment `layer/name` in FRAGMENTS_VAR includes `PREFIX/name.conf` from that layer, and a
 * builtin fragment `prefix/value` sets the variable mapped to `prefix` instead.
 */
function addFragments(args: readonly string[], loc: Location, m: Metadata, ev: Evaluator): void {
  const [prefix, fragmentsVar, flaggedVar, builtinVar] = args as [string, string, string, string];
  const d = m.d;
  if (d.getVar("_BB_SKIP_FRAGMENTS") === "1") return;
  const fragments = (d.getVar(fragmentsVar) ?? "").split(/\s+/).filter(Boolean);
  if (fragments.length === 0) return;
  const builtins = new Map(
    (d.getVar(builtinVar) ?? "").split(/\s+/).filter(Boolean).map((entry) => entry.split(":", 2) as [string, string]),
  );
  const flagged = (d.getVar(flaggedVar) ?? "").split(/\s+/).filter(Boolean);
  const layers = (d.getVar("BBLAYERS") ?? "").split(/\s+/).filter(Boolean);
  for (const fragment of fragments) {
    const slash = fragment.indexOf("/");
    if (slash < 0) throw new ParseError(`fragment '${fragment}' in ${fragmentsVar} is not of the form layer/name`, loc);
    const head = fragment.slice(0, slash);
    const rest = fragment.slice(slash + 1);
    const builtin = builtins.get(head);
    if (builtin !== undefined) {
      d.setVar(builtin, rest, { file: loc.file, line: loc.line, op: `set (${fragmentsVar} contains "${fragment}")` });
      continue;
    }
    const relative = d.expand(`${prefix}/${rest}.conf`);
    let path: string | undefined;
    for (const candidate of layers.map((layer) => join(layer, relative))) {
      if (!ev.files.exists(candidate)) {
        // Created later, it could be the fragment: an input of this parse.
        m.depend(candidate);
        continue;
      }
      if (layerCollection(candidate, m) === head) {
        path = candidate;
        break;
      }
    }
    if (path === undefined) {
      throw new ParseError(`could not find fragment ${fragment} in the enabled layers (${layers.join(", ")})`, loc);
    }
    evaluateFile(path, m, ev, true);
    for (const name of flagged) {
      d.setVarFlag(name, fragment, d.getVar(name) ?? "");
      d.setVar(name, null);
    }
  }
}

/** The collection of the layer holding `path`: the longest BBFILE_PATTERN_<name> that matches it
 * (the longest, so that nested layers resolve to the inner one), as bb.utils.get_file_layer. */
function layerCollection(path: string, m: Metadata): string | null {
  let best: string | null = null;
  let bestLength = 0;
  for (const name of (m.d.getVar("BBFILE_COLLECTIONS") ?? "").split(/\s+/).filter(Boolean)) {
    const pattern = m.d.getVar(`BBFILE_PATTERN_${name}`) ?? "";
    if (pattern.length > bestLength && new RegExp(pattern.startsWith("^") ? pattern : `^(?:${pattern})`).test(path)) {
      best = name;
      bestLength = pattern.length;
    }
  }
  return best;
}
