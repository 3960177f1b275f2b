SUMMARY = "The GNU C and C++ compilers for ${TARGET_SYS}: the compilers and a static libgcc"
HOMEPAGE = "https://gcc.gnu.org/"
LICENSE = "GPL-3.0-with-GCC-exception"

# The from-source order (headers, a first gcc, libc, libgcc): this recipe is the compiler proper
# (cc1, the driver) plus a static-only libgcc and the crt objects, built against musl's headers
# alone. musl is then built with it, and libgcc (libgcc_s, libgcc_eh) with it against musl. The
# compiler is built once: its expensive part (cc1) does not depend on the C library.

inherit cross autotools
require gcc-source-12.2.inc

PN = "gcc-cross-${TARGET_ARCH}"
BPN = "gcc"
PROVIDES = "virtual/${TARGET_PREFIX}gcc virtual/${TARGET_PREFIX}g++"
DEPENDS = "virtual/${TARGET_PREFIX}binutils gmp-native mpfr-native mpc-native"
# gcc is written in C++ since 4.8: the build host needs a C++ compiler.
HOSTTOOLS += "${@(d.getVar('BUILD_CXX') || 'g++').trim().split(/\s+/)[0]}"

# musl's headers, installed into a private build sysroot before configure: gcc's limits.h and
# fixincludes look at the target's headers, and the static libgcc needs them. Same bytes as
# musl-1.2.3.tar.gz (the musl recipe uses that name through the apt premirror).
SRC_URI += "apt://musl/1.2.3-1/musl_1.2.3.orig.tar.gz;name=musl"
SRC_URI[musl.sha256sum] = "7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4"
MUSL_S = "${UNPACKDIR}/musl-1.2.3"
GCC_BUILD_SYSROOT = "${WORKDIR}/build-sysroot"

# Trap 2 of the feasibility notes: a sysroot inside the prefix is relocatable, and the in-tree
# xgcc then resolves it relative to the build tree; --with-build-sysroot is what the target
# libraries are compiled against during the build. --with-debug-prefix-map keeps this build's
# paths out of the DWARF of libgcc.a and the crt objects, which end up in target programs.
#
# C++ (cc1plus, g++) is built by default, as OE's LANGUAGES; its library is the libstdc++ recipe,
# built only for images that have a C++ program. g++ looks for libstdc++'s headers in the sysroot
# (a --with-gxx-include-dir inside --with-sysroot is taken relative to it), where libstdc++
# installs them. A cross gcc cannot test whether the target's C library runs .init_array and then
# puts constructors in .ctors; musl runs .init_array, so it is named (as OE does).
GCC_SYSROOT = "${exec_prefix}/${TARGET_SYS}/sysroot"
LANGUAGES ?= "c,c++"
EXTRA_OECONF = " \
    --with-sysroot=${GCC_SYSROOT} \
    --with-gxx-include-dir=${GCC_SYSROOT}${includedir}/c++/${PV} \
    --with-build-sysroot=${GCC_BUILD_SYSROOT} \
    --with-debug-prefix-map=${WORKDIR}=/usr/src/debug/${BPN}/${PV} \
    --with-gmp=${RECIPE_SYSROOT_NATIVE}${prefix} \
    --with-mpfr=${RECIPE_SYSROOT_NATIVE}${prefix} \
    --with-mpc=${RECIPE_SYSROOT_NATIVE}${prefix} \
    --without-isl --without-zstd \
    --enable-languages=${LANGUAGES} --enable-initfini-array --disable-bootstrap --disable-multilib --disable-nls \
    --disable-libsanitizer --disable-libssp --disable-libquadmath --disable-libgomp \
    --disable-libitm --disable-libvtv --disable-libmudflap --disable-libmpx --disable-libatomic \
    --disable-libstdcxx --enable-tls --disable-gnu-indirect-function \
    --with-pkgversion=bake \
    "

# Host compiler flags without debug info: the compiler is a host tool and its size matters.
CFLAGS = "${BUILD_CFLAGS} -g0"
CXXFLAGS = "${BUILD_CXXFLAGS} -g0"
EXTRA_OEMAKE = "MAKEINFO=true"

do_configure:prepend() {
	rm -rf "${GCC_BUILD_SYSROOT}" "${WORKDIR}/musl-headers"
	mkdir -p "${WORKDIR}/musl-headers"
	(cd "${WORKDIR}/musl-headers" && CC="${BUILD_CC}" "${MUSL_S}/configure" --prefix=/usr --target=${TARGET_SYS}) \
		|| bbfatal "musl configure (headers) failed"
	make -C "${WORKDIR}/musl-headers" DESTDIR="${GCC_BUILD_SYSROOT}" install-headers || bbfatal "musl install-headers failed"
}

# Trap 3: enable_shared=no on the make command line would be exported into libgcc's configure and
# baked in; here that is wanted (this libgcc is static only, and its build tree is never reused:
# the libgcc recipe configures its own).
#
# No developer self-tests (cc1 -fself-test after the build): they read gcc/testsuite/selftests,
# and the test suites are not unpacked (gcc-source-12.2.inc). gcc's top-level Makefile clears
# MAKEOVERRIDES, so a SELFTEST_TARGETS= on the command line would not reach gcc/Makefile.
do_compile() {
	autotools_private_tmp
	oe_runmake configure-gcc
	sed -i 's/^SELFTEST_TARGETS = .*/SELFTEST_TARGETS =/' gcc/Makefile
	oe_runmake all-gcc
	oe_runmake enable_shared=no all-target-libgcc
}

do_install() {
	autotools_private_tmp
	oe_runmake DESTDIR="${D}" install-gcc
	oe_runmake DESTDIR="${D}" enable_shared=no install-target-libgcc
	rm -rf "${D}${datadir}/info" "${D}${datadir}/man" "${D}${libdir}/gcc/${TARGET_SYS}/${PV}/plugin"
	# The driver runs as, ld… by their plain names, looked for in its libexec directory before PATH,
	# where the build host's would be found (and for x86-64 silently work). Relative links to
	# binutils-cross's prefixed programs, as OE's gcc-cross does, so it works wherever it is staged.
	libexec="${D}${libexecdir}/gcc/${TARGET_SYS}/${PV}"
	[ -x "$libexec/cc1" ] || bbfatal "gcc-cross: no cc1 in $libexec"
	for t in ar as ld ld.bfd nm objcopy objdump ranlib strip; do
		ln -sf "../../../../bin/${TARGET_PREFIX}$t" "$libexec/$t"
	done
	# What libgcc's own configure and Makefile read from gcc's build tree (libgcc.mvars, tm.h,
	# options.h, auto-host.h…), as OE's gcc_stash_builddir: the libgcc recipe builds from it.
	stash="${D}${libdir}/gcc-build-internal/${TARGET_SYS}/gcc"
	mkdir -p "$stash"
	find gcc -maxdepth 1 -type f \( -name '*.h' -o -name '*.mvars' -o -name '*.def' -o -name '*.opt*' \) \
		-exec cp -p {} "$stash/" \;
	cp -pR gcc/include "$stash/"
	[ ! -d gcc/include-fixed ] || cp -pR gcc/include-fixed "$stash/"
}
