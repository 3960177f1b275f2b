# One git source with a fixed hash: no network, "AUTOINC+" and the first 10 characters.
SRC_URI = "git://example.com/one.git;protocol=https;branch=main file://a.patch https://example.com/one-1.0.tar.gz"
SRCREV = "0123456789abcdef0123456789abcdef01234567"
python () {
    probe(d, "SRCREV_STR", lambda: bb.fetch2.get_srcrev(d))
    probe(d, "HASHVALUE", lambda: bb.fetch.get_hashvalue(d))
    probe(d, "PKGV_STRING", lambda: bb.fetch2.get_pkgv_string(d))
    probe(d, "REVISIONS", lambda: fetch_revisions(d))
    probe(d, "GITPKGV", lambda: bb.fetch2.get_srcrev(d, method_name="gitpkgv_revision"))
    probe(d, "DONT_CACHE", lambda: d.getVar("BB_DONT_CACHE"))
}
