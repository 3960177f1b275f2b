# The Python half of bake's bridge to parse-time Python: `d` (bake's DataStore seen from
# Python), `${@...}` evaluation, def blocks, anonymous and named python functions, event
# handlers and addpylib. The JavaScript half (lib/python/) calls the functions below; `_host`
# is the JavaScript object it hands over at start-up (logging).
import _io
import ast
import builtins
import os
import posix
import sys

import bake_host
import bb
import bb.utils

_host = None


def install(host):
    global _host
    _host = host
    # As in BitBake, bb and os are visible to every module of the layers' libraries.
    builtins.bb = bb
    builtins.os = os
    bb.utils._context.clear()
    bb.utils._context.update(bb.utils.clean_context())
    _install_subprocess()
    _init_code_cache()


def log(level, text):
    if _host is not None:
        _host.log(level, text)


# ---------------------------------------------------------------- the datastore

def _py(value):
    """A JavaScript value as Python sees it (null stays None, arrays become lists)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    to_py = getattr(value, "to_py", None)
    return to_py() if to_py is not None else value


try:
    from pyodide.ffi import JsBuffer as _JsBuffer
except ImportError:
    _JsBuffer = ()


def _long(value):
    """A string the datastore handed over as UTF-8 bytes because it is long (datastore.ts, crossing);
    anything else as it is."""
    return value.to_bytes().decode() if isinstance(value, _JsBuffer) else value


def _lines(text):
    return text.split("\n") if text else []


def _js_value(value):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        # BitBake stores Python objects; bake stores text, and True reads back as "True".
        return str(value)
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    return str(value)


class DataSmart(object):
    """bake's DataStore, seen from Python with BitBake's method names. Nothing is copied:
    every call reads or writes the JavaScript datastore."""

    __slots__ = ("_js", "_overridedata")

    def __init__(self, js):
        self._js = js
        self._overridedata = None

    def getVar(self, var, expand=True, noweakdefault=False, parsing=False):
        if var == "BB_ORIGENV":
            return original_environment()
        if var == "__BBTASKS":
            # A list in BitBake; bake keeps the task list beside the datastore.
            return _lines(self._js.tasks())
        value = self._js.getVar(var, bool(expand))
        return value if value is None or value.__class__ is str else _long(value)

    def setVar(self, var, value, **loginfo):
        parsing = bool(loginfo.get("parsing", False))
        if value is None or isinstance(value, (str, bool, int, float)):
            self._js.setVar(var, _js_value(value), parsing)
        else:
            # BitBake keeps any object (oe-core: a tuple in __CACHED_SOURCE_DATE_EPOCH); bake keeps
            # its text, and the object for Python reading the variable back.
            self._js.setVarObject(var, _js_value(value), value, parsing)

    def appendVar(self, var, value, **loginfo):
        self._js.appendVar(var, _js_value(value))

    def prependVar(self, var, value, **loginfo):
        self._js.prependVar(var, _js_value(value))

    def delVar(self, var, **loginfo):
        self._js.delVar(var)

    def renameVar(self, key, newkey, **loginfo):
        self._js.renameVar(key, newkey)

    def getVarFlag(self, var, flag, expand=True, noweakdefault=False, retparser=False):
        value = self._js.getVarFlag(var, flag, bool(expand))
        if value is not None and value.__class__ is not str:
            value = _long(value)
        if flag == "deps" and value is not None:
            # A task's [deps] is a list in BitBake (bb.build.addtask); bake keeps it as words.
            return value.split()
        return value

    def setVarFlag(self, var, flag, value, **loginfo):
        self._js.setVarFlag(var, flag, _js_value(value))

    def appendVarFlag(self, var, flag, value, **loginfo):
        self._js.appendVarFlag(var, flag, _js_value(value))

    def prependVarFlag(self, var, flag, value, **loginfo):
        self._js.prependVarFlag(var, flag, _js_value(value))

    def delVarFlag(self, var, flag, **loginfo):
        self._js.delVarFlag(var, flag)

    def getVarFlags(self, var, expand=False, internalflags=False):
        if isinstance(expand, (list, tuple, set)):
            from pyodide.ffi import to_js
            expand = to_js(list(expand))
        return _py(self._js.getVarFlags(var, expand, bool(internalflags)))

    def setVarFlags(self, var, flags, **loginfo):
        for k, v in flags.items():
            self.setVarFlag(var, k, v)

    def delVarFlags(self, var, **loginfo):
        for flag in list((self.getVarFlags(var) or {}).keys()):
            self.delVarFlag(var, flag)

    def expand(self, s, varname=None):
        if s is None:
            return None
        value = self._js.expand(str(s), varname)
        return value if value.__class__ is str else _long(value)

    def expandKeys(self):
        self._js.expandKeys()

    def keys(self):
        # Thousands of names: one string split here costs a fraction of converting an array.
        names = _long(self._js.keys())
        return names.split("\0") if names else []

    @property
    def overridedata(self):
        """data_smart.overridedata: {NAME: [["NAME:ovr", "ovr"], ...]}, a copy made when read
        (BitBake's own code is the only writer of the real one). Made again only when the links
        changed: handlers read it in a loop (`for var in d.overridedata: … d.overridedata[var]`)."""
        version = self._js.overrideDataVersion()
        cached = self._overridedata
        if cached is not None and cached[0] == version:
            return cached[1]
        text = _long(self._js.overrideData())
        out = {}
        if text:
            for record in text.split("\x01"):
                parts = record.split("\0")
                out[parts[0]] = [[parts[i], parts[i + 1]] for i in range(1, len(parts) - 1, 2)]
        self._overridedata = (version, out)
        return out

    # BitBake's DataSmart is a MutableMapping: d[VAR] and d.get(VAR) read the unexpanded value
    # (meta-freescale's libubootenv bbappend calls d.get), d[VAR] = v sets it, del d[VAR] deletes it.
    def __getitem__(self, var):
        value = self.getVar(var, False)
        if value is None:
            raise KeyError(var)
        return value

    def get(self, var, default=None):
        try:
            return self[var]
        except KeyError:
            return default

    def __setitem__(self, var, value):
        self.setVar(var, value)

    def __delitem__(self, var):
        self.delVar(var)

    def __iter__(self):
        return iter(self.keys())

    def __contains__(self, var):
        return self._js.has(var)

    def __len__(self):
        return len(self.keys())

    def createCopy(self):
        return DataSmart(self._js.createCopy())

    def hasOverrides(self, var):
        return self._js.hasOverrides(var)

    def inherited_classes(self):
        return _lines(self._js.inherited())

    def inherits_class(self, klass):
        """bb.data.inherits_class: answered beside the datastore, without the class list crossing."""
        return self._js.inheritsClass(klass)

    def localkeys(self):
        return self.keys()

    def getVarHistory(self, var):
        return []

    @property
    def inchistory(self):
        return _IncHistory()

    @property
    def varhistory(self):
        return _VarHistory()

    def setVarFilter(self, var, filter):
        self._js.setVarFilter(var, filter)


class _IncHistory(object):
    def include(self, filename):
        import contextlib
        return contextlib.nullcontext()


class _VarHistory(object):
    def record(self, *args, **kwargs):
        pass

    def variable(self, var):
        return []


def new_datastore():
    return DataSmart(_host.newDatastore())


_origenv = None


def original_environment():
    """BB_ORIGENV: a datastore of the environment bake started in (what classes read PATH from)."""
    global _origenv
    if _origenv is None:
        _origenv = new_datastore()
        for k, v in os.environ.items():
            _origenv.setVar(k, v)
    return _origenv


def host_run(cmd, input, cwd, env, shell):
    from pyodide.ffi import to_js
    args = cmd if isinstance(cmd, str) else to_js([str(c) for c in cmd])
    if isinstance(input, bytes):
        input = input.decode()
    result = _py(_host.run(args, input, cwd, to_js(dict(env)) if env else None, bool(shell)))
    return result[0], result[1], result[2]


def _install_subprocess():
    # subprocess.check_output/run/call/getoutput through the host, for layer libraries that
    # ask the build host something at parse time (compiler versions, git).
    import subprocess

    def _run(args, input=None, capture_output=False, check=False, cwd=None, env=None, shell=False, text=None,
             universal_newlines=None, encoding=None, stdout=None, stderr=None, timeout=None, **kwargs):
        if isinstance(input, bytes):
            input = input.decode()
        code, out, err = host_run(args, input, cwd, env, shell)
        if code is None:
            raise FileNotFoundError(2, "No such file or directory", args if isinstance(args, str) else args[0])
        if stderr == subprocess.STDOUT:
            out, err = out + err, ""
        as_text = text or universal_newlines or encoding is not None
        o = out if as_text else out.encode()
        e = err if as_text else err.encode()
        if check and code != 0:
            raise subprocess.CalledProcessError(code, args, o, e)
        return subprocess.CompletedProcess(args, code, o, e)

    def check_output(args, **kwargs):
        kwargs.pop("stdout", None)
        return _run(args, check=True, **kwargs).stdout

    def call(args, **kwargs):
        return _run(args, **kwargs).returncode

    def check_call(args, **kwargs):
        _run(args, check=True, **kwargs)
        return 0

    def getstatusoutput(cmd, **kwargs):
        r = _run(cmd, shell=True, text=True, stderr=subprocess.STDOUT)
        out = r.stdout[:-1] if r.stdout.endswith("\n") else r.stdout
        return r.returncode, out

    subprocess.run = _run
    subprocess.check_output = check_output
    subprocess.call = call
    subprocess.check_call = check_call
    subprocess.getstatusoutput = getstatusoutput
    subprocess.getoutput = lambda cmd, **kw: getstatusoutput(cmd)[1]


# Names a bare word in `${@...}` must not read from the datastore (BitBake's DataContext).
_EXCLUDED = set(dir(builtins)) | {"bb", "os", "oe"}


class DataContext(dict):
    def __init__(self, metadata, **kwargs):
        self.metadata = metadata
        dict.__init__(self, **kwargs)
        self["d"] = metadata

    def __missing__(self, key):
        if key in _EXCLUDED or key in bb.utils._context:
            raise KeyError(key)
        _read_as_variables.add(key)
        value = self.metadata.getVar(key)
        if value is None or self.metadata.getVarFlag(key, "func", False):
            raise KeyError(key)
        return value


# ---------------------------------------------------------------- ${@...}

_inline_cache = {}


def eval_inline(code, jsd):
    compiled = _inline_cache.get(code)
    if compiled is None:
        compiled = compile(code.strip(), "<expansion>", "eval")
        if len(_inline_cache) > 50000:
            _inline_cache.clear()
        _inline_cache[code] = compiled
    d = DataSmart(jsd)
    # `d` is a global too (BitBake's extraglobals), so generator expressions and lambdas inside the
    # expression see it; the previous one is put back for the expansion this one is nested in.
    context = bb.utils._context
    previous = context.get("d")
    context["d"] = d
    bake_host.depth += 1
    try:
        value = eval(compiled, context, DataContext(d))
    finally:
        bake_host.depth -= 1
        context["d"] = previous
    return value if isinstance(value, str) else str(value)


_READERS = {"getVar", "getVarFlag", "getVarFlags"}
_CONTAINS = {"contains", "contains_any", "filter"}


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def analyse(code, mode="eval"):
    """What a piece of Python reads, as BitBake's codeparser sees it: variables named by literal
    d.getVar/getVarFlag arguments, words bb.utils.contains checks, functions it calls, and
    literals passed to d.expand. Returns [references, execs, [[var, words]...], expands]."""
    refs, execs, contains, expands = [], [], [], []
    try:
        tree = ast.parse(code.strip() if mode == "eval" else code, mode=mode)
    except SyntaxError:
        return [refs, execs, contains, expands]
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        args = node.args
        first = args[0].value if args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str) else None
        if isinstance(node.func, ast.Attribute) and node.func.attr in _READERS and first is not None:
            refs.append(first)
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "expand" and first is not None:
            expands.append(first)
        elif name is not None and name.startswith("bb.utils.") and name[9:] in _CONTAINS and first is not None:
            refs.append(first)
            second = args[1] if len(args) > 1 else None
            if isinstance(second, ast.Constant) and isinstance(second.value, str):
                contains.append([first, second.value.split()])
        elif name is not None and not name.startswith("d."):
            execs.append(name)
    return [refs, execs, contains, expands]


# ---------------------------------------------------------------- functions

# Where compiled metadata functions are kept between processes (beside the layers' bytecode,
# sys.pycache_prefix), or None. Compiling is slow in WebAssembly (~3 ms for a class's function)
# and every interpreter meets the same few hundred functions of the classes; a compiled function
# is found again by a digest of its text, file, line and the Python version, so nothing in the
# cache is ever stale; it is kept within a byte limit, least recently used first.
_code_cache = None


def _init_code_cache():
    global _code_cache
    if sys.dont_write_bytecode or not sys.pycache_prefix:
        return
    directory = os.path.join(sys.pycache_prefix, "bake-metadata")
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError:
        return
    _code_cache = directory


def _compile_at(text, filename, lineno):
    # Leading newlines put the code at its line in the metadata file, for tracebacks.
    source = "\n" * max(lineno - 1, 0) + text
    if _code_cache is None:
        return compile(source, filename, "exec")
    import hashlib
    import marshal
    digest = hashlib.sha256(("%s\0%s\0%s" % (sys.implementation.cache_tag, filename, source)).encode()).hexdigest()
    path = "%s/%s" % (_code_cache, digest)
    # _io.open and posix: the host calls bake_host reports as reads of the outside world, which
    # this is not (the result depends on the text alone).
    try:
        with _io.open(path, "rb") as f:
            code = marshal.loads(f.read())
        try:
            # Used now: the cache is cut least recently used first (lib/python/bytecode-cache.ts).
            posix.utime(path)
        except OSError:
            pass
        return code
    except (OSError, EOFError, ValueError, TypeError):
        pass
    code = compile(source, filename, "exec")
    import random
    tmp = "%s.%016x.tmp" % (path, random.getrandbits(64))
    try:
        with _io.open(tmp, "wb") as f:
            f.write(marshal.dumps(code))
        posix.replace(tmp, path)
    except OSError:
        # Not kept: the next interpreter compiles it again.
        try:
            posix.unlink(tmp)
        except OSError:
            pass
    return code


_def_cache = {}


def _with_statement(body):
    """The body, plus a `pass` at its own indentation so that an empty or comment-only body compiles."""
    indent = "    "
    for line in body.split("\n"):
        if line.strip():
            indent = line[: len(line) - len(line.lstrip())] or "    "
            break
    return body.rstrip("\n") + "\n" + indent + "pass\n"


# Moves on whenever a name of the metadata namespace comes to mean something else: `${@...}`
# results kept from before (lib/python/inline-memo.ts) may have called the old meaning.
generation = 0


# Bare names `${@...}` code looked up in the datastore because the namespace did not have them:
# defining one of them later changes what that code means.
_read_as_variables = set()


def _rebind(names):
    global generation
    context = bb.utils._context
    for name, value in names.items():
        old = context.get(name, _rebind)
        if old is _rebind:
            # A new name: only code that read it as a variable could have meant something else by it.
            same = name not in _read_as_variables
        else:
            same = old is value or (
                getattr(old, "__code__", None) is not None and getattr(old, "__code__", None) is getattr(value, "__code__", False))
        if not same:
            generation += 1
        context[name] = value


def insert_method(text, filename, lineno):
    """A `def` block (or a function of the method pool) joins the metadata namespace; returns the
    namespace generation. The same block read again (by the next recipe) compiles to the same
    code, so rebinding its functions leaves the generation as it was."""
    key = (text, filename, lineno)
    code = _def_cache.get(key)
    if code is None:
        code = _def_cache[key] = _compile_at(text, filename, lineno)
    names = {}
    exec(code, bb.utils._context, names)
    _rebind(names)
    return generation


def _function(name, body, filename, lineno, params="d"):
    key = (name, body, filename, lineno, params)
    fn = _def_cache.get(key)
    if fn is None:
        namespace = {}
        code = _compile_at("def %s(%s):\n%s" % (name, params, _with_statement(body)), filename, lineno - 1)
        exec(code, bb.utils._context, namespace)
        fn = _def_cache[key] = namespace[name]
        fn.__globals__.update({})
    return fn


def caller():
    """Where the Python writing to d stands, as BitBake's history infers it from its caller's
    frame: file, line and function of the first frame outside this module, NUL-separated ("" if
    none). Asked by the datastore only while it records history (bake -e)."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename == _BRIDGE_FILE:
        f = f.f_back
    if f is None:
        return ""
    return "%s\0%d\0%s" % (f.f_code.co_filename, f.f_lineno, f.f_code.co_name)


_BRIDGE_FILE = caller.__code__.co_filename


def run_function(name, body, filename, lineno, jsd):
    """An anonymous `python () {}` (or any named python function) called with d."""
    _function(name, body, filename, lineno)(DataSmart(jsd))


def exec_python_function(func, d):
    body = d.getVar(func, False) or ""
    filename = d.getVarFlag(func, "filename", False) or func
    # The lineno flag is the header's line (BitBake's); the body starts on the next one.
    lineno = int(d.getVarFlag(func, "lineno", False) or 1) + 1
    _function(func, body, filename, lineno)(d)


def add_task(task, before, after, d):
    d._js.addTask(task, before or "", after or "")


def del_task(task, d):
    d._js.delTask(task)


# ---------------------------------------------------------------- events

handlers = {}


# The handler set set_handlers last installed (its number); None once metadata code changed the handlers.
_installed = None

# Every handler set met in this interpreter, by the number the JavaScript side gave its specs: a
# recipe's events reach different sets (deferred inherits add handlers), so consecutive events
# switched between two sets and each switch decoded and registered every handler again.
_handler_sets = {}


def register_handler(name, handler, mask, filename, lineno):
    global _installed
    _installed = None
    if callable(handler):
        fn = handler
    else:
        fn = _function(name, handler, filename or name, int(lineno or 1), "e, d")
    handlers[name] = (fn, set(mask))


def remove_handler(name):
    global _installed
    _installed = None
    handlers.pop(name, None)


def set_handlers(number, specs, forget):
    """Installs handler set `number`: the JSON of [[name, body, mask, filename, lineno], ...] the
    first time it is met (`specs`), None after. `forget`: the numbers met before are given up."""
    global _installed
    if forget:
        _handler_sets.clear()
    if number == _installed:
        return
    kept = _handler_sets.get(number)
    handlers.clear()
    if kept is None:
        import json
        for name, body, mask, filename, lineno in json.loads(specs):
            register_handler(name, body, mask.split(), filename, lineno)
        kept = _handler_sets[number] = dict(handlers)
    else:
        handlers.update(kept)
    _installed = number


def fire_event(event, d):
    event.data = d
    cls = type(event).__name__
    qualified = "%s.%s" % (type(event).__module__, cls)
    for name, (fn, mask) in list(handlers.items()):
        if mask and cls not in mask and qualified not in mask:
            continue
        fn(event, d)


def fire(eventname, args, jsd):
    import bb.event
    cls = getattr(bb.event, eventname)
    fire_event(cls(*_py(args)), DataSmart(jsd))


# ---------------------------------------------------------------- libraries

def add_pylib(libdir, namespace, jsd):
    d = DataSmart(jsd)
    for m in (d.getVar("BB_GLOBAL_PYMODULES") or "").split():
        if m not in bb.utils._context:
            bb.utils._context[m] = __import__(m)
    if libdir not in sys.path:
        sys.path.append(libdir)
    module = __import__(namespace)
    bb.utils._context[namespace] = module
    for sub in getattr(module, "BBIMPORTS", []):
        __import__(namespace + "." + sub)
    global generation
    generation += 1
    return generation


def import_modules(names):
    global generation
    for name in _py(names):
        top = name.split(".")[0]
        __import__(name)
        bb.utils._context[top] = sys.modules[top]
    generation += 1
    return generation


# ---------------------------------------------------------------- errors

last_error = None


def describe_error():
    """[kind, type, message, js error or None] of the exception that last left Python."""
    e = last_error
    try:
        from pyodide.ffi import JsException
    except ImportError:
        JsException = ()
    if isinstance(e, JsException):
        return ["js", "JsException", str(e), getattr(e, "js_error", None)]
    if isinstance(e, bb.parse.SkipRecipe):
        return ["skip", type(e).__name__, str(e), None]
    if isinstance(e, bb.BBHandledException):
        return ["fatal", type(e).__name__, str(e), None]
    import traceback
    tb = traceback.extract_tb(e.__traceback__) if e is not None else []
    where = ""
    for frame in reversed(tb):
        if not frame.filename.startswith("/lib/") and "bake_bridge" not in frame.filename:
            where = "%s:%d" % (frame.filename, frame.lineno)
            break
    return ["error", type(e).__name__, str(e), where]


def entry(fn):
    def wrapped(*args):
        global last_error
        try:
            return fn(*args)
        except BaseException as e:
            last_error = e
            raise
    wrapped.__name__ = fn.__name__
    return wrapped


def apply_filter(expression, value):
    import bb.filter
    return bb.filter.apply_filters(value, [expression])


apply_filter = entry(apply_filter)
eval_inline = entry(eval_inline)
insert_method = entry(insert_method)
run_function = entry(run_function)
fire = entry(fire)
add_pylib = entry(add_pylib)
import_modules = entry(import_modules)
set_handlers = entry(set_handlers)
