# svn revisions sort: no AUTOINC; with a git source beside it, AUTOINC again.
SRC_URI = "svn://svn.example.com/repo;module=trunk;protocol=https;name=s"
SRCREV = "1234"
python () {
    probe(d, "SRCREV_STR", lambda: bb.fetch2.get_srcrev(d))
    probe(d, "REVISIONS", lambda: fetch_revisions(d))
    d.setVar("SRC_URI", "svn://svn.example.com/repo;module=trunk;protocol=https;name=s git://example.com/g.git;protocol=https;branch=main;name=g")
    d.setVar("SRCREV_g", "0123456789abcdef0123456789abcdef01234567")
    d.setVar("SRCREV_FORMAT", "s-g")
    probe(d, "MIXED", lambda: bb.fetch2.get_srcrev(d))
    probe(d, "MIXED_HASHVALUE", lambda: bb.fetch.get_hashvalue(d))
}
