DEPENDS = "lib"
RDEPENDS:${PN} = "lib"
