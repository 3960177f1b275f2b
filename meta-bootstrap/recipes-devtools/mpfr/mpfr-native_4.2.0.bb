SUMMARY = "Multiple-precision floating-point library, for building gcc-cross"
HOMEPAGE = "https://www.mpfr.org/"
LICENSE = "LGPL-3.0-or-later"

inherit native autotools

DEPENDS = "gmp-native"

# Debian ships the upstream tarball unchanged (same sha256 as mpfr.org's mpfr-4.2.0.tar.xz): the
# upstream URL, served through the apt premirror from Debian's source package mpfr4.
SRC_URI = "https://www.mpfr.org/mpfr-${PV}/mpfr-${PV}.tar.xz"
SRC_URI[sha256sum] = "06a378df13501248c1b2db5aa977a2c8126ae849a9d9b7be2546fb4a9c26d993"
DEBIAN_SOURCE_PACKAGE = "mpfr4"
DEBIAN_SOURCE_VERSION = "4.2.0-1"
S = "${UNPACKDIR}/mpfr-4.2.0"

EXTRA_OECONF = "--disable-shared --enable-static --with-pic --with-gmp=${RECIPE_SYSROOT_NATIVE}${prefix}"

# libtool archives record the install prefix (/usr/lib/libgmp.la), which is not where a recipe
# sysroot has them: without the .la files libtool links by -L/-l like everything else.
do_install:append() {
	rm -f "${D}${libdir}"/*.la
}
