# Never read: no layer of collection "absent" is in BBLAYERS.
python () {
    bb.warn("c: read although its layer is absent")
}
