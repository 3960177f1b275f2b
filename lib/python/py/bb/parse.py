# bb.parse: what metadata raises and asks while a recipe is parsed.
import os

import bb


class SkipRecipe(Exception):
    """Raised by metadata code: the recipe is not available in this configuration."""


SkipPackage = SkipRecipe


class ParseError(Exception):
    def __init__(self, msg, filename="", lineno=0):
        super().__init__(msg)
        self.msg = msg
        self.filename = filename
        self.lineno = lineno


def vars_from_file(mypkg, d):
    if not mypkg or not mypkg.endswith((".bb", ".bbappend")):
        return (None, None, None)
    base = os.path.splitext(os.path.basename(mypkg))[0]
    parts = base.split("_")
    if len(parts) > 3:
        raise ParseError("Unable to generate default variables from filename (too many underscores)", mypkg)
    while len(parts) < 3:
        parts.append(None)
    return tuple(parts)


def mark_dependency(d, f):
    if f.startswith("./"):
        f = "%s/%s" % (os.getcwd(), f[2:])
    deps = (d.getVar("__depends", False) or "").split()
    if f not in deps:
        deps.append(f)
        d.setVar("__depends", " ".join(deps))


def check_dependency(d, f):
    return f in (d.getVar("__depends", False) or "").split()


class _SigGen:
    """Parse-time signature hooks (bake computes signatures itself)."""
    def __getattr__(self, name):
        return lambda *a, **k: None


siggen = _SigGen()


def vardeps(*varnames):
    """Marks extra variables a function depends on (signatures); bake records them on the function."""
    def decorator(func):
        func.bb_vardeps = set(varnames)
        return func
    return decorator


def vardepsexclude(*varnames):
    def decorator(func):
        func.bb_vardepsexclude = set(varnames)
        return func
    return decorator


def get_file_depends(d):
    return " ".join((d.getVar("__depends", False) or "").split())
