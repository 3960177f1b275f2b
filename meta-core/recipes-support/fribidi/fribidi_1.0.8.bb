SUMMARY = "Unicode bidirectional algorithm library"
DESCRIPTION = "GNU FriBidi, the Unicode Bidirectional Algorithm, and its fribidi command, built with Meson."
HOMEPAGE = "https://github.com/fribidi/fribidi"
LICENSE = "LGPL-2.1-or-later"
LIC_FILES_CHKSUM = "file://COPYING;md5=a916467b91076e631dd8edb7424769c7"

SRC_URI = "apt://fribidi//fribidi_1.0.8.orig.tar.bz2"
SRC_URI[sha256sum] = "94c7b68d86ad2a9613b4dcffe7bbeb03523d63b5b37918bdf2e4ef34195c1e6c"
S = "${UNPACKDIR}/fribidi-${PV}"

# The Unicode tables are generated at build time by programs built with the build host's compiler
# (Meson's native file), the library and the command with the cross compiler.
inherit meson

# The manual pages need c2man, which is not a host tool here.
EXTRA_OEMESON = "-Ddocs=false"

PACKAGE_BEFORE_PN = "${PN}-bin"
FILES:${PN}-bin = "${bindir}"
