# Building with CMake (OE's cmake.bbclass): out of tree in ${B}, configured through a toolchain file
# (${WORKDIR}/toolchain.cmake, written by do_generate_toolchain_file) that names the cross compiler
# and confines every find_package/find_library/find_path to the recipe's sysroots. The variables
# are OE's: OECMAKE_SOURCEPATH, OECMAKE_GENERATOR, EXTRA_OECMAKE, OECMAKE_C_FLAGS…,
# OECMAKE_TARGET_COMPILE/INSTALL. CMake and Ninja are the build host's (OE builds cmake-native and
# ninja-native); neither puts anything of the host into the target's output.

HOSTTOOLS += "cmake ${@(d.getVar('OECMAKE_GENERATOR') || '') === 'Ninja' ? 'ninja' : ''}"

B = "${WORKDIR}/build"
OECMAKE_SOURCEPATH ??= "${S}"
# "Ninja" or "Unix Makefiles".
OECMAKE_GENERATOR ?= "Ninja"
OECMAKE_GENERATOR_ARGS = "${@(() => { \
    const g = d.getVar('OECMAKE_GENERATOR') || ''; \
    if (g === 'Ninja') return `-G Ninja -DCMAKE_MAKE_PROGRAM=ninja`; \
    if (g === 'Unix Makefiles') return `-G 'Unix Makefiles' -DCMAKE_MAKE_PROGRAM=` + (d.getVar('MAKE') || 'make'); \
    bb.fatal(`OECMAKE_GENERATOR is '` + g + `': cmake.bbclass knows 'Ninja' and 'Unix Makefiles'`); \
})()}"
EXTRA_OECMAKE ?= ""
EXTRA_OECMAKE_BUILD ?= ""
OECMAKE_TARGET_COMPILE ?= "all"
OECMAKE_TARGET_INSTALL ?= "install"
# "VERBOSE=1": every compiler command in the log. Set it empty for quiet logs.
CMAKE_VERBOSE ??= "VERBOSE=1"

# The compiler is CC's first word (after a launcher such as ccache or icecc, which becomes
# CMAKE_<LANG>_COMPILER_LAUNCHER); its options (--sysroot…) go into the flags, which is where
# CMake wants them (it probes the compiler alone).
OECMAKE_LAUNCHERS ?= "ccache icecc distcc"
OECMAKE_C_COMPILER ?= "${@(() => { const w = (d.getVar('CC') || '').trim().split(/\s+/); return (d.getVar('OECMAKE_LAUNCHERS') || '').split(/\s+/).includes(path.basename(w[0])) ? w[1] : w[0]; })()}"
OECMAKE_C_COMPILER_LAUNCHER ?= "${@(() => { const w = (d.getVar('CC') || '').trim().split(/\s+/); return (d.getVar('OECMAKE_LAUNCHERS') || '').split(/\s+/).includes(path.basename(w[0])) ? w[0] : ''; })()}"
OECMAKE_CXX_COMPILER ?= "${@(() => { const w = (d.getVar('CXX') || '').trim().split(/\s+/); return (d.getVar('OECMAKE_LAUNCHERS') || '').split(/\s+/).includes(path.basename(w[0])) ? w[1] : w[0]; })()}"
OECMAKE_CXX_COMPILER_LAUNCHER ?= "${@(() => { const w = (d.getVar('CXX') || '').trim().split(/\s+/); return (d.getVar('OECMAKE_LAUNCHERS') || '').split(/\s+/).includes(path.basename(w[0])) ? w[0] : ''; })()}"
OECMAKE_AR ?= "${@(d.getVar('AR') || '').trim().split(/\s+/)[0]}"
OECMAKE_RANLIB ?= "${@(d.getVar('RANLIB') || '').trim().split(/\s+/)[0]}"
OECMAKE_NM ?= "${@(d.getVar('NM') || '').trim().split(/\s+/)[0]}"
OECMAKE_STRIP ?= "${@(d.getVar('STRIP') || '').trim().split(/\s+/)[0]}"
OECMAKE_OBJCOPY ?= "${@(d.getVar('OBJCOPY') || '').trim().split(/\s+/)[0]}"
OECMAKE_COMPILER_OPTIONS = "${@(() => { const w = (d.getVar('CC') || '').trim().split(/\s+/); return w.slice((d.getVar('OECMAKE_LAUNCHERS') || '').split(/\s+/).includes(path.basename(w[0])) ? 2 : 1).join(' '); })()}"
OECMAKE_C_FLAGS ?= "${OECMAKE_COMPILER_OPTIONS} ${CFLAGS}"
OECMAKE_CXX_FLAGS ?= "${OECMAKE_COMPILER_OPTIONS} ${CXXFLAGS}"
OECMAKE_C_FLAGS_RELEASE ?= "-DNDEBUG"
OECMAKE_CXX_FLAGS_RELEASE ?= "-DNDEBUG"
OECMAKE_C_LINK_FLAGS ?= "${OECMAKE_COMPILER_OPTIONS} ${CPPFLAGS} ${LDFLAGS}"
OECMAKE_CXX_LINK_FLAGS ?= "${OECMAKE_COMPILER_OPTIONS} ${CXXFLAGS} ${LDFLAGS}"
OECMAKE_RPATH ?= ""
OECMAKE_EXTRA_ROOT_PATH ?= ""
# Programs are looked for in the sysroots first, then in PATH (BOTH): bake has no directory of
# host-tool links for CMAKE_FIND_ROOT_PATH to hold (OE's HOSTTOOLS_DIR), and the target sysroot
# holds no programs (staging.bbclass publishes none for target recipes), so PATH can only offer
# build-host tools such as the pkg-config wrapper.
OECMAKE_FIND_ROOT_PATH_MODE_PROGRAM ?= "BOTH"

