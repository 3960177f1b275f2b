# Building with Meson (OE's meson.bbclass): out of tree in ${B}, configured with a cross file
# (${WORKDIR}/meson.cross: the cross compiler and binutils, the flags, the target machine, the
# sysroot's pkg-config) and a native file (${WORKDIR}/meson.native: the build host's compiler, for
# programs a project builds to run during its own build), both written by do_write_config. The
# variables are OE's: EXTRA_OEMESON, MESON_BUILDTYPE, MESON_SOURCEPATH, MESON_TARGET,
# MESON_INSTALL_TAGS. Meson and Ninja are the build host's (OE builds meson-native and
# ninja-native).
inherit pkgconfig

HOSTTOOLS += "meson ninja"

B = "${WORKDIR}/build"
MESON_SOURCEPATH = "${S}"
# "plain": meson adds no optimisation or debug flags of its own; CFLAGS decide, as for every recipe.
MESON_BUILDTYPE ?= "plain"
MESON_TARGET ?= ""
MESON_INSTALL_TAGS ?= ""
EXTRA_OEMESON ?= ""

MESONOPTS = " \
    --buildtype ${MESON_BUILDTYPE} \
    --prefix ${prefix} \
    --bindir ${@path.relative(d.getVar('prefix'), d.getVar('bindir'))} \
    --sbindir ${@path.relative(d.getVar('prefix'), d.getVar('sbindir'))} \
    --libdir ${@path.relative(d.getVar('prefix'), d.getVar('libdir'))} \
    --libexecdir ${@path.relative(d.getVar('prefix'), d.getVar('libexecdir'))} \
    --includedir ${@path.relative(d.getVar('prefix'), d.getVar('includedir'))} \
    --datadir ${@path.relative(d.getVar('prefix'), d.getVar('datadir'))} \
    --mandir ${@path.relative(d.getVar('prefix'), d.getVar('mandir'))} \
    --sysconfdir ${sysconfdir} \
    --localstatedir ${localstatedir} \
    --wrap-mode nodownload \
    --native-file ${WORKDIR}/meson.native \
    "

# Target recipes cross compile; build-host recipes use the native file alone.
MESON_CROSS_FILE = "--cross-file ${WORKDIR}/meson.cross"
MESON_CROSS_FILE:class-native = ""
MESON_CROSS_FILE:class-cross = ""

# Meson's names for the machine (its reference tables: cpu_family, system, endian).
MESON_CPU_FAMILY = "${@(() => { const a = d.getVar('HOST_ARCH') || ''; \
    if (/^i[3-6]86$/.test(a)) return 'x86'; \
    if (/^arm/.test(a)) return 'arm'; \
    if (/^(mips|mipsel)$/.test(a)) return 'mips'; \
    if (/^(mips64|mips64el)$/.test(a)) return 'mips64'; \
    if (/^powerpc64/.test(a)) return 'ppc64'; \
    if (a === 'powerpc') return 'ppc'; \
    if (a === 'riscv64') return 'riscv64'; \
    if (a === 'riscv32') return 'riscv32'; \
    return a; })()}"
MESON_ENDIAN = "${@/^(aarch64_be|armeb|mips|mips64|powerpc|powerpc64|s390x|sparc)$/.test(d.getVar('HOST_ARCH') || '') ? 'big' : 'little'}"
MESON_SYSTEM = "${@(d.getVar('HOST_OS') || '').startsWith('linux') ? 'linux' : (d.getVar('HOST_OS') || '').split('-')[0]}"

# The words given as a Meson array of strings: ['x86_64-bake-linux-musl-gcc', '--sysroot=/…'], each
# ' and \ escaped.
meson_array() {
	sep=
	printf '['
	for w in "$@"; do
		printf "%s'%s'" "$sep" "$(printf '%s' "$w" | sed -e 's/[\\'\'']/\\&/g')"
		sep=', '
	done
	printf ']'
}

