# The build host as metadata Python sees it, through bake rather than through the WebAssembly
# machine's own layers:
#
# - File metadata (os.stat, lstat, listdir, access, readlink) is asked of the host directly. The
#   emscripten file system that Pyodide mounts host directories with answers the same questions,
#   but walks and re-checks every path component on each call: an os.lstat cost ~0.7 ms there
#   against ~0.05 ms here, and oe-core's anonymous functions and file-checksums make thousands
#   of these calls per recipe (oe.path.canonicalize, bb.fetch2.get_checksum_file_list).
# - Everything a `${@...}` result can depend on besides `d` (files, clocks, programs, messages)
#   reports itself here, so that a result that depended on nothing but `d` can be reused for the
#   next recipe that reads the same values (lib/python/inline-memo.ts). File metadata the host
#   answers (host.ts) is recorded there with its answer instead, and asked again when the result
#   is reused: a result that depends on which files exist is reused while they still do.
import builtins
import io
import errno
import os
import posix
import time

_host = None
_mounted = frozenset()

# How many `${@...}` evaluations are under way in this thread: outside of them, nothing needs
# telling.
depth = 0


def outside_world():
    """The code being evaluated asked something of the world outside the datastore."""
    if depth:
        _host.impure()


def _host_path(path):
    """The absolute host path for `path`, or None when the WebAssembly machine must answer
    (file descriptors, bytes, and its own directories: /lib, /dev, /proc, /home…)."""
    if not isinstance(path, str):
        if isinstance(path, os.PathLike):
            path = os.fspath(path)
            if not isinstance(path, str):
                return None
        else:
            return None
    if path == "":
        # No such file, as the kernel answers (ENOENT): joined to the working directory it would
        # be a directory that exists, and oe-core's kernel-yocto records `exists("")` in a
        # task's file-checksums, which the parse cache checks.
        return ""
    if not path.startswith("/"):
        path = os.path.join(os.getcwd(), path)
    slash = path.find("/", 1)
    top = path[1:] if slash < 0 else path[1:slash]
    return path if top in _mounted else None


# Node gives the host's (Linux) errno values, negated; the WebAssembly machine numbers errors its
# own way (WASI: ENOENT is 44 there, 2 is EACCES), and OSError picks its subclass
# (FileNotFoundError…) from the number. So the name, then this machine's number for it.
_LINUX_ERRNO = {1: "EPERM", 2: "ENOENT", 5: "EIO", 13: "EACCES", 20: "ENOTDIR", 21: "EISDIR",
                22: "EINVAL", 36: "ENAMETOOLONG", 40: "ELOOP", 75: "EOVERFLOW"}


def _error(code, path):
    number = getattr(errno, _LINUX_ERRNO.get(-code, "EIO"))
    return OSError(number, os.strerror(number), path)


