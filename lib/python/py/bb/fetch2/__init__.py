# bb.fetch2 at parse time: URLs, FetchData and revisions as BitBake 2.19 has them (bake's own fetcher does the fetching).
import collections
import os
import re
import shlex
import urllib.parse

import bake_host
import bb


class BBFetchException(Exception):
    def __init__(self, message=""):
        super().__init__(message)
        self.msg = message

    def __str__(self):
        return self.msg


class MalformedUrl(BBFetchException):
    def __init__(self, url, message=""):
        super().__init__(message or "The URL: '%s' is invalid and cannot be interpreted" % url)
        self.url = url


class FetchError(BBFetchException):
    def __init__(self, message, url=None):
        if url:
            super().__init__("Fetcher failure for URL: '%s'. %s" % (url, message))
        else:
            super().__init__("Fetcher failure: %s" % message)
        self.url = url
        self.args = (message, url)


class ParameterError(BBFetchException):
    """Exception raised when a url cannot be processed due to invalid parameters."""

    def __init__(self, message, url):
        super().__init__("URL: '%s' has invalid parameters. %s" % (url, message))
        self.url = url


class UnpackError(BBFetchException):
    pass


def _split_pairs(text, sep):
    """'k=v' items of text split on sep (empty items dropped; an item without '=' has the value None)."""
    pairs = collections.OrderedDict()
    for item in text.split(sep):
        if item:
            key, eq, value = item.partition("=")
            pairs[key] = value if eq else None
    return pairs


def _drop_file_netloc(url):
    """'file://foo.diff' read as 'file:foo.diff': the first '//' that follows a ':' and is not the
    start of '///' is removed (file: URLs have no host; 'file:///abs' keeps its slashes)."""
    start = 0
    while True:
        i = url.find("//", start)
        if i < 0:
            return url
        if i > 0 and url[i - 1] == ":" and url[i + 2:i + 3] != "/":
            return url[:i] + url[i + 2:]
        start = i + 1


class URI(object):
    """A SRC_URI entry as BitBake 2.19's bb.fetch2.URI reads it: ';k=v' parameters are cut off
    first, the rest goes through urllib.parse.urlsplit (so '?' starts a query, '#' a fragment,
    the host is lower-cased and a port that is not a number raises ValueError); 'file://x' is the
    relative 'file:x', and file: and git: URLs without '//' after the scheme are relative."""

    def __init__(self, uri=None):
        self.scheme = ""
        self.userinfo = ""
        self.hostname = ""
        self.port = None
        self._path = ""
        self.params = collections.OrderedDict()
        self.query = collections.OrderedDict()
        self.relative = False
        if not uri:
            return
        head, semicolon, params = uri.partition(";")
        parts = urllib.parse.urlsplit(head)
        self.scheme = parts.scheme
        if parts.scheme == "file":
            head = _drop_file_netloc(head)
            parts = urllib.parse.urlsplit(head)
        if parts.scheme in ("file", "git") and re.match(r"\w+:(?!//)", head):
            self.relative = True
        if not self.relative:
            self.hostname = parts.hostname or ""
            self.port = parts.port
            self.userinfo = parts.username or ""
            if parts.password:
                self.userinfo += ":" + parts.password
        self.path = urllib.parse.unquote(parts.path)
        if params:
            self.params = _split_pairs(params, ";")
        if parts.query:
            self.query = _split_pairs(parts.query, "&")

    @property
    def path(self):
        return self._path

    @path.setter
    def path(self, path):
        # Setting the path decides relative again: a non-empty path not starting with '/'.
        self._path = path
        self.relative = bool(path) and not path.startswith("/")

    @property
    def path_quoted(self):
        return urllib.parse.quote(self.path)

    @path_quoted.setter
    def path_quoted(self, path):
        self.path = urllib.parse.unquote(path)

    @property
    def username(self):
        return self.userinfo.split(":", 1)[0] if self.userinfo else ""

    @username.setter
    def username(self, username):
        password = self.password
        self.userinfo = username + (":" + password if password else "")

    @property
    def password(self):
        return self.userinfo.split(":", 1)[1] if ":" in self.userinfo else ""

    @password.setter
    def password(self, password):
        self.userinfo = "%s:%s" % (self.username, password)

    @property
    def hostport(self):
        return "%s:%d" % (self.hostname, self.port) if self.port else self.hostname

    def __str__(self):
        out = [self.scheme, ":" if self.relative else "://"]
        if self.userinfo:
            out.append(self.userinfo + "@")
        out.append(self.hostport)
        out.append(self.path_quoted)
        if self.query:
            # A query item without a value is written bare.
            out.append("?" + "&".join(k + "=" + v if v else k for k, v in self.query.items()))
        if self.params:
            # As BitBake, a parameter without a value (None) cannot be written: TypeError.
            out.append(";" + ";".join("=".join((k, v)) for k, v in self.params.items()))
        return "".join(out)


def decodeurl(url):
    """(type, host[:port], path, user, password, params) of a URL, as BitBake 2.19 gives them
    (from URI: no query, path '/' when empty)."""
    uri = URI(url)
    return uri.scheme, uri.hostport, uri.path or "/", uri.username, uri.password, uri.params


def encodeurl(decoded):
    """The URL of (type, host, path, user, password, params), as BitBake 2.19 writes it through URI
    ('//' in the path collapsed, file: always with '//', no user or host for file:)."""
    type_, host, path, user, pswd, p = decoded
    if not type_:
        raise MissingParameterError("type", "encoded from the data %s" % str(decoded))
    uri = URI()
    uri.scheme = type_
    if user and type_ != "file":
        uri.username = user
        if pswd:
            uri.password = pswd
    if host and type_ != "file":
        uri.hostname = host
    if path:
        while "//" in path:
            path = path.replace("//", "/")
        uri.path = path
        if type_ == "file":
            uri.relative = False
    if p:
        uri.params = p
    return str(uri)


class MissingParameterError(BBFetchException):
    def __init__(self, missing, url):
        super().__init__("URL: '%s' is missing the required parameter '%s'" % (url, missing))


class NoMethodError(BBFetchException):
    """No fetcher of BitBake 2.19 takes the URL's scheme."""

    def __init__(self, url):
        super().__init__("Could not find a fetcher which supports the URL: '%s'" % url)
        self.url = url
        self.args = (url,)


