SUMMARY = "skarnet's general-purpose C library (libskarnet), the base of execline and s6"
HOMEPAGE = "https://skarnet.org/software/skalibs/"
LICENSE = "ISC"
LIC_FILES_CHKSUM = "file://COPYING;md5=34f73ee8aab2e0ca56980313bfd7a7bb"

# Debian bookworm's orig tarball. It is not byte for byte skarnet.org's skalibs-2.13.1.1.tar.gz
# (other checksums are published for that one), so the recipe names Debian's file itself instead
# of the upstream URL with a checksum only the premirror could satisfy.
SRC_URI = "apt://skalibs/2.13.1.1-1/skalibs_${PV}.orig.tar.gz"
SRC_URI[sha256sum] = "e5821fa3378bf7c19d2a3f55570367236a896964d2166a97b5fd8e01b42940ab"

# skarnet's own configure (not autoconf). Static library only: the programs that link it are
# static too, and the image then needs no shared-library runtime for them. A cross build cannot
# probe the target's /dev/urandom, so it is stated (Linux has one).
SKALIBS_CONFIGURE = " \
    --target=${HOST_SYS} \
    --prefix=${prefix} \
    --libdir=${libdir} \
    --includedir=${includedir} \
    --sysdepdir=${libdir}/skalibs/sysdeps \
    --disable-shared \
    --with-default-path=${bindir}:${base_bindir} \
    --with-sysdep-devurandom=yes \
    "

# configure takes CC as one word; the sysroot goes with the flags. It runs every test program it
# builds only when not cross-compiling, so nothing of the build host is measured.
do_configure() {
	CC="${HOST_PREFIX}gcc" CFLAGS="${TOOLCHAIN_OPTIONS} ${CFLAGS}" LDFLAGS="${TOOLCHAIN_OPTIONS} ${LDFLAGS}" \
		./configure ${SKALIBS_CONFIGURE}
}

do_compile() {
	oe_runmake
}

do_install() {
	oe_runmake DESTDIR="${D}" install
}
do_install[umask] = "022"

# The library, its headers and its sysdeps (which execline's and s6's configure read) are for
# building only: the runtime package is empty and not installed.
FILES:${PN}-dev += "${libdir}/skalibs/sysdeps"
