# bake's own `bb` module for Python metadata: the parse-time subset of BitBake's API that layers
# written for BitBake call (messages, bb.utils, bb.data, bb.parse, bb.event, bb.build, bb.fetch2).
# Messages go to bake's UI through the bridge; bb.fatal stops the parse.

import sys

# The BitBake release whose parse-time behaviour this module follows (layers compare it with
# BB_MIN_VERSION: oe-core's sanity.conf asks for 2.18.0).
__version__ = "2.19.0"


class BBHandledException(Exception):
    """An error already reported to the user (bb.fatal raises it)."""


def _text(args):
    return "".join(str(a) for a in args)


def _log(level, args):
    from bake_bridge import log
    log(level, _text(args))


def plain(*args):
    _log("plain", args)


def note(*args):
    _log("note", args)


def verbnote(*args):
    _log("note", args)


def warn(*args):
    _log("warn", args)


def error(*args, **kwargs):
    _log("error", args)


def erroronce(*args):
    _log("error", args)


def warnonce(*args):
    _log("warn", args)


def debug(lvl, *args):
    if isinstance(lvl, int):
        _log("debug", args)
    else:
        _log("debug", (lvl,) + args)


def fatal(*args, **kwargs):
    _log("fatal", args)
    raise BBHandledException(_text(args))


def deprecated(func):
    return func


from bb import utils, data, parse, event, build, process, fetch2, siggen, runqueue, filter, compress, multiprocessing  # noqa: E402

fetch = fetch2
sys.modules["bb.fetch"] = fetch2
