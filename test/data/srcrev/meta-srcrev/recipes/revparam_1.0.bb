# rev= stands for SRCREV when none is set; the same value in both is accepted.
SRC_URI = "git://example.com/a.git;protocol=https;nobranch=1;rev=fedcba9876543210fedcba9876543210fedcba98;name=a \
           git://example.com/b.git;protocol=https;branch=main;rev=89abcdef0123456789abcdef0123456789abcdef;name=b"
SRCREV_b = "89abcdef0123456789abcdef0123456789abcdef"
SRCREV_FORMAT = "a_b"
python () {
    probe(d, "SRCREV_STR", lambda: bb.fetch2.get_srcrev(d))
    probe(d, "HASHVALUE", lambda: bb.fetch.get_hashvalue(d))
    probe(d, "REVISIONS", lambda: fetch_revisions(d))
}
