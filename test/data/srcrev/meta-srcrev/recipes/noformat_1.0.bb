# Two SCM sources and no SRCREV_FORMAT.
SRC_URI = "git://example.com/a.git;protocol=https;branch=main;name=a git://example.com/b.git;protocol=https;branch=main;name=b"
SRCREV = "0123456789abcdef0123456789abcdef01234567"
python () {
    probe(d, "SRCREV_STR", lambda: bb.fetch2.get_srcrev(d))
}
