# bb.filter: variable filters (d.setVarFilter). A filter is a Python expression of `val` that may
# call only the functions registered with @filter_proc (and a few pure builtins); results are
# cached by (value, expression), so the functions must be pure.
import builtins


class Namespace(object):
    """Attribute access to registered functions under a dotted name (oe.x.f)."""

    def __getitem__(self, name):
        return self.__dict__[name]

    def __setitem__(self, name, value):
        self.__dict__[name] = value

    def __contains__(self, name):
        return name in self.__dict__


FILTERS = {"__builtins__": {}}
_CACHE = {}


def filter_proc(*, name=None):
    def register(func):
        parts = (name or func.__name__).split(".")
        where = FILTERS
        for part in parts[:-1]:
            if part not in where:
                where[part] = Namespace()
            where = where[part]
        where[parts[-1]] = func
        return func
    return register


for _f in (all, any, bool, chr, enumerate, float, format, hex, int, len, map, max, min, oct, ord, range,
           reversed, round, set, sorted, str, sum, tuple, list, zip, filter):
    filter_proc()(_f)


def apply_filters(val, expressions):
    for expression in expressions:
        expression = expression.strip()
        if not expression:
            continue
        key = (val, expression)
        if key not in _CACHE:
            if len(_CACHE) > 100000:
                _CACHE.clear()
            _CACHE[key] = eval(expression, dict(FILTERS), {"val": val})
        val = _CACHE[key]
    return val
