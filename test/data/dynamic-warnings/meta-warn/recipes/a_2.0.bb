R_FROM = "warn"
python () {
    bb.warn("%s: LICENSE is using an old syntax" % d.getVar("PN"))
}
