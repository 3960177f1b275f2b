RDEPENDS:${PN} = "some-rprov"
