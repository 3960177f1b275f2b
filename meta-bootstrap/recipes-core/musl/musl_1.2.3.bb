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

# The C library is also the dynamic loader. Programs linked against it name it NEEDED libc.so
# (its SONAME, as OE's; musl's loader answers that name itself); the library file is the loader
# at PT_INTERP's path, in the runtime package, and libc.so the link that the linker reads, in
# -dev (musl installs them the other way round, with an absolute link). Relative links point
# into the same tree wherever that is (a recipe sysroot, an image), and shared state accepts them.
LDFLAGS += "-Wl,-soname,libc.so"

do_install() {
	oe_runmake DESTDIR="${D}" install
	for ldso in "${D}${base_libdir}"/ld-musl-*.so.1; do
		[ -L "$ldso" ] || continue
		rm "$ldso"
		mv "${D}${libdir}/libc.so" "$ldso"
		ln -s "../..${base_libdir}/${ldso##*/}" "${D}${libdir}/libc.so"
	done
}
