DEPENDS = "zlib"
BBCLASSEXTEND = "native"
