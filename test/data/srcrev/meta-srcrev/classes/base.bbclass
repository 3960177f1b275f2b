# probe(d, name, f): R_<name> is what f() returned, or the type and text of what it raised (on one
# line: newlines as " | ").
def probe(d, name, f):
    try:
        value = f()
    except Exception as e:
        value = "%s: %s" % (type(e).__name__, e)
    d.setVar("R_" + name, str(value).replace("\n", " | "))

def fetch_revisions(d):
    ud = bb.fetch2.Fetch((d.getVar("SRC_URI") or "").split(), d).ud
    return " ".join("%s=%s" % (u.name, u.revision) for u in ud.values())

do_fetch() {
	:
}
addtask fetch
do_build() {
	:
}
addtask build after do_fetch