class NetworkAccess(BBFetchException):
    """The network is needed (an AUTOREV or a branch name to resolve) and BB_NO_NETWORK forbids it."""

    def __init__(self, url, cmd):
        super().__init__("Network access disabled through BB_NO_NETWORK (or set indirectly due to use of "
                         "BB_FETCH_PREMIRRORONLY) but access requested with command %s (for url %s)" % (cmd, url))
        self.url = url
        self.cmd = cmd
        self.args = (url, cmd)


class UntrustedUrl(BBFetchException):
    def __init__(self, url, message=""):
        super().__init__(str(message) if message else "The URL: '%s' is not trusted and cannot be used" % url)
        self.url = url
        self.args = (url,)


# The environment a fetch command gets from the datastore (or from the one bake started in).
FETCH_EXPORT_VARS = ["HOME", "PATH", "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
                     "FTP_PROXY", "ftp_proxy", "FTPS_PROXY", "ftps_proxy", "NO_PROXY", "no_proxy",
                     "ALL_PROXY", "all_proxy", "GIT_CONFIG_GLOBAL", "GIT_PROXY_COMMAND", "GIT_SSH",
                     "GIT_SSH_COMMAND", "GIT_SSL_CAINFO", "GIT_SMART_HTTP", "SSH_AUTH_SOCK", "SSH_AGENT_PID",
                     "SOCKS5_USER", "SOCKS5_PASSWD", "DBUS_SESSION_BUS_ADDRESS", "P4CONFIG",
                     "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "AWS_PROFILE", "AWS_ACCESS_KEY_ID",
                     "AWS_SECRET_ACCESS_KEY", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
                     "AWS_DEFAULT_REGION", "AWS_SESSION_TOKEN", "GIT_CACHE_PATH", "REMOTE_CONTAINERS_IPC",
                     "GITHUB_TOKEN", "SSL_CERT_DIR"]


def get_fetcher_environment(d):
    origenv = d.getVar("BB_ORIGENV")
    env = {}
    for name in FETCH_EXPORT_VARS:
        value = d.getVar(name) or (origenv.getVar(name) if origenv else None)
        if value:
            env[name] = value
    return env


def runfetchcmd(cmd, d, quiet=False, cleanup=None, log=None, workdir=None, extraenv=None):
    """Runs a fetch command on the build host (through bake: WebAssembly starts no programs) and
    returns its output; a failure is a FetchError, as in BitBake."""
    try:
        d.getVar("PV")
        d.getVar("PR")
    except Exception:
        # PV reaching back here (SRCPV in PV, PV in a PATH entry): a copy breaks the loop.
        d = bb.data.createCopy(d)
        d.setVar("PV", "fetcheravoidrecurse")
        d.setVar("PR", "fetcheravoidrecurse")
    origenv = d.getVar("BB_ORIGENV", False)
    env = dict(os.environ)
    for var in FETCH_EXPORT_VARS:
        val = d.getVar(var) or (origenv and origenv.getVar(var))
        if val:
            env[var] = val
    env.update(extraenv or {})
    env["PSEUDO_DISABLED"] = "1"
    try:
        output, _ = bb.process.run(cmd, log=log, stderr=-1, cwd=workdir, env=env)
        return output
    except bb.process.NotFoundError as e:
        message = "Fetch command %s not found" % e.command
    except bb.process.ExecutionError as e:
        if e.stdout:
            output = "output:\n%s\n%s" % (e.stdout, e.stderr)
        elif e.stderr:
            output = "output:\n%s" % e.stderr
        else:
            output = "see logfile for output" if log else "no output"
        message = "Fetch command %s failed with exit code %s, %s" % (e.command, e.exitcode, output)
    except bb.process.CmdError as e:
        message = "Fetch command %s could not be run:\n%s" % (e.command, e.msg)
    for f in cleanup or []:
        try:
            bb.utils.remove(f, True)
        except OSError:
            pass
    raise FetchError(message)


def trusted_network(d, url):
    """Whether BB_ALLOWED_NETWORKS (the recipe's flag, else the variable) lets `url`'s host be used."""
    if bb.utils.to_boolean(d.getVar("BB_NO_NETWORK")):
        return True
    pn = d.getVar("PN")
    trusted = d.getVarFlag("BB_ALLOWED_NETWORKS", pn, False) if pn else None
    trusted = trusted or d.getVar("BB_ALLOWED_NETWORKS")
    if not trusted:
        return True
    network = decodeurl(url)[1]
    if not network:
        return True
    network = network.split(":")[0].lower()
    for host in trusted.split(" "):
        host = host.lower()
        if host == network or (host.startswith("*.") and ("." + network).endswith(host[1:])):
            return True
    return False


def check_network_access(d, info, url):
    if bb.utils.to_boolean(d.getVar("BB_NO_NETWORK")):
        raise NetworkAccess(url, info)
    if not trusted_network(d, url):
        raise UntrustedUrl(url, info)


def mark_recipe_nocache(d):
    if d.getVar("BB_SRCREV_POLICY") != "cache":
        d.setVar("BB_DONT_CACHE", "1")


def get_autorev(d):
    # The revision is looked up when the recipe is parsed: not cached unless the policy says so.
    mark_recipe_nocache(d)
    d.setVar("__BBAUTOREV_SEEN", True)
    return "AUTOINC"


# Upstream heads looked up in this interpreter (BitBake's revisions cache, which its default
# BB_SRCREV_POLICY "clear" empties at the start of each run; one bake run is one interpreter life).
_revisions = {}
urldata_cache = {}


