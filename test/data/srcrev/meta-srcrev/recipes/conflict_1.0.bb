# SRCREV and rev= disagree.
SRC_URI = "git://example.com/a.git;protocol=https;branch=main;rev=89abcdef0123456789abcdef0123456789abcdef"
SRCREV = "0123456789abcdef0123456789abcdef01234567"
python () {
    probe(d, "REVISIONS", lambda: fetch_revisions(d))
}
