CLASSOVERRIDE = "class-native"
PACKAGES = ""
RDEPENDS:${PN} = ""
