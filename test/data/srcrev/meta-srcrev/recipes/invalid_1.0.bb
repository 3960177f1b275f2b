# No SRCREV at all (bitbake.conf's "INVALID").
SRC_URI = "git://example.com/a.git;protocol=https;branch=main"
python () {
    probe(d, "REVISIONS", lambda: fetch_revisions(d))
}
