# AUTOREV and a tag on a remote repository with BB_NO_NETWORK: what BitBake raises.
SRC_URI = "git://example.com/a.git;protocol=https;branch=main"
SRCREV = "${AUTOREV}"
BB_NO_NETWORK = "1"
python () {
    probe(d, "SRCREV_STR", lambda: bb.fetch2.get_srcrev(d))
    probe(d, "DONT_CACHE", lambda: d.getVar("BB_DONT_CACHE"))
}
