# bb.fetch2 at parse time: URL decoding and encoding (bake's own fetcher does the fetching).
import os
import re
import urllib.parse

import bb


class BBFetchException(Exception):
    def __init__(self, message=""):
        super().__init__(message)
        self.msg = message


class MalformedUrl(BBFetchException):
    def __init__(self, url, message=""):
        super().__init__(message or "The URL: '%s' is invalid and cannot be interpreted" % url)
        self.url = url


class FetchError(BBFetchException):
    def __init__(self, message, url=None):
        super().__init__(message)
        self.url = url


class ParameterError(BBFetchException):
    """Exception raised when a url cannot be processed due to invalid parameters."""

    def __init__(self, message, url):
        super().__init__("URL: '%s' has invalid parameters. %s" % (url, message))
        self.url = url


class UnpackError(BBFetchException):
    pass


def decodeurl(url):
    m = re.compile(r"(?P<type>[^:]*)://((?P<user>[^/;]+)@)?(?P<location>[^;]+)(;(?P<parm>.*))?").match(url)
    if not m:
        raise MalformedUrl(url)
    type_ = m.group("type")
    location = m.group("location")
    if not location:
        raise MalformedUrl(url)
    user = m.group("user")
    parm = m.group("parm")
    locidx = location.find("/")
    if locidx != -1 and type_.lower() != "file":
        host = location[:locidx]
        path = location[locidx:]
    elif type_.lower() == "file":
        host = ""
        path = location
        if user:
            path = user + "@" + path
            user = ""
    else:
        host = location
        path = "/"
    if user:
        m = re.compile(r"(?P<user>[^:]+)(:?(?P<pswd>.*))").match(user)
        user, pswd = m.group("user"), m.group("pswd")
    else:
        user, pswd = "", ""
    p = {}
    if parm:
        for s in parm.split(";"):
            if s:
                if "=" not in s:
                    raise MalformedUrl(url, "The URL: '%s' is invalid: parameter %s does not specify a value (missing '=')" % (url, s))
                s1, s2 = s.split("=", 1)
                p[s1] = s2
    return type_, host, urllib.parse.unquote(path), user, pswd, p


def encodeurl(decoded):
    type_, host, path, user, pswd, p = decoded
    if not type_:
        raise MissingParameterError("type", "encoded from the data %s" % str(decoded))
    url = ["%s://" % type_]
    if user and type_ != "file":
        url.append("%s" % user)
        if pswd:
            url.append(":%s" % pswd)
        url.append("@")
    if host and type_ != "file":
        url.append("%s" % host)
    if path:
        url.append("%s" % urllib.parse.quote(path))
    if p:
        for parm in p:
            url.append(";%s=%s" % (parm, p[parm]))
    return "".join(url)


class MissingParameterError(BBFetchException):
    def __init__(self, missing, url):
        super().__init__("URL: '%s' is missing the required parameter '%s'" % (url, missing))


def get_srcrev(d, method_name="sortable_revision"):
    return d.getVar("SRCREV") or ""


def get_autorev(d):
    # The revision is looked up when the recipe is parsed: not cached unless the policy says so.
    if d.getVar("BB_SRCREV_POLICY") != "cache":
        d.setVar("BB_DONT_CACHE", "1")
    d.setVar("__BBAUTOREV_SEEN", True)
    return "AUTOINC"


class Fetch(object):
    def __init__(self, urls, d, cache=True, localonly=False, connection_cache=None):
        if not urls:
            urls = (d.getVar("SRC_URI") or "").split()
        self.urls = urls
        self.d = d
        self.ud = {u: FetchData(u, d) for u in urls}

    def localpaths(self):
        return [self.localpath(u) for u in self.urls]

    def localpath(self, url):
        ud = self.ud[url]
        return ud.localpath


class FetchData(object):
    def __init__(self, url, d):
        self.url = url
        (self.type, self.host, self.path, self.user, self.pswd, self.parm) = decodeurl(d.expand(url))
        self.basename = self.path.rsplit("/", 1)[-1]
        if self.type == "file":
            self.localpath = self.path
        else:
            self.localpath = "%s/%s" % (d.getVar("DL_DIR") or "", self.parm.get("downloadfilename", self.basename))
        # BitBake 2.19: one name per URL (SRCREV_<name>, <name>.sha256sum); a list is refused.
        self.name = _url_name(self.parm, url)


