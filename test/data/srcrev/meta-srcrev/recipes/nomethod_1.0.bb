# Schemes no fetcher of BitBake 2.19 takes (cvs and bzr are gone), and ones it does.
SRC_URI = "https://example.com/x.tar.gz"
python () {
    probe(d, "UNKNOWN", lambda: bb.fetch2.Fetch(["foo://example.com/x"], d).ud["foo://example.com/x"].type)
    probe(d, "CVS", lambda: bb.fetch2.Fetch(["cvs://anonymous@cvs.example.com/cvsroot;module=x"], d).urls)
    probe(d, "KNOWN", lambda: " ".join(u.type for u in bb.fetch2.Fetch(["ftp://example.com/x.tgz", "sftp://example.com/x.tgz", "s3://bucket/x.tgz", "crate://crates.io/glob/0.3.1", "az://account.blob.core.windows.net/c/x.tgz", "gs://bucket/x.tgz", "ssh://host/path/x.tgz"], d).ud.values()))
    probe(d, "NOSCM", lambda: bb.fetch2.get_srcrev(d))
    probe(d, "NOSCM_HASHVALUE", lambda: repr(bb.fetch.get_hashvalue(d)))
    probe(d, "NOSCM_PKGV", lambda: repr(bb.fetch2.get_pkgv_string(d)))
}