def _get_srcrev(d, method_name="sortable_revision"):
    """(the version string of the recipe's SCM revisions, [each SCM's revision]): one SCM gives its
    revision cut to 10 characters, several SRCREV_FORMAT with each name replaced by its revision;
    "AUTOINC+" in front when a fetcher's revisions do not sort (git's)."""
    d.setVar("__BBSRCREV_SEEN", "1")
    if d.getVar("__BBINSRCREV"):
        raise FetchError("There are recursive references in fetcher variables, likely through SRC_URI")
    d.setVar("__BBINSRCREV", True)
    # As in BitBake, an exception leaves __BBINSRCREV set: the recipe's next call raises the above.
    fetcher = Fetch((d.getVar("SRC_URI") or "").split(), d)
    urldata = fetcher.ud
    scms = [u for u in urldata if urldata[u].method.supports_srcrev()]
    revs = []
    if not scms:
        d.delVar("__BBINSRCREV")
        return "", revs
    if len(scms) == 1:
        ud = urldata[scms[0]]
        autoinc, rev = getattr(ud.method, method_name)(ud, d, ud.name)
        revs.append(rev)
        rev = rev[:10]
        d.delVar("__BBINSRCREV")
        return ("AUTOINC+" + rev if autoinc else rev), revs
    fmt = d.getVar("SRCREV_FORMAT")
    if not fmt:
        raise FetchError("The SRCREV_FORMAT variable must be set when multiple SCMs are used.\n"
                         "The SCMs are:\n%s" % "\n".join(scms))
    by_name = {}
    anyautoinc = False
    for u in scms:
        ud = urldata[u]
        autoinc, rev = getattr(ud.method, method_name)(ud, d, ud.name)
        revs.append(rev)
        anyautoinc = anyautoinc or autoinc
        by_name[ud.name] = rev[:10]
    # One pass over the format, longest names tried first: a name that is a prefix of another,
    # or text inside a revision already put in, is not replaced.
    pattern = "|".join(re.escape(n) for n in sorted(by_name, key=len, reverse=True))
    fmt = re.sub(pattern, lambda m: by_name[m.group(0)], fmt)
    d.delVar("__BBINSRCREV")
    return ("AUTOINC+" + fmt if anyautoinc else fmt), revs


def get_hashvalue(d, method_name="sortable_revision"):
    """The revisions of the recipe's SCM sources (what a signature of do_fetch must follow)."""
    return " ".join(_get_srcrev(d, method_name=method_name)[1])


def get_pkgv_string(d, method_name="sortable_revision"):
    return _get_srcrev(d, method_name=method_name)[0]


def get_srcrev(d, method_name="sortable_revision"):
    pkgv = _get_srcrev(d, method_name=method_name)[0]
    if not pkgv:
        raise FetchError("SRCREV was used yet no valid SCM was found in SRC_URI")
    return pkgv


def get_srcrev_values(d):
    return get_hashvalue(d).split()


def srcrev_internal_helper(ud, d, name):
    """The revision a URL names: SRCREV_<name>:pn-<PN>, SRCREV_<name>, SRCREV:pn-<PN>, SRCREV (the
    first set and not "INVALID"), else its rev= or tag= parameter; AUTOINC asks upstream."""
    pn = d.getVar("PN")
    attempts = []
    if name != "" and pn:
        attempts.append("SRCREV_%s:pn-%s" % (name, pn))
    if name != "":
        attempts.append("SRCREV_%s" % name)
    if pn:
        attempts.append("SRCREV:pn-%s" % pn)
    attempts.append("SRCREV")
    srcrev = None
    for a in attempts:
        srcrev = d.getVar(a)
        if srcrev and srcrev != "INVALID":
            break
    unset = not srcrev or srcrev == "INVALID"
    if "rev" in ud.parm:
        parmrev = ud.parm["rev"]
        if not unset and srcrev != parmrev:
            raise FetchError("Conflicting revisions (%s from SRCREV and %s from the url) found, please specify one valid value" % (srcrev, parmrev))
        return parmrev
    if "tag" in ud.parm and unset:
        return ud.parm["tag"]
    if unset:
        raise FetchError("Please set a valid SRCREV for url %s (possible key names are %s, or use a ;rev=X URL parameter)" % (str(attempts), ud.url), ud.url)
    if srcrev == "AUTOINC":
        d.setVar("__BBAUTOREV_ACTED_UPON", True)
        srcrev = ud.method.latest_revision(ud, d, name)
    return srcrev


class FetchMethod(object):
    """What bake's parse-time Python knows of a BitBake fetcher: the URL types it takes, the names
    it gives a download (localfile, localpath, mirror tarballs) and how it names a revision, as
    BitBake 2.19's urldata_init sets them. Downloading is bake's own (lib/fetch)."""

    types = ()
    # Whether URLs of this kind name a revision (SRCREV): BitBake's supports_srcrev().
    srcrev = False

    def supports(self, ud, d):
        return ud.type in self.types

    def supports_srcrev(self):
        return self.srcrev

    def urldata_init(self, ud, d):
        pass

    def localpath(self, ud, d):
        return os.path.join(d.getVar("DL_DIR"), ud.localfile)

    def _strip_leading_slashes(self, relpath):
        while os.path.isabs(relpath):
            relpath = relpath[1:]
        return relpath

    def latest_revision(self, ud, d, name):
        if not hasattr(self, "_latest_revision"):
            raise ParameterError("The fetcher for this URL does not support _latest_revision", ud.url)
        key = self.generate_revision_key(ud, d, name)
        rev = _revisions.get(key)
        if rev is None:
            rev = _revisions[key] = self._latest_revision(ud, d, name)
        return rev

    def sortable_revision(self, ud, d, name):
        return True, str(self._build_revision(ud, d, name))

    def _build_revision(self, ud, d, name):
        return ud.revision

    def generate_revision_key(self, ud, d, name):
        return self._revision_key(ud, d, name)


class Local(FetchMethod):
    types = ("file",)

    def urldata_init(self, ud, d):
        # As BitBake 2.19's local.py: no localfile (the file is already local), so localpath stays
        # None until Fetch.localpath()/localpaths() searches FILESPATH.
        ud.basename = os.path.basename(ud.path)
        ud.basepath = ud.path
        ud.needdonestamp = False
        if "*" in ud.path:
            raise ParameterError("file:// urls using globbing are no longer supported. Please place the files in a directory and reference that instead.", ud.url)

    def localpath(self, ud, d):
        return self.localfile_searchpaths(ud, d)[-1]

    def localfile_searchpaths(self, ud, d):
        """Every place looked at along FILESPATH up to the one found (the last), as BitBake's: when
        none has the file, the last place looked at is the answer."""
        path = ud.path
        if path[0] == "/":
            return [path]
        searched = []
        filespath = d.getVar("FILESPATH")
        if filespath:
            _, hist = bb.utils.which(filespath, path, history=True)
            searched.extend(hist)
        return searched


