# Depends on meta-base in every way bitbake-layers show-cross-depends reports.
inherit baseclass
require recipes/tool/tool.inc
DEPENDS = "libb libb-native virtual/blob"
RDEPENDS:${PN} = "libb tool"
RRECOMMENDS:${PN} = "same"
PE = "1"
include recipes/tool/tool-${PV}.inc
inherit aclass
PACKAGES += "${PN}-extra"
RDEPENDS:${PN}-extra = "app"
RPROVIDES:${PN}-extra = "some-rprov"
