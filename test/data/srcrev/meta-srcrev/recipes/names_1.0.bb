# Named sources: SRCREV_<name>:pn-<PN> before SRCREV_<name>, SRCREV:pn-<PN> before SRCREV, and
# SRCREV_FORMAT with a name that is a prefix of another.
SRC_URI = "git://example.com/a.git;protocol=https;branch=main;name=a \
           git://example.com/ab.git;protocol=https;branch=main;name=ab \
           git://example.com/c.git;protocol=https;branch=main;name=c"
SRCREV_a = "89abcdef0123456789abcdef0123456789abcdef"
SRCREV_ab = "89abcdef0123456789abcdef0123456789abcdef"
SRCREV_ab:pn-names = "0123456789abcdef0123456789abcdef01234567"
SRCREV = "89abcdef0123456789abcdef0123456789abcdef"
SRCREV:pn-names = "fedcba9876543210fedcba9876543210fedcba98"
SRCREV_FORMAT = "ab_a+c"
python () {
    probe(d, "SRCREV_STR", lambda: bb.fetch2.get_srcrev(d))
    probe(d, "HASHVALUE", lambda: bb.fetch.get_hashvalue(d))
    probe(d, "REVISIONS", lambda: fetch_revisions(d))
}