def _stat_result(text):
    f = text.split(" ")
    mode, ino, dev, nlink, uid, gid, size = (int(x) for x in f[:7])
    ans, mns, cns = int(f[7]), int(f[8]), int(f[9])
    return os.stat_result(
        (mode, ino, dev, nlink, uid, gid, size, ans // 1000000000, mns // 1000000000, cns // 1000000000),
        {"st_atime": ans / 1e9, "st_mtime": mns / 1e9, "st_ctime": cns / 1e9,
         "st_atime_ns": ans, "st_mtime_ns": mns, "st_ctime_ns": cns,
         "st_blksize": 4096, "st_blocks": (size + 511) // 512},
    )


def _host_stat(path, host, follow):
    r = _host.stat(host, follow)
    if isinstance(r, int):
        raise _error(r, path)
    return _stat_result(r)


def _stat_with(original):
    def stat(path, *, dir_fd=None, follow_symlinks=True):
        host = _host_path(path) if dir_fd is None else None
        if host is None:
            outside_world()
            return original(path, dir_fd=dir_fd, follow_symlinks=follow_symlinks)
        return _host_stat(path, host, follow_symlinks)
    return stat


def _lstat_with(original):
    def lstat(path, *, dir_fd=None):
        host = _host_path(path) if dir_fd is None else None
        if host is None:
            outside_world()
            return original(path, dir_fd=dir_fd)
        return _host_stat(path, host, False)
    return lstat


def _listdir_with(original):
    def listdir(path="."):
        host = _host_path(path)
        if host is None:
            outside_world()
            return original(path)
        r = _host.listdir(host)
        if isinstance(r, int):
            raise _error(r, path)
        return r.split("\0") if r else []
    return listdir


def _access_with(original):
    def access(path, mode, *, dir_fd=None, effective_ids=False, follow_symlinks=True):
        host = _host_path(path) if dir_fd is None and not effective_ids and follow_symlinks else None
        if host is None:
            outside_world()
            return original(path, mode, dir_fd=dir_fd, effective_ids=effective_ids, follow_symlinks=follow_symlinks)
        return bool(_host.access(host, mode))
    return access


def _readlink_with(original):
    def readlink(path, *, dir_fd=None):
        host = _host_path(path) if dir_fd is None else None
        if host is None:
            outside_world()
            return original(path, dir_fd=dir_fd)
        r = _host.readlink(host)
        if isinstance(r, int):
            raise _error(r, path)
        return r
    return readlink


def _realpath_with(original):
    # Resolved on the host in one call (lib/python/host.ts follows Python's non-strict algorithm)
    # instead of an lstat per path component from here; a strict call is left to Python's own.
    def realpath(filename, *, strict=False):
        # realpath("") is the working directory, as abspath("") is.
        host = None if strict else _host_path(filename if filename != "" else ".")
        if host is None:
            outside_world()
            return original(filename, strict=strict)
        return _host.realpath(host)
    return realpath


def _mode_test_with(original, follow, test):
    # os.path.exists, isfile, isdir, islink, lexists: the file's mode alone, asked of the host in
    # one call; a missing path is an answer rather than an OSError raised and caught on the way
    # (oe-core's FILESPATH searches and PATH lookups ask about tens of missing paths per recipe).
    def check(path):
        host = _host_path(path)
        if host is None:
            outside_world()
            return original(path)
        mode = _host.mode(host, follow)
        return mode >= 0 and test(mode)
    check.__name__ = original.__name__
    check.__doc__ = original.__doc__
    return check


def _reporting(original):
    def wrapped(*args, **kwargs):
        outside_world()
        return original(*args, **kwargs)
    wrapped.__name__ = getattr(original, "__name__", "wrapped")
    wrapped.__doc__ = getattr(original, "__doc__", None)
    return wrapped


def attach(host, mounted):
    """This process's host and the top-level directories it mounted: an interpreter restored from a
    snapshot has the wrappers below already, installed without either."""
    global _host, _mounted
    _host = host
    _mounted = frozenset(mounted)


def install(host, mounted):
    attach(host, mounted)
    for module in (os, posix):
        module.stat = _stat_with(posix.stat)
        module.lstat = _lstat_with(posix.lstat)
        module.listdir = _listdir_with(posix.listdir)
        module.access = _access_with(posix.access)
        module.readlink = _readlink_with(posix.readlink)
        module.scandir = _reporting(posix.scandir)
    os.path.realpath = _realpath_with(os.path.realpath)
    import stat
    os.path.exists = _mode_test_with(os.path.exists, True, lambda mode: True)
    os.path.lexists = _mode_test_with(os.path.lexists, False, lambda mode: True)
    os.path.isfile = _mode_test_with(os.path.isfile, True, stat.S_ISREG)
    os.path.isdir = _mode_test_with(os.path.isdir, True, stat.S_ISDIR)
    os.path.islink = _mode_test_with(os.path.islink, False, stat.S_ISLNK)
    builtins.open = io.open = _reporting(io.open)
    for name in ("time", "time_ns", "gmtime", "localtime", "strftime", "ctime", "asctime", "monotonic", "perf_counter"):
        setattr(time, name, _reporting(getattr(time, name)))
