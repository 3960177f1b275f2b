# An anonymous function adds a variant: BitBake finalises the recipe, takes its BBCLASSEXTEND
# ("native nativesdk"), and every variant starts from that value (R_START), then runs the function
# again itself.
BBCLASSEXTEND = "native"
python () {
    d.setVar("R_START", d.getVar("BBCLASSEXTEND"))
    d.appendVar("BBCLASSEXTEND", " nativesdk")
}