# CMAKE_SYSTEM_NAME and CMAKE_SYSTEM_PROCESSOR as uname(2) would say them on the host.
OECMAKE_SYSTEM_NAME = "${@(() => { const os = d.getVar('HOST_OS') || ''; \
    return os.startsWith('linux') ? 'Linux' : os.startsWith('darwin') ? 'Darwin' : os.startsWith('mingw') ? 'Windows' : os === 'eabi' ? 'Generic' : os; })()}"
OECMAKE_SYSTEM_PROCESSOR = "${@{powerpc: 'ppc', powerpc64: 'ppc64', powerpc64le: 'ppc64le'}[d.getVar('HOST_ARCH')] || d.getVar('HOST_ARCH')}"
OECMAKE_CROSSCOMPILING = "${@d.getVar('BUILD_SYS') === d.getVar('HOST_SYS') ? 'FALSE' : 'TRUE'}"
OECMAKE_CROSSCOMPILING:class-native = "FALSE"
OECMAKE_CROSSCOMPILING:class-cross = "FALSE"
# The sysroot CMake passes to the compiler and re-roots searches into: the target's for target
# recipes; none for build-host recipes, whose compiler is the host's.
OECMAKE_SYSROOT ?= "${RECIPE_SYSROOT}"
OECMAKE_SYSROOT:class-native = ""
OECMAKE_SYSROOT:class-cross = ""
# The pkgconfig class's wrapper, when the recipe inherits it (FindPkgConfig would take the host's).
OECMAKE_PKG_CONFIG = "${@d.getVar('PKG_CONFIG') || ''}"
OECMAKE_FIND_ROOT_PATH ?= "${RECIPE_SYSROOT} ${RECIPE_SYSROOT_NATIVE} ${OECMAKE_EXTRA_ROOT_PATH}"
OECMAKE_FIND_ROOT_PATH:class-native = "${RECIPE_SYSROOT_NATIVE} ${OECMAKE_EXTRA_ROOT_PATH}"
OECMAKE_FIND_ROOT_PATH:class-cross = "${RECIPE_SYSROOT_NATIVE} ${OECMAKE_EXTRA_ROOT_PATH}"