class Wget(FetchMethod):
    types = ("http", "https", "ftp", "ftps")

    def urldata_init(self, ud, d):
        # As BitBake 2.19's wget.py (after FetchData has turned a proto= into protocol=).
        if ud.parm.get("protocol") == "git":
            raise ParameterError("Invalid protocol - if you wish to fetch from a git repository using http, you need to instead use the git:// prefix with protocol=http", ud.url)
        ud.basename = ud.parm["downloadfilename"] if "downloadfilename" in ud.parm else os.path.basename(ud.path)
        ud.localfile = ud.basename
        if not ud.localfile:
            ud.localfile = ud.host + ud.path.replace("/", ".")


class Az(Wget):
    types = ("az",)


def _go_escape(path):
    """Capital letters escaped with '!' (Go's module paths)."""
    return re.sub(r"([A-Z])", lambda m: "!" + m.group(1).lower(), path)


def _go_module(ud):
    """The Go module a gomod or gomodgit URL names (its host and path), kept as its `module` parameter."""
    if "version" not in ud.parm:
        raise MissingParameterError("version", ud.url)
    module = ud.host
    if ud.path != "/":
        module += ud.path
    ud.parm["module"] = module
    return module


class GoMod(Wget):
    types = ("gomod",)

    def urldata_init(self, ud, d):
        proxy = d.getVar("GO_MOD_PROXY") or "proxy.golang.org"
        moddir = d.getVar("GO_MOD_CACHE_DIR") or "pkg/mod"
        module = _go_module(ud)
        version = ud.parm["version"]
        ext = ".mod" if ud.parm.get("mod", "0") == "1" else ".zip"
        path = _go_escape(f"{module}/@v/{version}{ext}")
        ud.url = encodeurl(("https", proxy, "/" + path, None, None, None))
        ud.parm["downloadfilename"] = f"{module.replace('/', '.')}@{version}{ext}"
        ud.parm["name"] = f"{module}@{version}"
        ud.parm["unpackpath"] = os.path.join(moddir, "cache/download", path)
        super().urldata_init(ud, d)


class Crate(Wget):
    types = ("crate",)

    def urldata_init(self, ud, d):
        # As BitBake 2.19's crate.py: crate://HOST/NAME/VERSION is fetched from HOST's download URL.
        parts = ud.url.split("/")
        if len(parts) < 5:
            raise ParameterError("Invalid URL: Must be crate://HOST/NAME/VERSION", ud.url)
        version = parts[-1].split(";")[0]
        name = parts[-2]
        host = "/".join(parts[2:-2])
        proto = ud.parm.get("protocol", "https")
        if host == "crates.io":
            if proto != "https":
                bb.warn("URL: %s does the %s protocol which is not supported by crates.io. Please change to ;protocol=https in the url." % (ud.url, proto))
            ud.url = "https://static.crates.io/crates/%s/%s/download" % (name, version)
            if len(name) in (1, 2):
                index = "%d/%s" % (len(name), name)
            elif len(name) == 3:
                index = "3/%s/%s" % (name[0], name)
            else:
                index = "%s/%s/%s" % (name[:2], name[2:4], name)
            ud.versionsurl = "https://index.crates.io/" + index
        else:
            ud.url = "%s://%s/%s/%s/download" % (proto, host, name, version)
            ud.versionsurl = "%s://%s/%s/versions" % (proto, host, name)
        ud.parm["downloadfilename"] = "%s-%s.crate" % (name, version)
        if "name" not in ud.parm:
            ud.parm["name"] = "%s-%s" % (name, version)
        super().urldata_init(ud, d)


class _NamedDownload(FetchMethod):
    """sftp, s3 and gs: the download is named by downloadfilename=, else the path's last part."""

    def urldata_init(self, ud, d):
        ud.basename = ud.parm["downloadfilename"] if "downloadfilename" in ud.parm else os.path.basename(ud.path)
        ud.localfile = ud.basename


class SFTP(_NamedDownload):
    types = ("sftp",)

    def urldata_init(self, ud, d):
        if ud.parm.get("protocol") == "git":
            raise ParameterError("Invalid protocol - if you wish to fetch from a git repository using ssh, you need to use the git:// prefix with protocol=ssh", ud.url)
        super().urldata_init(ud, d)


class S3(_NamedDownload):
    types = ("s3",)


class GCP(_NamedDownload):
    types = ("gs",)


class SSH(FetchMethod):
    _pattern = re.compile(r"\s*ssh://((?P<user>\S+)(:(?P<pass>\S+))?(?P<cparam>(;[^;]+)*)?@)?(?P<host>\S+?)"
                          r"(:(?P<port>[0-9]+))?/(?P<path>[^;]+)(?P<sparam>(;[^;]+)*)?$")

    def supports(self, ud, d):
        return self._pattern.match(ud.url) is not None

    def urldata_init(self, ud, d):
        if ud.parm.get("protocol") == "git":
            raise ParameterError("Invalid protocol - if you wish to fetch from a git repository using ssh, you need to use git:// prefix with protocol=ssh", ud.url)
        path = urllib.parse.unquote(self._pattern.match(ud.url).group("path"))
        ud.localfile = os.path.basename(os.path.normpath(path))


class Repo(FetchMethod):
    types = ("repo",)

    def urldata_init(self, ud, d):
        ud.proto = ud.parm.get("protocol", "git")
        ud.branch = ud.parm.get("branch", "master")
        ud.manifest = ud.parm.get("manifest", "default.xml")
        if not ud.manifest.endswith(".xml"):
            ud.manifest += ".xml"
        ud.localfile = d.expand("repo_%s%s_%s_%s.tar.gz" % (ud.host, ud.path.replace("/", "."), ud.manifest, ud.branch))


class _Disabled(FetchMethod):
    """npm and npmsw: BitBake 2.19 skips a recipe that uses them."""

    def supports(self, ud, d):
        if ud.type in self.types:
            raise bb.parse.SkipRecipe("The %s fetcher has been disabled due to security issues and there is no maintainer to address them" % ud.type)
        return False


