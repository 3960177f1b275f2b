# An anonymous function drops a variant from the recipe: there is no drop-nativesdk, and the native
# variant starts with BBCLASSEXTEND "native".
BBCLASSEXTEND = "native nativesdk"
python () {
    d.setVar("R_START", d.getVar("BBCLASSEXTEND"))
    if d.getVar("CLASSOVERRIDE") == "class-target":
        d.setVar("BBCLASSEXTEND", "native")
}
