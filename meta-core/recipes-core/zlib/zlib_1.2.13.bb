SUMMARY = "Zlib compression library"
DESCRIPTION = "zlib: the deflate compression library, shared and static, with its pkg-config file (zlib.pc)."
HOMEPAGE = "https://zlib.net/"
LICENSE = "Zlib"
LIC_FILES_CHKSUM = "file://zlib.h;beginline=6;endline=23;md5=5377232268e952e9ef63bc555f7aa6c0"

# Debian's repack (dfsg) of zlib 1.2.13, whose library sources are upstream's. Pinned to the
# release in bookworm's main archive: apt-get source fetches a whole source package, and the
# security update's files (deb12u1, a minizip fix, not built here) are not always served.
SRC_URI = "apt://zlib/1:1.2.13.dfsg-1/zlib_1.2.13.dfsg.orig.tar.bz2"
SRC_URI[sha256sum] = "71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1"
S = "${UNPACKDIR}/zlib-1.2.13.dfsg"

# zlib's configure is its own, not autoconf's: it takes the compiler and flags from the
# environment (CC, CFLAGS, LDFLAGS, AR are exported), and --uname=GNU stops it from asking the
# build host what system it is.
do_configure() {
	./configure --prefix=${prefix} --libdir=${libdir} --sharedlibdir=${libdir} --includedir=${includedir} --uname=GNU
}

do_compile() {
	oe_runmake shared static
}

do_install() {
	oe_runmake DESTDIR=${D} install
}
do_install[umask] = "022"

BBCLASSEXTEND = "native"