class Npm(_Disabled):
    types = ("npm",)


class NpmShrinkWrap(_Disabled):
    types = ("npmsw",)


_git_hash_re = re.compile(r"^[0-9a-f]{40,64}$")


def _git_depth(value, var):
    try:
        depth = int(value or 0)
    except ValueError:
        raise FetchError("Invalid depth for %s: %s" % (var, value))
    if depth < 0:
        raise FetchError("Invalid depth for %s: %s" % (var, value))
    return depth


def _protocol(ud, default):
    """How git and hg reach a repository: the `protocol` parameter, else a file for a URL without a
    host, else the fetcher's own."""
    if "protocol" in ud.parm:
        return ud.parm["protocol"]
    return "file" if not ud.host else default


class Git(FetchMethod):
    types = ("git",)
    srcrev = True

    def urldata_init(self, ud, d):
        # As BitBake 2.19's git.py (what it names: clonedir, localfile, mirror and shallow tarballs).
        ud.proto = _protocol(ud, "git")
        if ud.host == "github.com" and ud.proto == "git":
            ud.proto = "https"
            bb.warn("URL: %s uses git protocol which is no longer supported by github. Please change to ;protocol=https in the url." % ud.url)
        if ud.proto not in ("git", "file", "ssh", "http", "https", "rsync"):
            raise ParameterError("Invalid protocol type: '%s'" % ud.proto, ud.url)
        ud.nocheckout = ud.parm.get("nocheckout", "0") == "1"
        ud.rebaseable = ud.parm.get("rebaseable", "0") == "1"
        ud.nobranch = ud.parm.get("nobranch", "0") == "1"
        ud.usehead = ud.parm.get("usehead", "0") == "1"
        if ud.usehead:
            if ud.proto != "file":
                raise ParameterError("The usehead option is only for use with local ('protocol=file') git repositories", ud.url)
            ud.nobranch = 1
        ud.bareclone = ud.parm.get("bareclone", "0") == "1"
        if ud.bareclone:
            ud.nocheckout = 1
        ud.branch = ud.parm.get("branch", "")
        if not ud.branch and not ud.nobranch:
            raise ParameterError("The url does not set any branch parameter or set nobranch=1.", ud.url)
        ud.noshared = d.getVar("BB_GIT_NOSHARED") == "1"
        ud.cloneflags = ["-n"] + ([] if ud.noshared else ["-s"]) + (["--mirror"] if ud.bareclone else [])
        ud.shallow = d.getVar("BB_GIT_SHALLOW") == "1"
        ud.shallow_extra_refs = (d.getVar("BB_GIT_SHALLOW_EXTRA_REFS") or "").split()
        if "tag" in ud.parm:
            ud.shallow_extra_refs.append("refs/tags/" + ud.parm["tag"])
        depth_default = d.getVar("BB_GIT_SHALLOW_DEPTH")
        depth_default = 1 if depth_default is None else _git_depth(depth_default, "BB_GIT_SHALLOW_DEPTH")
        ud.shallow_depths = collections.defaultdict(lambda: depth_default)
        revs_default = d.getVar("BB_GIT_SHALLOW_REVS")
        ud.shallow_revs = []
        ud.unresolvedrev = ud.branch
        shallow_depth = d.getVar("BB_GIT_SHALLOW_DEPTH_%s" % ud.name)
        if shallow_depth is not None:
            ud.shallow_depths[ud.name] = _git_depth(shallow_depth, "BB_GIT_SHALLOW_DEPTH_%s" % ud.name)
        revs = d.getVar("BB_GIT_SHALLOW_REVS_%s" % ud.name)
        if revs is not None:
            ud.shallow_revs.extend(revs.split())
        elif revs_default is not None:
            ud.shallow_revs.extend(revs_default.split())
        if ud.shallow and not ud.shallow_revs and ud.shallow_depths[ud.name] == 0:
            ud.shallow = False
        if ud.usehead:
            ud.unresolvedrev = "HEAD"
        ud.basecmd = shlex.split(d.getVar("FETCHCMD_git") or "git -c gc.autoDetach=false -c core.pager=cat "
                                 "-c safe.bareRepository=all -c clone.defaultRemoteName=origin")
        write_tarballs = d.getVar("BB_GENERATE_MIRROR_TARBALLS") or "0"
        ud.write_tarballs = write_tarballs != "0" or ud.rebaseable
        ud.write_shallow_tarballs = (d.getVar("BB_GENERATE_SHALLOW_TARBALLS") or write_tarballs) != "0"
        ud.setup_revisions(d)
        # A revision that is no commit hash (a tag, a branch, AUTOINC) is what upstream has now.
        if not _git_hash_re.match(ud.revision or ""):
            if ud.revision:
                ud.unresolvedrev = ud.revision
            ud.revision = self.latest_revision(ud, d, ud.name)
        name = "%s%s" % (ud.host.replace(":", "."), ud.path.replace("/", ".").replace("*", ".").replace(" ", "_")
                         .replace("(", "_").replace(")", "_"))
        if name.startswith("."):
            name = name[1:]
        if ud.rebaseable:
            name = name + "_" + ud.revision
        dl_dir = d.getVar("DL_DIR")
        ud.clonedir = os.path.join(d.getVar("GITDIR") or (dl_dir + "/git2"), name)
        ud.localfile = ud.clonedir
        mirrortarball = "git2_%s.tar.gz" % name
        ud.fullmirror = os.path.join(dl_dir, mirrortarball)
        ud.mirrortarballs = [mirrortarball]
        if ud.shallow:
            tarballname = name
            if ud.bareclone:
                tarballname = "%s_bare" % tarballname
            if ud.shallow_revs:
                tarballname = "%s_%s" % (tarballname, "_".join(sorted(ud.shallow_revs)))
            tarballname = "%s_%s" % (tarballname, ud.revision[:7])
            depth = ud.shallow_depths[ud.name]
            if depth:
                tarballname = "%s-%s" % (tarballname, depth)
            shallow_refs = []
            if not ud.nobranch:
                shallow_refs.append(ud.branch)
            if ud.shallow_extra_refs:
                shallow_refs.extend(r.replace("refs/heads/", "").replace("*", "ALL") for r in ud.shallow_extra_refs)
            if shallow_refs:
                tarballname = "%s_%s" % (tarballname, "_".join(sorted(shallow_refs)).replace("/", "."))
            ud.shallowtarball = "%sshallow_%s.tar.gz" % (self.__class__.__name__.lower(), tarballname)
            ud.fullshallow = os.path.join(dl_dir, ud.shallowtarball)
            ud.mirrortarballs.insert(0, ud.shallowtarball)

    def localpath(self, ud, d):
        return ud.clonedir

    def _revision_key(self, ud, d, name):
        return "git:" + ud.host + re.sub(r"/+", ".", ud.path) + ud.unresolvedrev

    def _repo_url(self, ud):
        if ud.proto.lower() == "file":
            return ud.path
        user = ud.user + "@" if ud.user else ""
        return "%s://%s%s%s" % (ud.proto, user, ud.host, urllib.parse.quote(ud.path))

    def _lsremote(self, ud, d, search):
        if d.getVar("_BB_GIT_IN_LSREMOTE", False):
            return ""
        d.setVar("_BB_GIT_IN_LSREMOTE", "1")
        try:
            repourl = self._repo_url(ud)
            cmd = ud.basecmd + ["ls-remote", repourl] + ([search] if search else [])
            if ud.proto.lower() != "file":
                check_network_access(d, cmd, repourl)
            output = runfetchcmd(cmd, d, True)
            if not output:
                raise FetchError("The command %s gave empty output unexpectedly" % cmd, ud.url)
        finally:
            d.delVar("_BB_GIT_IN_LSREMOTE")
        return output

    def _latest_revision(self, ud, d, name):
        if not d.getVar("__BBSRCREV_SEEN"):
            raise FetchError("Recipe uses a floating tag/branch '%s' for repo '%s' without a fixed SRCREV yet doesn't call bb.fetch2.get_srcrev() (use SRCPV in PV for OE)." % (ud.unresolvedrev, ud.host + ud.path))
        mark_recipe_nocache(d)
        output = self._lsremote(ud, d, "")
        if ud.unresolvedrev[:5] == "refs/" or ud.usehead:
            head = tag = ud.unresolvedrev
        else:
            head = "refs/heads/%s" % ud.unresolvedrev
            tag = "refs/tags/%s" % ud.unresolvedrev
        for s in (head, tag + "^{}", tag):
            for line in output.strip().split("\n"):
                sha1, ref = line.split()
                if s == ref:
                    return sha1
        raise FetchError("Unable to resolve '%s' in upstream git repository in git ls-remote output for %s" % (ud.unresolvedrev, ud.host + ud.path))

    def gitpkgv_revision(self, ud, d, name):
        """COUNT+HASH7 from the commits up to the revision in the clone, as meta-oe's gitpkgv
        counts them; the revision itself (AUTOINC) without a clone."""
        rev = ud.revision
        localpath = ud.localpath
        rev_file = os.path.join(localpath, "oe-gitpkgv_" + rev)
        commits = None
        if os.path.exists(localpath):
            if not os.path.exists(rev_file) or not os.path.getsize(rev_file):
                commits = len(runfetchcmd(["git", "rev-list", rev, "--"], d).splitlines())
                if commits:
                    with open(rev_file, "w") as f:
                        f.write("%d\n" % commits)
            else:
                with open(rev_file) as f:
                    commits = f.readline(128).strip()
        if commits:
            return False, "%s+%s" % (commits, rev[:7])
        return True, str(rev)


