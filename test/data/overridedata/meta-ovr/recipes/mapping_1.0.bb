# BitBake's DataSmart is a MutableMapping: d.get, d[VAR], d[VAR] = v, del d[VAR] and VAR in d.
R_N = "n"
R_M = "${R_N}-m"
R_DEL = "gone"
python __anonymous () {
    d.setVar("R_GET", d.get("R_M").replace("${", "<"))
    d.setVar("R_GET_NONE", str(d.get("R_NONE")))
    d.setVar("R_GET_DEFAULT", str(d.get("R_NONE", "dflt")))
    d.setVar("R_ITEM", d["R_M"].replace("${", "<"))
    try:
        d["R_NONE"]
        d.setVar("R_ITEM_NONE", "found")
    except KeyError as e:
        d.setVar("R_ITEM_NONE", "KeyError %s" % e)
    d["R_SET"] = "${R_N}-set"
    del d["R_DEL"]
    d.setVar("R_DELETED", str(d.getVar("R_DEL")))
}
R_FLAGONLY[doc] = "flag"
R_WEAK ??= "weak"
R_OVONLY:board = "ov"
R_OVINACTIVE:other = "x"
python __anonymous () {
    d.setVar("R_IN", " ".join("%s=%s" % (v, v in d) for v in ["R_FLAGONLY", "R_WEAK", "R_OVONLY", "R_OVINACTIVE", "R_NONE", "do_fetch"]))
}
