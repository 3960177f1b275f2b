# bb.fetch2 at parse time: URL decoding and encoding (bake's own fetcher does the fetching).
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
    pass


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
        self.names = self.parm.get("name", "default").split(",")
