# What the wget and local fetchers refuse when a URL is read: protocol=git on an http(s) or ftp URL
# (also as the old proto=), and a glob in a file:// URL.
SRC_URI = "https://example.com/x.tar.gz"
python () {
    probe(d, "HTTPS_GIT", lambda: bb.fetch2.Fetch(["https://example.com/a.git;protocol=git"], d).urls)
    probe(d, "FTP_GIT", lambda: bb.fetch2.Fetch(["ftp://example.com/a.git;protocol=git;branch=main"], d).urls)
    probe(d, "HTTP_PROTO_GIT", lambda: bb.fetch2.Fetch(["http://example.com/a.git;proto=git"], d).urls)
    probe(d, "HTTPS_OTHER", lambda: " ".join(u.type for u in bb.fetch2.Fetch(["https://example.com/a.tgz;protocol=http"], d).ud.values()))
    probe(d, "FILE_GLOB", lambda: bb.fetch2.Fetch(["file://patches/*.patch"], d).urls)
    probe(d, "FILE_ABS_GLOB", lambda: bb.fetch2.Fetch(["file:///srv/*/x.patch;subdir=a"], d).urls)
    probe(d, "FILE_PLAIN", lambda: " ".join(u.basename for u in bb.fetch2.Fetch(["file://patches/a.patch"], d).ud.values()))
}
