inherit image
RDEPENDS:${PN} = "app"
