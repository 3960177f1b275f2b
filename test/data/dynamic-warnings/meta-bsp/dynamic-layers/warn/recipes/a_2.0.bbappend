R_APPENDED = "bsp"
python () {
    bb.warn("%s: appended by a dynamic layer" % d.getVar("PN"))
}