def _url_name(parm, url):
    name = parm.get("name", "default")
    if "," in name:
        raise ParameterError("The fetcher no longer supports multiple name parameters in a single url", url)
    return name


class URI(object):
    """A SRC_URI entry split into scheme, user, host, path, ;params and ?query."""

    def __init__(self, uri=None):
        self.scheme = ""
        self.userinfo = ""
        self.hostname = ""
        self.port = None
        self.path = ""
        self.params = {}
        self.query = {}
        self.relative = False
        if not uri:
            return
        rest = uri
        if "://" in rest:
            self.scheme, rest = rest.split("://", 1)
        if ";" in rest:
            rest, params = rest.split(";", 1)
            for p in params.split(";"):
                if p:
                    k, _, v = p.partition("=")
                    self.params[k] = v
        if "?" in rest and self.scheme not in ("file",):
            rest, query = rest.split("?", 1)
            for q in query.split("&"):
                if q:
                    k, _, v = q.partition("=")
                    self.query[k] = v
        if self.scheme == "file":
            self.path = urllib.parse.unquote(rest)
            self.relative = not self.path.startswith("/")
            return
        netloc, slash, path = rest.partition("/")
        if "@" in netloc:
            self.userinfo, netloc = netloc.rsplit("@", 1)
        if ":" in netloc and not netloc.startswith("["):
            host, _, port = netloc.partition(":")
            self.hostname, self.port = host, int(port) if port.isdigit() else None
        else:
            self.hostname = netloc
        self.path = urllib.parse.unquote(slash + path)

    @property
    def username(self):
        return self.userinfo.split(":", 1)[0] if self.userinfo else None

    @property
    def password(self):
        return self.userinfo.split(":", 1)[1] if ":" in self.userinfo else None

    @property
    def hostport(self):
        return "%s:%s" % (self.hostname, self.port) if self.port else self.hostname

    def __str__(self):
        out = self.scheme + "://"
        if self.userinfo:
            out += self.userinfo + "@"
        out += self.hostport + urllib.parse.quote(self.path)
        if self.query:
            out += "?" + "&".join("%s=%s" % kv for kv in self.query.items())
        if self.params:
            out += ";" + ";".join("%s=%s" % kv for kv in self.params.items())
        return out


_SCM = ("git", "gitsm", "svn", "hg", "bzr", "cvs", "repo", "p4", "osc", "gitannex")


def _src_uris(d):
    return (d.getVar("SRC_URI") or "").split()


def get_hashvalue(d, method_name="sortable_revision"):
    """The revisions of the recipe's SCM sources (what a signature of do_fetch must follow)."""
    revs = []
    for url in _src_uris(d):
        scheme = url.split("://", 1)[0]
        if scheme not in _SCM:
            continue
        name = _url_name(decodeurl(url)[5], url)
        rev = d.getVar("SRCREV_%s" % name) if name != "default" else None
        revs.append(rev or d.getVar("SRCREV") or "")
    return " ".join(revs)


def get_checksum_file_list(d):
    """Local files of SRC_URI as "path:exists" (the file-checksums of do_fetch): every place searched
    along FILESPATH up to the one found, as BitBake writes them; a parse cache entry holds while each
    is still as it was."""
    filespath = ":".join(p for p in (d.getVar("FILESPATH") or "").split(":") if p)
    out = []
    for url in _src_uris(d):
        if not url.startswith("file://"):
            continue
        path = decodeurl(url)[2]
        if os.path.isabs(path):
            out.append("%s:%s" % (path, os.path.exists(path)))
            continue
        found, searched = bb.utils.which(filespath, path, history=True)
        # which stops at the one found: it is the last searched, every other did not exist.
        out.extend("%s:False" % p for p in (searched[:-1] if found else searched))
        if found:
            out.append("%s:True" % found)
    return " ".join(out)


def get_srcrev_values(d):
    return get_hashvalue(d).split()