class GitSM(Git):
    types = ("gitsm",)


class GitANNEX(Git):
    types = ("gitannex",)

    def urldata_init(self, ud, d):
        super().urldata_init(ud, d)
        if ud.shallow:
            ud.shallow_extra_refs += ["refs/heads/git-annex", "refs/heads/synced/*"]


class GoModGit(Git):
    types = ("gomodgit",)

    def urldata_init(self, ud, d):
        import hashlib
        moddir = d.getVar("GO_MOD_CACHE_DIR") or "pkg/mod"
        module = _go_module(ud)
        if "repo" in ud.parm:
            repo = ud.parm["repo"]
            idx = repo.find("/")
            if idx != -1:
                ud.host = repo[:idx]
                ud.path = repo[idx:]
            else:
                ud.host = repo
                ud.path = ""
        if "protocol" not in ud.parm:
            ud.parm["protocol"] = "https"
        ud.name = "%s@%s" % (module, ud.parm["version"])
        srcrev = d.getVar("SRCREV_" + ud.name)
        if srcrev:
            if "srcrev" not in ud.parm:
                ud.parm["srcrev"] = srcrev
        elif "srcrev" in ud.parm:
            d.setVar("SRCREV_" + ud.name, ud.parm["srcrev"])
        if "branch" not in ud.parm:
            ud.parm["nobranch"] = "1"
        if "subdir" in ud.parm:
            ud.parm["subpath"] = ud.parm["subdir"]
        key = f"git3:{ud.parm['protocol']}://{ud.host}{ud.path}".encode()
        ud.parm["key"] = key
        ud.parm["subdir"] = os.path.join(moddir, "cache/vcs", hashlib.sha256(key).hexdigest())
        ud.parm["bareclone"] = "1"
        super().urldata_init(ud, d)


class Svn(FetchMethod):
    types = ("svn",)
    srcrev = True

    def urldata_init(self, ud, d):
        if "module" not in ud.parm:
            raise MissingParameterError("module", ud.url)
        ud.basecmd = shlex.split(d.getVar("FETCHCMD_svn") or "") or ["svn", "--non-interactive"]
        ud.module = ud.parm["module"]
        ud.path_spec = ud.parm.get("path_spec", ud.module)
        svndir = d.getVar("SVNDIR") or (d.getVar("DL_DIR") + "/svn")
        ud.pkgdir = os.path.join(svndir, ud.host, self._strip_leading_slashes(ud.path))
        ud.moddir = os.path.join(ud.pkgdir, ud.path_spec)
        ud.svnlock = os.path.join(ud.pkgdir, "svn.lock")
        ud.setup_revisions(d)
        if "rev" in ud.parm:
            ud.revision = ud.parm["rev"]
        ud.pegrevision = "nopegrevision" not in ud.parm
        ud.localfile = d.expand("%s_%s_%s_%s_%s.tar.gz" % (ud.module.replace("/", "."), ud.host, ud.path.replace("/", "."),
                                                          ud.revision, ["0", "1"][ud.pegrevision]))

    def _revision_key(self, ud, d, name):
        return "svn:" + ud.moddir

    def sortable_revision(self, ud, d, name):
        return False, ud.revision


