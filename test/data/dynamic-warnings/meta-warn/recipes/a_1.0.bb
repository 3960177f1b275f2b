# Two files of one recipe saying the same warning, one of them with a native variant (whose
# warning names a-native).
BBCLASSEXTEND = "native"
R_FROM = "warn"
python () {
    bb.warn("%s: LICENSE is using an old syntax" % d.getVar("PN"))
}
