# bb.utils: the helpers metadata calls at parse time.
import errno
import os
import re
import shutil
import hashlib
import contextlib

import bb

_context = {}


def clean_context():
    import os as _os, sys as _sys, time as _time
    return {"os": _os, "bb": bb, "sys": _sys, "time": _time}


def get_context():
    return _context


def _value_and_checks(variable, checkvalues, d):
    """The words of a variable's value (None when it is empty or unset) and of checkvalues (a string or an iterable)."""
    val = d.getVar(variable)
    words = set(val.split()) if val else None
    checks = set(checkvalues.split()) if isinstance(checkvalues, str) else set(checkvalues)
    return words, checks


def contains(variable, checkvalues, truevalue, falsevalue, d):
    val, checks = _value_and_checks(variable, checkvalues, d)
    return truevalue if val is not None and checks.issubset(val) else falsevalue


def contains_any(variable, checkvalues, truevalue, falsevalue, d):
    val, checks = _value_and_checks(variable, checkvalues, d)
    return truevalue if val is not None and checks & val else falsevalue


def filter(variable, checkvalues, d):
    return filter_string(d.getVar(variable), checkvalues)


def filter_string(val, checkvalues):
    if not val:
        return ""
    val = set(val.split())
    if isinstance(checkvalues, str):
        checkvalues = set(checkvalues.split())
    else:
        checkvalues = set(checkvalues)
    return " ".join(sorted(checkvalues & val))


def to_boolean(string, default=None):
    if not string:
        return default
    if isinstance(string, int):
        return string != 0
    normalized = string.lower()
    if normalized in ("y", "yes", "1", "true"):
        return True
    if normalized in ("n", "no", "0", "false"):
        return False
    raise ValueError("Invalid value for to_boolean: %s" % string)


def which(path, item, direction=0, history=False, executable=False):
    paths = (path or "").split(":")
    if direction != 0:
        paths.reverse()
    looked = []
    for p in paths:
        candidate = os.path.join(p, item)
        looked.append(candidate)
        if os.path.exists(candidate) and (not executable or os.access(candidate, os.X_OK)):
            if not os.path.isabs(candidate):
                candidate = os.path.abspath(candidate)
            return (candidate, looked) if history else candidate
    return ("", looked) if history else ""


def mkdirhier(directory):
    try:
        os.makedirs(directory)
    except OSError as e:
        if e.errno != errno.EEXIST or not os.path.isdir(directory):
            raise


def remove(path, recurse=False, ionice=False):
    import glob
    for name in glob.glob(path):
        if recurse and os.path.isdir(name) and not os.path.islink(name):
            shutil.rmtree(name)
        else:
            try:
                os.unlink(name)
            except FileNotFoundError:
                pass


def prunedir(topdir, ionice=False):
    remove(topdir, recurse=True)


def _split_deps(s):
    # Words, with "(op version)" groups attached to the word before them.
    out = []
    words = (s or "").split()
    i = 0
    while i < len(words):
        w = words[i]
        if w.startswith("("):
            group = [w]
            while not group[-1].endswith(")") and i + 1 < len(words):
                i += 1
                group.append(words[i])
            if out:
                out[-1][1].append(" ".join(group)[1:-1])
        else:
            out.append((w, []))
        i += 1
    return out


def explode_deps(s):
    return [name for name, _ in _split_deps(s)]


def explode_dep_versions2(s, sort=True):
    import collections
    r = collections.OrderedDict()
    for name, versions in _split_deps(s):
        r.setdefault(name, [])
        for v in versions:
            v = v.strip()
            m = re.match(r"^(<=|>=|=|<<|>>|<|>)\s*(.*)$", v)
            if not m:
                raise ValueError("Invalid version comparison %s for %s" % (v, name))
            r[name].append("%s %s" % (m.group(1), m.group(2).strip()))
    if sort:
        r = collections.OrderedDict(sorted(r.items(), key=lambda x: x[0]))
    return r


def explode_dep_versions(s):
    r = explode_dep_versions2(s)
    for k in r:
        r[k] = r[k][0] if r[k] else None
    return r


