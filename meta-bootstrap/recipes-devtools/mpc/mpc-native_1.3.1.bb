SUMMARY = "Multiple-precision complex arithmetic library, for building gcc-cross"
HOMEPAGE = "https://www.multiprecision.org/mpc/"
LICENSE = "LGPL-3.0-or-later"

inherit native autotools

DEPENDS = "gmp-native mpfr-native"

# Debian ships the upstream tarball unchanged (same sha256): the upstream URL, served through the
# apt premirror from Debian's source package mpclib3.
SRC_URI = "https://ftp.gnu.org/gnu/mpc/mpc-${PV}.tar.gz"
SRC_URI[sha256sum] = "ab642492f5cf882b74aa0cb730cd410a81edcdbec895183ce930e706c1c759b8"
DEBIAN_SOURCE_PACKAGE = "mpclib3"
DEBIAN_SOURCE_VERSION = "1.3.1-1"
S = "${UNPACKDIR}/mpc-1.3.1"

EXTRA_OECONF = "--disable-shared --enable-static --with-pic \
    --with-gmp=${RECIPE_SYSROOT_NATIVE}${prefix} --with-mpfr=${RECIPE_SYSROOT_NATIVE}${prefix}"

# libtool archives record the install prefix (/usr/lib/libgmp.la), which is not where a recipe
# sysroot has them: without the .la files libtool links by -L/-l like everything else.
do_install:append() {
	rm -f "${D}${libdir}"/*.la
}
