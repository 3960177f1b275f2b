SUMMARY = "The GNU C++ standard library for ${TARGET_SYS}, built by gcc-cross against musl"
HOMEPAGE = "https://gcc.gnu.org/libstdc++/"
LICENSE = "GPL-3.0-with-GCC-exception"

# As OE's gcc-runtime (for this one library): gcc's libstdc++-v3 directory configured on its own,
# with the cross g++ of gcc-cross as the compiler, against the C library and libgcc_s that every
# target recipe gets. A C++ recipe adds DEPENDS += "libstdc++"; nothing else builds it, so an image
# without C++ costs none of it.

require gcc-source-12.2.inc

# What libstdc++'s configure and Makefiles read outside their own directory: the auxiliary
# scripts, libgcc's gthr headers, libiberty's demangler (libsupc++'s __cxa_demangle), gcc's
# version files (gcc/, which the Debian patch also touches).
GCC_INNER_MEMBERS = "gcc-12.2.0/libstdc++-v3 gcc-12.2.0/libgcc gcc-12.2.0/libiberty gcc-12.2.0/include \
    gcc-12.2.0/gcc gcc-12.2.0/config gcc-12.2.0/config.guess gcc-12.2.0/config.sub gcc-12.2.0/install-sh \
    gcc-12.2.0/mkinstalldirs gcc-12.2.0/missing gcc-12.2.0/move-if-change gcc-12.2.0/ltmain.sh \
    gcc-12.2.0/config-ml.in gcc-12.2.0/config.rpath gcc-12.2.0/compile gcc-12.2.0/depcomp"

B = "${WORKDIR}/build"
LIBSTDCXX_B = "${B}/${TARGET_SYS}/libstdc++-v3"
LIBSTDCXX_MAKE_DIRS = "MULTIBUILDTOP=${LIBSTDCXX_B}/"

# No precompiled headers (hundreds of MiB in every C++ recipe's sysroot, for compile speed only);
# musl has no locale model gcc knows: the generic one, as OE's for musl.
EXTRA_OECONF = " \
    --with-gxx-include-dir=${includedir}/c++/${PV} \
    --enable-shared --enable-static --disable-multilib --disable-nls \
    --disable-libstdcxx-pch --enable-clocale=generic --enable-tls --enable-__cxa_atexit \
    "

# libstdc++ is what g++ links by default, and it is not built yet: configure's link tests link
# against an empty libstdc++.a instead, and -nostdinc++ keeps g++ from looking for its own headers
# (OE's gcc-runtime does the same). configure and libtool get a TMPDIR of their own (see
# autotools.bbclass).
libstdcxx_private_tmp() {
	mkdir -p "${WORKDIR}/private-tmp"
	export TMPDIR="${WORKDIR}/private-tmp"
}

do_configure() {
	libstdcxx_private_tmp
	mkdir -p "${WORKDIR}/dummylib" "${LIBSTDCXX_B}"
	${CC} -x c /dev/null -c -o "${WORKDIR}/dummylib/dummylib.o"
	rm -f "${WORKDIR}/dummylib/libstdc++.a"
	${AR} rcs "${WORKDIR}/dummylib/libstdc++.a" "${WORKDIR}/dummylib/dummylib.o"
	export CXX="${CXX} -nostdinc++ -L${WORKDIR}/dummylib"
	# gcc-source unpacks without the testsuites (large, never run here), but libstdc++'s configure
	# names testsuite/Makefile among its outputs: a Makefile that does nothing stands in for it.
	if [ ! -e "${S}/libstdc++-v3/testsuite/Makefile.in" ]; then
		mkdir -p "${S}/libstdc++-v3/testsuite"
		printf 'all:\n.DEFAULT:\n\t@:\n' > "${S}/libstdc++-v3/testsuite/Makefile.in"
	fi
	cd "${LIBSTDCXX_B}"
	"${S}/libstdc++-v3/configure" --build=${BUILD_SYS} --host=${TARGET_SYS} --target=${TARGET_SYS} \
		--prefix=${prefix} --libdir=${libdir} --includedir=${includedir} --datadir=${datadir} \
		${EXTRA_OECONF} || bbfatal "libstdc++ configure failed (see ${LIBSTDCXX_B}/config.log)"
}
do_configure[cleandirs] = "${B}"

do_compile() {
	libstdcxx_private_tmp
	cd "${LIBSTDCXX_B}"
	oe_runmake ${LIBSTDCXX_MAKE_DIRS}
}

# No Python on the target and no gdb: its pretty printers (and the auto-load script next to the
# library, which the runtime package would otherwise take) are left out, as are libtool archives.
do_install() {
	libstdcxx_private_tmp
	cd "${LIBSTDCXX_B}"
	oe_runmake ${LIBSTDCXX_MAKE_DIRS} DESTDIR="${D}" install
	# libstdc++'s Makefiles install into gcc's multilib OS directory (../lib64 on x86-64 and aarch64,
	# whatever toolexeclibdir configure is given); musl's loader looks in ${libdir}.
	if [ -d "${D}${exec_prefix}/lib64" ]; then
		mkdir -p "${D}${libdir}"
		cp -a "${D}${exec_prefix}/lib64/." "${D}${libdir}/"
		rm -rf "${D}${exec_prefix}/lib64"
	fi
	rm -f "${D}${libdir}"/*.la "${D}${libdir}"/libstdc++*-gdb.py
	rm -rf "${D}${datadir}/gcc-${PV}"
	[ -f "${D}${includedir}/c++/${PV}/${TARGET_SYS}/bits/c++config.h" ] || bbfatal "c++config.h was not installed for ${TARGET_SYS}"
	[ -e "${D}${libdir}/libstdc++.so.6" ] || bbfatal "libstdc++.so.6 was not installed in ${libdir}"
}