cmake_do_generate_toolchain_file() {
	sysroot=
	[ -z "${OECMAKE_SYSROOT}" ] || sysroot='set( CMAKE_SYSROOT "${OECMAKE_SYSROOT}" )'
	pkgconfig=
	[ -z "${OECMAKE_PKG_CONFIG}" ] || pkgconfig='set( PKG_CONFIG_EXECUTABLE "${OECMAKE_PKG_CONFIG}" CACHE FILEPATH "pkg-config of the recipe sysroot" )'
	cat > "${WORKDIR}/toolchain.cmake.tmp" <<EOF
# Written by bake's cmake class for ${PN} (do_generate_toolchain_file).
set( CMAKE_CROSSCOMPILING ${OECMAKE_CROSSCOMPILING} )
set( CMAKE_SYSTEM_NAME ${OECMAKE_SYSTEM_NAME} )
set( CMAKE_SYSTEM_PROCESSOR ${OECMAKE_SYSTEM_PROCESSOR} )
set( CMAKE_C_COMPILER ${OECMAKE_C_COMPILER} )
set( CMAKE_CXX_COMPILER ${OECMAKE_CXX_COMPILER} )
set( CMAKE_C_COMPILER_LAUNCHER ${OECMAKE_C_COMPILER_LAUNCHER} )
set( CMAKE_CXX_COMPILER_LAUNCHER ${OECMAKE_CXX_COMPILER_LAUNCHER} )
set( CMAKE_ASM_COMPILER ${OECMAKE_C_COMPILER} )
set( CMAKE_AR ${OECMAKE_AR} CACHE FILEPATH "Archiver" )
set( CMAKE_RANLIB ${OECMAKE_RANLIB} CACHE FILEPATH "Archive indexer" )
set( CMAKE_NM ${OECMAKE_NM} CACHE FILEPATH "Symbol lister" )
set( CMAKE_STRIP ${OECMAKE_STRIP} CACHE FILEPATH "Strip" )
set( CMAKE_OBJCOPY ${OECMAKE_OBJCOPY} CACHE FILEPATH "Objcopy" )
$sysroot

set( CMAKE_C_FLAGS "${OECMAKE_C_FLAGS}" CACHE STRING "CFLAGS" )
set( CMAKE_CXX_FLAGS "${OECMAKE_CXX_FLAGS}" CACHE STRING "CXXFLAGS" )
set( CMAKE_ASM_FLAGS "${OECMAKE_C_FLAGS}" CACHE STRING "ASM flags" )
set( CMAKE_C_FLAGS_RELEASE "${OECMAKE_C_FLAGS_RELEASE}" CACHE STRING "Additional CFLAGS for release" )
set( CMAKE_CXX_FLAGS_RELEASE "${OECMAKE_CXX_FLAGS_RELEASE}" CACHE STRING "Additional CXXFLAGS for release" )
set( CMAKE_ASM_FLAGS_RELEASE "${OECMAKE_C_FLAGS_RELEASE}" CACHE STRING "Additional ASM flags for release" )
set( CMAKE_C_LINK_FLAGS "${OECMAKE_C_LINK_FLAGS}" CACHE STRING "LDFLAGS" )
set( CMAKE_CXX_LINK_FLAGS "${OECMAKE_CXX_LINK_FLAGS}" CACHE STRING "LDFLAGS" )

# Headers, libraries and CMake packages only from the sysroots, never from the build host.
set( CMAKE_FIND_ROOT_PATH ${OECMAKE_FIND_ROOT_PATH} )
set( CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY )
set( CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY )
set( CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY )
set( CMAKE_FIND_ROOT_PATH_MODE_PROGRAM ${OECMAKE_FIND_ROOT_PATH_MODE_PROGRAM} )
$pkgconfig

# No RPATH pointing into the build tree survives install; the build's own RPATHs are relative.
set( CMAKE_INSTALL_RPATH "${OECMAKE_RPATH}" )
set( CMAKE_BUILD_RPATH_USE_ORIGIN ON )
set( CMAKE_LIBRARY_PATH ${libdir} ${base_libdir} )
list( APPEND CMAKE_C_IMPLICIT_INCLUDE_DIRECTORIES ${includedir} )
list( APPEND CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES ${includedir} )
EOF
	mv "${WORKDIR}/toolchain.cmake.tmp" "${WORKDIR}/toolchain.cmake"
}
do_generate_toolchain_file[dirs] = "${WORKDIR}"
do_generate_toolchain_file[doc] = "Writes the CMake toolchain file: the cross compiler, its flags, the sysroots searches are confined to"
addtask generate_toolchain_file after do_patch before do_configure

