SUMMARY = "s6: skarnet's process supervision suite (s6-svscan, s6-supervise, s6-svc…)"
HOMEPAGE = "https://skarnet.org/software/s6/"
LICENSE = "ISC"
# The ISC permission text below the copyright line, as in skalibs' and execline's COPYING (the
# years in the first line differ between skarnet's releases).
LIC_FILES_CHKSUM = "file://COPYING;beginline=3;md5=aa76e1df60e6a140b4061c6d33a6871a"

DEPENDS = "skalibs execline"

# The checksum Debian's s6_2.11.3.2-1.dsc records for its orig tarball. Neither skarnet.org nor
# that orig file is reachable from this build's network, so selecting s6
# (CONTAINER_SUPERVISOR = "s6") stops at do_fetch with the fetcher's error naming this URL.
SRC_URI = "https://skarnet.org/software/s6/s6-${PV}.tar.gz"
SRC_URI[sha256sum] = "1afb8f2eb8a7770bcff37a6fb4f6a358726d6a76390140898ed118ac96e45f1a"
DEBIAN_SOURCE_VERSION = "2.11.3.2-1"

S6_CONFIGURE = " \
    --target=${HOST_SYS} \
    --prefix=${prefix} \
    --bindir=${bindir} \
    --libexecdir=${libexecdir} \
    --libdir=${libdir} \
    --includedir=${includedir} \
    --with-sysdeps=${RECIPE_SYSROOT}${libdir}/skalibs/sysdeps \
    --with-include=${RECIPE_SYSROOT}${includedir} \
    --with-lib=${RECIPE_SYSROOT}${libdir} \
    --with-lib=${RECIPE_SYSROOT}${libdir}/execline \
    --disable-shared \
    --enable-static-libc \
    "

do_configure() {
	CC="${HOST_PREFIX}gcc" CFLAGS="${TOOLCHAIN_OPTIONS} ${CFLAGS}" LDFLAGS="${TOOLCHAIN_OPTIONS} ${LDFLAGS}" \
		./configure ${S6_CONFIGURE}
}

do_compile() {
	oe_runmake
}

do_install() {
	oe_runmake DESTDIR="${D}" install
}
do_install[umask] = "022"

# s6-svscan and friends exec execline programs (s6-svscanctl's finish scripts, s6-log's
# processors): the runtime needs execline beside it.
RDEPENDS:${PN} += "execline"
