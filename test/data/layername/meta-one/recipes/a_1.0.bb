require a.inc
inherit extra
BBCLASSEXTEND = "native"
