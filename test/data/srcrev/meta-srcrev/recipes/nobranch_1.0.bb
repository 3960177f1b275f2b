# A git URL without branch= or nobranch=1, and one with a protocol git does not speak.
SRC_URI = "git://example.com/a.git;protocol=https"
SRCREV = "0123456789abcdef0123456789abcdef01234567"
python () {
    probe(d, "REVISIONS", lambda: fetch_revisions(d))
    probe(d, "BADPROTO", lambda: fetch_revisions(d) if d.setVar("SRC_URI", "git://example.com/a.git;protocol=ftp;branch=main") is None else "")
}