def join_deps(deps, commasep=True):
    result = []
    for dep in deps:
        versions = deps[dep]
        if versions:
            if isinstance(versions, list):
                for v in versions:
                    result.append("%s (%s)" % (dep, v))
            else:
                result.append("%s (%s)" % (dep, versions))
        else:
            result.append(dep)
    return ", ".join(result) if commasep else " ".join(result)


def _split_version(s):
    s = s.strip(" <>=")
    epoch = 0
    if s.count(":"):
        e, s = s.split(":", 1)
        epoch = int(e)
    revision = ""
    if s.count("-"):
        s, revision = s.rsplit("-", 1)
    return (epoch, s, revision)


def _order(c):
    if c.isdigit():
        return 0
    if c.isalpha():
        return ord(c)
    if c == "~":
        return -1
    if c:
        return ord(c) + 256
    return 0


def _vercmp_part(a, b):
    # Debian's version comparison: alternating non-digit and digit runs.
    while a or b:
        ta = re.match(r"^([^0-9]*)(.*)$", a)
        tb = re.match(r"^([^0-9]*)(.*)$", b)
        sa, a = ta.group(1), ta.group(2)
        sb, b = tb.group(1), tb.group(2)
        i = 0
        while i < max(len(sa), len(sb)):
            ca = _order(sa[i]) if i < len(sa) else 0
            cb = _order(sb[i]) if i < len(sb) else 0
            if ca != cb:
                return -1 if ca < cb else 1
            i += 1
        na = re.match(r"^([0-9]*)(.*)$", a)
        nb = re.match(r"^([0-9]*)(.*)$", b)
        da, a = int(na.group(1) or 0), na.group(2)
        db, b = int(nb.group(1) or 0), nb.group(2)
        if da != db:
            return -1 if da < db else 1
    return 0


def vercmp(ta, tb):
    (ea, ra, rela) = ta
    (eb, rb, relb) = tb
    r = int(ea or 0) - int(eb or 0)
    if r == 0:
        r = _vercmp_part(ra, rb)
    if r == 0:
        r = _vercmp_part(rela, relb)
    return r


def vercmp_string(a, b):
    return vercmp(_split_version(a), _split_version(b))


def vercmp_string_op(a, b, op):
    res = vercmp_string(a, b)
    if op in ("=", "=="):
        return res == 0
    if op == "<=":
        return res <= 0
    if op == ">=":
        return res >= 0
    if op in (">", ">>"):
        return res > 0
    if op in ("<", "<<"):
        return res < 0
    if op == "!=":
        return res != 0
    raise ValueError("unsupported comparison operator %s" % op)


def _file_hash(path, h):
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(65536), b""):
            h.update(chunk)
    return h.hexdigest()


def md5_file(path):
    return _file_hash(path, hashlib.md5())


def sha256_file(path):
    return _file_hash(path, hashlib.sha256())


def sha1_file(path):
    return _file_hash(path, hashlib.sha1())


def lockfile(name, shared=False, retry=True, block=False):
    return name


def unlockfile(lf):
    pass


@contextlib.contextmanager
def fileslocked(files, *args, **kwargs):
    yield


def cpu_count():
    return os.cpu_count() or 1


def is_semver(version):
    return re.match(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$", version) is not None


def get_file_layer(filename, d):
    collections = (d.getVar("BBFILE_COLLECTIONS") or "").split()
    best, best_len = None, 0
    for c in collections:
        pattern = d.getVar("BBFILE_PATTERN_%s" % c) or ""
        if len(pattern) > best_len and re.match(pattern, filename):
            best, best_len = c, len(pattern)
    return best


def better_exec(code, context, text=None, realfile="<code>", pythonexception=False):
    exec(code, get_context(), context)


def better_eval(source, locals, extraglobals=None):
    ctx = get_context()
    if extraglobals:
        ctx = dict(ctx)
        ctx.update(extraglobals)
    return eval(source, ctx, locals)


def rename(src, dst):
    os.rename(src, dst)


def copyfile(src, dest, newmtime=None, sstat=None):
    shutil.copy2(src, dest)
    return True
