# AUTOREV, a tag and a branch name on a local repository (protocol=file): git ls-remote, no network.
SRC_URI = "git://${REPO};protocol=file;branch=main"
SRCREV = "${AUTOREV}"
BB_NO_NETWORK = "1"
python () {
    probe(d, "SRCREV_STR", lambda: bb.fetch2.get_srcrev(d))
    probe(d, "HASHVALUE", lambda: bb.fetch.get_hashvalue(d))
    probe(d, "REVISIONS", lambda: fetch_revisions(d))
    probe(d, "DONT_CACHE", lambda: d.getVar("BB_DONT_CACHE"))
    d.setVar("SRC_URI", "git://${REPO};protocol=file;nobranch=1;tag=v1.0")
    d.setVar("SRCREV", "INVALID")
    probe(d, "TAG", lambda: fetch_revisions(d))
    d.setVar("SRC_URI", "git://${REPO};protocol=file;branch=main")
    d.setVar("SRCREV", "old")
    probe(d, "BRANCHNAME", lambda: fetch_revisions(d))
    probe(d, "GITPKGV", lambda: bb.fetch2.get_srcrev(d, method_name="gitpkgv_revision"))
}
