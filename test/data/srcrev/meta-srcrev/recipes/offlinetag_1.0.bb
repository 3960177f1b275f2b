SRC_URI = "git://example.com/a.git;protocol=https;branch=main;tag=v1.0"
BB_NO_NETWORK = "1"
python () {
    probe(d, "FLOATING", lambda: fetch_revisions(d))
    probe(d, "SRCREV_STR", lambda: bb.fetch2.get_srcrev(d))
}
