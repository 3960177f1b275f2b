SUMMARY = "musl, the C library of the target, built by the first cross compiler"
HOMEPAGE = "https://musl.libc.org/"
LICENSE = "MIT"

# Debian ships musl's release tarball unchanged (same sha256 as musl.libc.org's, signature checked
# in the feasibility notes): the upstream URL, which the apt premirror serves from Debian.
SRC_URI = "https://musl.libc.org/releases/musl-${PV}.tar.gz"
SRC_URI[sha256sum] = "7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4"
DEBIAN_SOURCE_VERSION = "1.2.3-1"

PROVIDES = "virtual/libc"
# The libc itself cannot depend on the libc and on libgcc, which is built against it: only the
# first compiler (which carries a static libgcc.a for libc.so's helper calls).
INHIBIT_DEFAULT_DEPS = "1"
# The kernel's UAPI headers come with the C library, as in OE: every recipe that DEPENDS on
# virtual/libc gets <linux/*.h> in its sysroot through musl's.
DEPENDS = "virtual/${TARGET_PREFIX}gcc linux-libc-headers"

B = "${WORKDIR}/build"

# musl's configure is hand-written (not autoconf): it takes CC/CFLAGS from the environment and
# the target from --host. The dynamic loader lives in /lib (--syslibdir).
do_configure() {
	"${S}/configure" --prefix=${prefix} --host=${HOST_SYS} --syslibdir=${base_libdir} \
		--disable-wrapper CROSS_COMPILE=${HOST_PREFIX} || bbfatal "musl configure failed"
}
do_configure[cleandirs] = "${B}"

# musl installs its dynamic loader as an absolute symlink to /usr/lib/libc.so; relative, it points
# into the same tree wherever that is (a recipe sysroot, an image), and shared state accepts it.
do_install() {
	oe_runmake DESTDIR="${D}" install
	for ldso in "${D}${base_libdir}"/ld-musl-*.so.1; do
		[ -L "$ldso" ] || continue
		ln -sf "..${libdir}/libc.so" "$ldso"
	done
}