# Install directories relative to the prefix, as GNUInstallDirs wants them.
OECMAKE_ARGS = " \
    -DCMAKE_INSTALL_PREFIX:PATH=${prefix} \
    -DCMAKE_INSTALL_BINDIR:PATH=${@path.relative(d.getVar('prefix'), d.getVar('bindir'))} \
    -DCMAKE_INSTALL_SBINDIR:PATH=${@path.relative(d.getVar('prefix'), d.getVar('sbindir'))} \
    -DCMAKE_INSTALL_LIBEXECDIR:PATH=${@path.relative(d.getVar('prefix'), d.getVar('libexecdir'))} \
    -DCMAKE_INSTALL_SYSCONFDIR:PATH=${sysconfdir} \
    -DCMAKE_INSTALL_LOCALSTATEDIR:PATH=${localstatedir} \
    -DCMAKE_INSTALL_LIBDIR:PATH=${@path.relative(d.getVar('prefix'), d.getVar('libdir'))} \
    -DCMAKE_INSTALL_INCLUDEDIR:PATH=${@path.relative(d.getVar('prefix'), d.getVar('includedir'))} \
    -DCMAKE_INSTALL_DATAROOTDIR:PATH=${@path.relative(d.getVar('prefix'), d.getVar('datadir'))} \
    -DCMAKE_INSTALL_SO_NO_EXE=0 \
    -DCMAKE_TOOLCHAIN_FILE:FILEPATH=${WORKDIR}/toolchain.cmake \
    -DCMAKE_NO_SYSTEM_FROM_IMPORTED=1 \
    -DCMAKE_EXPORT_NO_PACKAGE_REGISTRY=ON \
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
    -DFETCHCONTENT_FULLY_DISCONNECTED=ON \
    "

cmake_do_configure() {
	cmake ${OECMAKE_GENERATOR_ARGS} "${OECMAKE_SOURCEPATH}" ${OECMAKE_ARGS} ${EXTRA_OECMAKE} -Wno-dev ||
		bbfatal "cmake failed (see ${B}/CMakeFiles/CMakeOutput.log and CMakeError.log)"
}

cmake_runcmake_build() {
	bbnote ${CMAKE_VERBOSE} cmake --build "${B}" ${PARALLEL_MAKE} "$@" -- ${EXTRA_OECMAKE_BUILD}
	env ${CMAKE_VERBOSE} cmake --build "${B}" ${PARALLEL_MAKE} "$@" -- ${EXTRA_OECMAKE_BUILD}
}

cmake_do_compile() {
	cmake_runcmake_build --target ${OECMAKE_TARGET_COMPILE} || bbfatal "cmake --build failed"
}

cmake_do_install() {
	if [ "${OECMAKE_TARGET_INSTALL}" = install ]; then
		DESTDIR="${D}" cmake --install "${B}" || bbfatal "cmake --install failed"
	else
		DESTDIR="${D}" cmake_runcmake_build --target ${OECMAKE_TARGET_INSTALL} || bbfatal "cmake --build --target ${OECMAKE_TARGET_INSTALL} failed"
	fi
}

# A fresh build tree for every configure: a CMakeCache.txt of earlier options must not survive.
do_configure[cleandirs] = "${B}"

EXPORT_FUNCTIONS do_configure do_compile do_install do_generate_toolchain_file
