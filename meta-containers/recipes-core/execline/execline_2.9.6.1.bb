SUMMARY = "execline: a non-interactive scripting language, the language of s6 service scripts"
HOMEPAGE = "https://skarnet.org/software/execline/"
LICENSE = "ISC"
LIC_FILES_CHKSUM = "file://COPYING;md5=c92b5c6593e97d6cc9bcb4892128e2b8"

DEPENDS = "skalibs"

# Debian's orig tarball of trixie's execline (bookworm's 2.9.3.0 is listed by the archive this
# build reaches but its files are not served). DEBIAN_SOURCE_VERSION makes the apt premirror ask
# for exactly this version, so a machine with trixie in its apt sources fetches it through apt;
# elsewhere the pool URL is used.
SRC_URI = "http://deb.debian.org/debian/pool/main/e/execline/execline_${PV}.orig.tar.gz;name=tarball \
           file://0001-skalibs-2.13-compat-cspawn-stat.patch"
SRC_URI[tarball.sha256sum] = "e718d73a0fa667f270763776a58213a027cb85dd5db9ad8331fa62b123911b29"
DEBIAN_SOURCE_VERSION = "2.9.6.1-1"

# Static binaries (--enable-static-libc): no shared-library runtime in the image. Binaries go to
# ${bindir} and scripts find them through PATH (execline's default, no absolute paths).
EXECLINE_CONFIGURE = " \
    --target=${HOST_SYS} \
    --prefix=${prefix} \
    --bindir=${bindir} \
    --libdir=${libdir} \
    --includedir=${includedir} \
    --with-sysdeps=${RECIPE_SYSROOT}${libdir}/skalibs/sysdeps \
    --with-include=${RECIPE_SYSROOT}${includedir} \
    --with-lib=${RECIPE_SYSROOT}${libdir} \
    --disable-shared \
    --enable-static-libc \
    "

do_configure() {
	CC="${HOST_PREFIX}gcc" CFLAGS="${TOOLCHAIN_OPTIONS} ${CFLAGS}" LDFLAGS="${TOOLCHAIN_OPTIONS} ${LDFLAGS}" \
		./configure ${EXECLINE_CONFIGURE}
}

do_compile() {
	oe_runmake
}

do_install() {
	oe_runmake DESTDIR="${D}" install
}
do_install[umask] = "022"
