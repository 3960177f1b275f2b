SUMMARY = "GNU multiple precision arithmetic library, for building gcc-cross"
HOMEPAGE = "https://gmplib.org/"
LICENSE = "LGPL-3.0-or-later | GPL-2.0-or-later"

inherit native autotools

# configure checks its assembly through m4.
HOSTTOOLS += "m4"

# Debian repacked the upstream tarball (+dfsg1: no GFDL manual), so the source package is named.
SRC_URI = "apt://gmp/2:6.2.1+dfsg1-1.1/gmp_6.2.1+dfsg1.orig.tar.xz;name=orig"
SRC_URI[orig.sha256sum] = "471b9e463e04362a0124f215afc5f0a4b99caedeeb62634c61bbc12988efa64c"
S = "${UNPACKDIR}/gmp-6.2.1"

# Static only and position independent: gcc-cross links it in and nothing has to find a shared
# libgmp in a recipe sysroot at run time. ABI and CPU fixed to the generic x86-64 code so that the
# build host's CPU model does not choose the code gmp compiles.
EXTRA_OECONF = "--disable-shared --enable-static --with-pic --enable-fat=no --disable-assembly"

# The +dfsg1 repack drops doc/ (the GFDL manual) but configure still generates doc/Makefile; Debian
# builds without it the same way: a Makefile that has every target the top level recurses into and
# does nothing.
gmp_stub_doc() {
	if [ ! -e "${S}/doc/Makefile.in" ]; then
		mkdir -p "${S}/doc"
		printf '%s\n' \
			'all install install-data install-exec uninstall clean distclean mostlyclean maintainer-clean:' \
			'check installcheck info dvi pdf ps html install-info install-dvi install-pdf install-ps install-html:' \
			'tags ctags cscopelist distdir:' > "${S}/doc/Makefile.in"
	fi
}
do_patch[postfuncs] += "gmp_stub_doc"

# libtool archives record the install prefix (/usr/lib/libgmp.la), which is not where a recipe
# sysroot has them: without the .la files libtool links by -L/-l like everything else.
do_install:append() {
	rm -f "${D}${libdir}"/*.la
}