class Hg(FetchMethod):
    types = ("hg",)
    srcrev = True

    def urldata_init(self, ud, d):
        if "module" not in ud.parm:
            raise MissingParameterError("module", ud.url)
        ud.module = ud.parm["module"]
        ud.proto = _protocol(ud, "hg")
        name = "%s_%s_%s" % (ud.module.replace("/", "."), ud.host, ud.path.replace("/", "."))
        mirrortarball = "hg_%s.tar.gz" % name
        ud.fullmirror = os.path.join(d.getVar("DL_DIR"), mirrortarball)
        ud.mirrortarballs = [mirrortarball]
        ud.pkgdir = os.path.join(d.getVar("HGDIR") or (d.getVar("DL_DIR") + "/hg"), name)
        ud.moddir = os.path.join(ud.pkgdir, ud.module)
        ud.localfile = ud.moddir
        ud.basecmd = shlex.split(d.getVar("FETCHCMD_hg") or "") or ["hg"]
        ud.setup_revisions(d)
        if "rev" in ud.parm:
            ud.revision = ud.parm["rev"]
        elif not ud.revision:
            ud.revision = self.latest_revision(ud, d, ud.name)
        ud.write_tarballs = d.getVar("BB_GENERATE_MIRROR_TARBALLS")

    def localpath(self, ud, d):
        return ud.pkgdir

    def _revision_key(self, ud, d, name):
        return "hg:" + ud.moddir


class Perforce(FetchMethod):
    types = ("p4",)
    srcrev = True

    def urldata_init(self, ud, d):
        ud.basecmd = shlex.split(d.getVar("FETCHCMD_p4") or "") or ["p4"]
        ud.dldir = d.getVar("P4DIR") or (d.getVar("DL_DIR") + "/p4")
        path = ud.url.split("://")[1].split(";")[0]
        delim = path.find("@")
        if delim != -1:
            (ud.user, ud.pswd) = path.split("@")[0].split(":")
            ud.path = path.split("@")[1]
        else:
            ud.path = path
        ud.usingp4config = False
        p4port = d.getVar("P4PORT")
        if p4port:
            ud.host = p4port
        else:
            ud.usingp4config = True
            p4cmd = ud.basecmd + ["info"]
            check_network_access(d, p4cmd, ud.url)
            output = runfetchcmd(p4cmd, d, True)
            ud.host = None
            for line in output.splitlines():
                if "Server address" in line:
                    ud.host = line.split(": ")[1].strip()
                    break
            if not ud.host:
                raise FetchError("Could not determine P4PORT from P4CONFIG")
        ud.module = ud.parm.get("module")
        ud.keepremotepath = ud.parm.get("remotepath", "") == "keep"
        ud.pathisdir = ud.path.find("/...") >= 0
        if ud.pathisdir and ud.module:
            raise FetchError("SRC_URI depot path cannot not end in /... when a module value is given")
        cleanedpath = ud.path.replace("/...", "").replace("/", ".")
        cleanedhost = ud.host.replace(":", ".")
        cleanedmodule = ""
        if ud.module:
            if ud.module.find("/") == 0:
                raise FetchError("module cannot begin with /")
            ud.path = os.path.join(ud.path, ud.module)
            cleanedmodule = ud.module.replace("/...", "").replace("/", ".")
            cleanedpath += "--%s" % cleanedmodule
        ud.pkgdir = os.path.join(ud.dldir, cleanedhost, cleanedpath)
        ud.setup_revisions(d)
        ud.localfile = d.expand("%s_%s_%s_%s.tar.gz" % (cleanedhost, cleanedpath, cleanedmodule, ud.revision))

    def sortable_revision(self, ud, d, name):
        return False, ud.revision


class ClearCase(FetchMethod):
    types = ("ccrc",)
    srcrev = True

    def urldata_init(self, ud, d):
        ud.proto = ud.parm.get("protocol", "https")
        if ud.proto not in ("http", "https"):
            raise ParameterError("Invalid protocol type", ud.url)
        if "vob" not in ud.parm:
            raise MissingParameterError("vob", ud.url + ": vob must be defined so the fetcher knows what to get.")
        ud.vob = ud.parm["vob"]
        ud.module = ud.parm.get("module", "")
        if d.getVar("SRCREV") == "INVALID":
            raise FetchError("Set a valid SRCREV for the clearcase fetcher in your recipe, e.g. SRCREV = \"/main/LATEST\" or any other label of your choice.")
        ud.label = d.getVar("SRCREV", False)
        ud.server = "%s://%s%s" % (ud.proto, ud.host, ud.path)
        ud.identifier = "clearcase-%s%s-%s" % (ud.vob.replace("/", ""), ud.module.replace("/", "."), ud.label.replace("/", "."))
        ud.csname = "%s-config-spec" % ud.identifier
        ud.ccasedir = os.path.join(d.getVar("DL_DIR"), ud.type)
        ud.configspecfile = os.path.join(ud.ccasedir, ud.csname)
        ud.localfile = "%s.tar.gz" % ud.identifier

    def sortable_revision(self, ud, d, name):
        return False, ud.identifier


# BitBake 2.19's fetchers, in its order (the first that takes a URL fetches it).
methods = [Local(), Wget(), Svn(), Git(), GitSM(), GitANNEX(), SSH(), SFTP(), S3(), Perforce(), Hg(), Repo(),
           ClearCase(), Npm(), NpmShrinkWrap(), Az(), Crate(), GCP(), GoMod(), GoModGit()]


class NonLocalMethod(Exception):
    pass


