# A recipe of meta-bsp's dynamic layer for meta-warn.
R_FROM = "bsp"
python () {
    bb.warn("%s: read from a dynamic layer" % d.getVar("PN"))
}