do_write_config() {
	# Computed here, not inside the here-documents: a failure there would go unnoticed.
	cc=$(meson_array ${CC})
	cxx=$(meson_array ${CXX})
	ar=$(meson_array ${AR})
	nm=$(meson_array ${NM})
	strip=$(meson_array ${STRIP})
	readelf=$(meson_array ${READELF})
	objcopy=$(meson_array ${OBJCOPY})
	cflags_cppflags=$(meson_array ${CFLAGS} ${CPPFLAGS})
	ldflags=$(meson_array ${LDFLAGS})
	cxxflags_cppflags=$(meson_array ${CXXFLAGS} ${CPPFLAGS})
	build_cc=$(meson_array ${BUILD_CC})
	build_cxx=$(meson_array ${BUILD_CXX})
	build_ar=$(meson_array ${BUILD_AR})
	build_nm=$(meson_array ${BUILD_NM})
	build_strip=$(meson_array ${BUILD_STRIP})
	build_readelf=$(meson_array ${BUILD_READELF})
	build_objcopy=$(meson_array ${BUILD_OBJCOPY})
	build_cflags_build_cppflags=$(meson_array ${BUILD_CFLAGS} ${BUILD_CPPFLAGS})
	build_ldflags=$(meson_array ${BUILD_LDFLAGS})
	build_cxxflags_build_cppflags=$(meson_array ${BUILD_CXXFLAGS} ${BUILD_CPPFLAGS})
	cat > "${WORKDIR}/meson.cross.tmp" <<EOF
# Written by bake's meson class for ${PN} (do_write_config).
[binaries]
c = $cc
cpp = $cxx
ar = $ar
nm = $nm
strip = $strip
readelf = $readelf
objcopy = $objcopy
pkg-config = '${PKG_CONFIG_WRAPPER_DIR}/pkg-config'

[built-in options]
c_args = $cflags_cppflags
c_link_args = $ldflags
cpp_args = $cxxflags_cppflags
cpp_link_args = $ldflags

[properties]
# Nothing built for the target can run here: tests that need to run a program take the
# cross-compiling answer (or the project's cross-file property).
needs_exe_wrapper = true
sys_root = '${RECIPE_SYSROOT}'
pkg_config_libdir = '${PKG_CONFIG_LIBDIR}'

[host_machine]
system = '${MESON_SYSTEM}'
cpu_family = '${MESON_CPU_FAMILY}'
cpu = '${HOST_ARCH}'
endian = '${MESON_ENDIAN}'
EOF
	cat > "${WORKDIR}/meson.native.tmp" <<EOF
# Written by bake's meson class for ${PN} (do_write_config): the build host's tools.
[binaries]
c = $build_cc
cpp = $build_cxx
ar = $build_ar
nm = $build_nm
strip = $build_strip
readelf = $build_readelf
objcopy = $build_objcopy
pkg-config = '${PKG_CONFIG_WRAPPER_DIR}/pkg-config-native'

[built-in options]
c_args = $build_cflags_build_cppflags
c_link_args = $build_ldflags
cpp_args = $build_cxxflags_build_cppflags
cpp_link_args = $build_ldflags
EOF
	mv "${WORKDIR}/meson.cross.tmp" "${WORKDIR}/meson.cross"
	mv "${WORKDIR}/meson.native.tmp" "${WORKDIR}/meson.native"
}
do_write_config[dirs] = "${WORKDIR}"
do_write_config[prefuncs] += "pkgconfig_write_wrappers"
do_write_config[doc] = "Writes Meson's cross and native files: compilers, binutils, flags, the machine, pkg-config"
addtask write_config after do_prepare_recipe_sysroot before do_configure

meson_do_configure() {
	bbnote meson setup ${MESONOPTS} "${MESON_SOURCEPATH}" "${B}" ${MESON_CROSS_FILE} ${EXTRA_OEMESON}
	if ! meson setup ${MESONOPTS} "${MESON_SOURCEPATH}" "${B}" ${MESON_CROSS_FILE} ${EXTRA_OEMESON}; then
		if [ -f "${B}/meson-logs/meson-log.txt" ]; then
			echo "Last lines of ${B}/meson-logs/meson-log.txt:"
			tail -n 20 "${B}/meson-logs/meson-log.txt"
		fi
		bbfatal "meson setup failed (see ${B}/meson-logs/meson-log.txt)"
	fi
}

meson_do_compile() {
	ninja -v ${PARALLEL_MAKE} ${MESON_TARGET} || bbfatal "ninja failed"
}

meson_do_install() {
	tags=
	[ -z "${MESON_INSTALL_TAGS}" ] || tags="--tags ${MESON_INSTALL_TAGS}"
	meson install --destdir "${D}" --no-rebuild $tags || bbfatal "meson install failed"
}

# Meson builds out of tree only; a fresh tree for every configure.
do_configure[cleandirs] = "${B}"

EXPORT_FUNCTIONS do_configure do_compile do_install
