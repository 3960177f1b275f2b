# BBCLASSEXTEND comes from a deferred inherit: empty as read, "native" once finalised.
inherit_defer extender
python () {
    d.setVar("R_START", d.getVar("BBCLASSEXTEND"))
}