class Fetch(object):
    def __init__(self, urls, d, cache=True, localonly=False, connection_cache=None):
        if localonly and cache:
            raise Exception("bb.fetch2.Fetch.__init__: cannot set cache and localonly at same time")
        if not urls:
            # BitBake raises AttributeError when SRC_URI is unset; bake's datastores without one
            # (fixtures, a recipe whose SRC_URI was deleted) have always got no URLs here.
            urls = (d.getVar("SRC_URI") or "").split()
        self.urls = urls
        self.d = d
        self.ud = {}
        self.connection_cache = connection_cache
        # As BitBake, the URL data of one datastore is made once and shared by every Fetch on it
        # (a revision is resolved once; URLs of earlier calls stay in .ud).
        fn = d.getVar("FILE")
        serial = getattr(getattr(d, "_js", None), "serial", None)
        key = None
        if cache and fn and serial is not None:
            key = (d.getVar("__BBMULTICONFIG") or "") + fn + str(serial)
            if key in urldata_cache:
                # What this call gives now depends on earlier calls, not on d alone.
                bake_host.outside_world()
                self.ud = urldata_cache[key]
        for url in urls:
            if url not in self.ud:
                try:
                    self.ud[url] = FetchData(url, d, localonly)
                except NonLocalMethod:
                    if localonly:
                        self.ud[url] = None
        if key:
            urldata_cache[key] = self.ud

    def localpaths(self):
        local = []
        for u in self.urls:
            ud = self.ud[u]
            ud.setup_localpath(self.d)
            local.append(ud.localpath)
        return local

    def localpath(self, url):
        if url not in self.urls:
            self.ud[url] = FetchData(url, self.d)
        self.ud[url].setup_localpath(self.d)
        return self.ud[url].localpath


CHECKSUM_LIST = ["goh1", "md5", "sha256", "sha1", "sha384", "sha512"]


class FetchData(object):
    """A SRC_URI entry as BitBake 2.19's FetchData has it once its fetcher's urldata_init ran."""

    def __init__(self, url, d, localonly=False):
        self._d = d
        self.donestamp = None
        self.needdonestamp = True
        self.localfile = ""
        self.localpath = None
        self.lockfile = None
        self.mirrortarballs = []
        self.basename = None
        self.basepath = None
        (self.type, self.host, self.path, self.user, self.pswd, self.parm) = decodeurl(d.expand(url))
        # .date (SRCDATE, DATE: the clock) is read when asked for, not here: see __getattr__.
        self.url = url
        if not self.user and "user" in self.parm:
            self.user = self.parm["user"]
        if not self.pswd and "pswd" in self.parm:
            self.pswd = self.parm["pswd"]
        self.setup = False
        # BitBake 2.19: one name per URL (SRCREV_<name>, <name>.sha256sum); a list is refused.
        self.name = self.parm.get("name", "default")
        if "," in self.name:
            raise ParameterError("The fetcher no longer supports multiple name parameters in a single url", self.url)
        self.method = next((m for m in methods if m.supports(self, d)), None)
        if not self.method:
            raise NoMethodError(url)
        if localonly and not isinstance(self.method, Local):
            raise NonLocalMethod()
        if self.parm.get("proto", None) and "protocol" not in self.parm:
            bb.warn('Consider updating %s recipe to use "protocol" not "proto" in SRC_URI.' % d.getVar("PN"))
            self.parm["protocol"] = self.parm.get("proto", None)
        self.method.urldata_init(self, d)
        # <id>_name and <id>_expected (sha256_expected…) are worked out when first read (see
        # __getattr__): BitBake sets them here, but each is a SRC_URI flag lookup, six per URL, and a
        # recipe of a thousand crates reads none of them while it is parsed.
        self.ignore_checksums = False
        if "localpath" in self.parm:
            self.localpath = self.parm["localpath"]
            self.basename = os.path.basename(self.localpath)
        elif self.localfile:
            self.localpath = self.method.localpath(self, d)
        dldir = d.getVar("DL_DIR")
        if not self.needdonestamp:
            return
        # .done and .lock files are in DL_DIR, wherever localpath is.
        if self.localpath and self.localpath.startswith(dldir):
            basepath = self.localpath
        elif self.localpath:
            basepath = dldir + os.sep + os.path.basename(self.localpath)
        elif self.basepath or self.basename:
            basepath = dldir + os.sep + (self.basepath or self.basename)
        else:
            bb.fatal("Can't determine lock path for url %s" % url)
        self.donestamp = basepath + ".done"
        self.lockfile = basepath + ".lock"

    def _configure_checksum(self, checksum_id, d):
        plain = "%ssum" % checksum_id
        name = "%s.%ssum" % (self.parm["name"], checksum_id) if "name" in self.parm else plain
        if name in self.parm:
            expected = self.parm[name]
        elif plain in self.parm:
            expected = self.parm[plain]
            name = plain
        elif self.type not in ["http", "https", "ftp", "ftps", "sftp", "s3", "az", "crate", "gs", "gomod", "npm"]:
            expected = None
        else:
            expected = d.getVarFlag("SRC_URI", name)
        setattr(self, "%s_name" % checksum_id, name)
        setattr(self, "%s_expected" % checksum_id, expected)

    def setup_revisions(self, d):
        self.revision = srcrev_internal_helper(self, d, self.name)

    def setup_localpath(self, d):
        if not self.localpath:
            self.localpath = self.method.localpath(self, d)

    def __getattr__(self, name):
        # Only for attributes not set yet: BitBake's values of .date and the checksum names,
        # from the datastore the URL was set up with.
        if name == "date":
            self.date = self.getSRCDate(self.__dict__["_d"])
            return self.date
        checksum_id, _, kind = name.rpartition("_")
        if kind in ("name", "expected") and checksum_id in CHECKSUM_LIST and "_d" in self.__dict__:
            self._configure_checksum(checksum_id, self._d)
            return self.__dict__[name]
        raise AttributeError("'FetchData' object has no attribute '%s'" % name)

    def getSRCDate(self, d):
        if "srcdate" in self.parm:
            return self.parm["srcdate"]
        pn = d.getVar("PN")
        if pn:
            return d.getVar("SRCDATE_%s" % pn) or d.getVar("SRCDATE") or d.getVar("DATE")
        return d.getVar("SRCDATE") or d.getVar("DATE")


def _src_uris(d):
    return (d.getVar("SRC_URI") or "").split()


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
