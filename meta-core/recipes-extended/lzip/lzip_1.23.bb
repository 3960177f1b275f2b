SUMMARY = "Lossless data compressor based on the LZMA algorithm (a small C++ program)"
DESCRIPTION = "lzip compresses and decompresses .lz files; in bake's images it is the C++ program \
that shows the C++ toolchain and libstdc++ at work on the target."
HOMEPAGE = "https://www.nongnu.org/lzip/lzip.html"
LICENSE = "GPL-2.0-or-later"
LIC_FILES_CHKSUM = "file://COPYING;md5=76d6e300ffd8fb9d18bd9b136a9bba13"

# Debian's orig is recompressed (xz; upstream ships .tar.gz and .tar.lz): the source package named.
SRC_URI = "apt://lzip/1.23-5/lzip_1.23.orig.tar.xz;name=orig"
SRC_URI[orig.sha256sum] = "d269d8e204579cb7047d6187bce741acb484a27e24cf24f20cf017c48574147c"

# C++: the cross g++ comes with every target recipe's toolchain, the library is asked for.
DEPENDS = "libstdc++"

# lzip's configure is hand-written (no autoconf): no --host, the compiler and flags are given as
# its arguments, and it builds out of tree with --srcdir.
B = "${WORKDIR}/build"
do_configure() {
	"${S}/configure" --srcdir="${S}" --prefix=${prefix} \
		CXX="${CXX}" CPPFLAGS="${CPPFLAGS}" CXXFLAGS="${CXXFLAGS}" LDFLAGS="${LDFLAGS}" \
		|| bbfatal "lzip configure failed"
}
do_configure[cleandirs] = "${B}"

do_compile() {
	oe_runmake
}

# The program only: install-man would regenerate the manual page with help2man, running the
# target program on the build host.
do_install() {
	oe_runmake DESTDIR="${D}" install-bin
}
