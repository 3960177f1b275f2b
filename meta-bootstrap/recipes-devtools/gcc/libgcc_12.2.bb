SUMMARY = "libgcc for ${TARGET_SYS}: the compiler runtime, static (libgcc_eh) and shared (libgcc_s)"
HOMEPAGE = "https://gcc.gnu.org/"
LICENSE = "GPL-3.0-with-GCC-exception"

# Last step of the from-source order: built by the first compiler against musl, so that
# libgcc_s.so links against libc.so. As OE's libgcc: only gcc's libgcc/ directory is configured,
# with the cross compiler as CC and the small part of gcc's build tree it reads (libgcc.mvars,
# tm.h…) that gcc-cross installs under gcc-build-internal.

require gcc-source-12.2.inc

PROVIDES = "virtual/${TARGET_PREFIX}compilerlibs"
INHIBIT_DEFAULT_DEPS = "1"
DEPENDS = "virtual/${TARGET_PREFIX}gcc virtual/libc"

GCC_INNER_MEMBERS = "gcc-12.2.0/libgcc gcc-12.2.0/include gcc-12.2.0/gcc gcc-12.2.0/config \
    gcc-12.2.0/config.guess gcc-12.2.0/config.sub gcc-12.2.0/install-sh gcc-12.2.0/mkinstalldirs \
    gcc-12.2.0/move-if-change gcc-12.2.0/libdecnumber gcc-12.2.0/ltmain.sh gcc-12.2.0/config-ml.in"

B = "${WORKDIR}/build"
LIBGCC_B = "${B}/${TARGET_SYS}/libgcc"

do_configure() {
	mkdir -p "${B}/gcc" "${LIBGCC_B}"
	cp -pR "${RECIPE_SYSROOT_NATIVE}${libdir}/gcc-build-internal/${TARGET_SYS}/gcc/." "${B}/gcc/"
	mkdir -p "${WORKDIR}/private-tmp"
	export TMPDIR="${WORKDIR}/private-tmp"
	cd "${LIBGCC_B}"
	"${S}/libgcc/configure" --build=${BUILD_SYS} --host=${TARGET_SYS} --target=${TARGET_SYS} \
		--prefix=${prefix} --libdir=${libdir} --with-sysroot=/ --enable-shared --disable-multilib \
		--with-build-libsubdir=. --enable-tls --disable-gnu-indirect-function \
		|| bbfatal "libgcc configure failed (see ${LIBGCC_B}/config.log)"
}
do_configure[cleandirs] = "${B}"

do_compile() {
	mkdir -p "${WORKDIR}/private-tmp"
	export TMPDIR="${WORKDIR}/private-tmp"
	cd "${LIBGCC_B}"
	oe_runmake MULTIBUILDTOP="${LIBGCC_B}/"
}

# The driver of gcc-cross finds libgcc.a and the crt objects next to itself; libgcc_eh.a and
# libgcc_s.so are searched in the sysroot's library directories, so that is where they go (the
# shared object's run-time name in /lib, next to musl's loader).
do_install() {
	cd "${LIBGCC_B}"
	rm -rf "${WORKDIR}/libgcc-install"
	oe_runmake MULTIBUILDTOP="${LIBGCC_B}/" DESTDIR="${WORKDIR}/libgcc-install" install
	# Where gcc's Makefile puts them depends on the multilib OS directory (lib or lib64): found
	# by name, installed where the driver's -L search of the sysroot finds them.
	install -d "${D}${libdir}" "${D}${base_libdir}"
	eh=$(find "${WORKDIR}/libgcc-install" -name libgcc_eh.a | head -n 1)
	so=$(find "${WORKDIR}/libgcc-install" -name 'libgcc_s.so.1' | head -n 1)
	[ -n "$eh" ] && [ -n "$so" ] || bbfatal "libgcc_eh.a or libgcc_s.so.1 was not installed"
	install -m 0644 "$eh" "${D}${libdir}/libgcc_eh.a"
	install -m 0755 "$so" "${D}${base_libdir}/libgcc_s.so.1"
	# The link-time libgcc_s.so is what gcc made of it: for Linux targets (aarch64, x86-64) whose
	# libgcc.a holds routines that libgcc_s.so.1 keeps hidden (aarch64's outline atomics,
	# __aarch64_cas8_acq_rel…; x86's __cpu_model), a linker script "GROUP ( libgcc_s.so.1 -lgcc )",
	# so that every shared library linked with -lgcc_s (libstdc++.so) carries its own copy; a
	# plain link would leave them undefined in it and every program linking that library would
	# fail. A target where gcc installs a link gets the link.
	solink=$(find "${WORKDIR}/libgcc-install" -name 'libgcc_s.so' | head -n 1)
	if [ -n "$solink" ] && [ ! -L "$solink" ] && grep -q '^GROUP' "$solink"; then
		install -m 0644 "$solink" "${D}${libdir}/libgcc_s.so"
	else
		ln -sf ../..${base_libdir}/libgcc_s.so.1 "${D}${libdir}/libgcc_s.so"
	fi
}
