# pkg-config for recipes (OE's pkgconfig.bbclass): the build host's pkg-config (pkgconf on Debian),
# behind a wrapper that looks only in this recipe's sysroot. OE builds pkgconf-native instead;
# bake uses the host's, and the wrapper is what keeps its answers independent of the host: the
# host's own .pc directories are never searched (PKG_CONFIG_LIBDIR replaces them, not adds to
# them), and every -I/-L it prints is prefixed with the sysroot (PKG_CONFIG_SYSROOT_DIR).
#
# The wrapper sets its environment itself rather than trusting the caller's, because build
# systems run pkg-config with environments of their own (meson clears PKG_CONFIG_PATH for native
# lookups, some configure scripts reset it). It is ${PKG_CONFIG_WRAPPER_DIR}/pkg-config and
# ${HOST_PREFIX}pkg-config (the name autoconf's PKG_PROG_PKG_CONFIG looks for first when cross
# compiling), first in PATH, and ${PKG_CONFIG} for the build systems that read that.
# pkg-config-native in the same directory answers for the build machine from recipe-sysroot-native.

HOSTTOOLS += "pkg-config"

PKG_CONFIG_WRAPPER_DIR = "${WORKDIR}/pkgconfig-wrapper"
# The sysroot whose .pc files describe what this recipe links against: the target sysroot, or
# the native one for recipes that build for the build host.
PKG_CONFIG_SYSROOT ?= "${RECIPE_SYSROOT}"
PKG_CONFIG_SYSROOT:class-native = "${RECIPE_SYSROOT_NATIVE}"
PKG_CONFIG_SYSROOT:class-cross = "${RECIPE_SYSROOT_NATIVE}"

export PKG_CONFIG_PATH = ""
export PKG_CONFIG_LIBDIR = "${PKG_CONFIG_SYSROOT}${libdir}/pkgconfig:${PKG_CONFIG_SYSROOT}${datadir}/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR = "${PKG_CONFIG_SYSROOT}"
export PKG_CONFIG_DISABLE_UNINSTALLED = "yes"
# The sysroot's own library and include directories are the compiler's defaults there: pkg-config
# leaves them out of --libs and --cflags, as it leaves /usr/lib out on a native build.
export PKG_CONFIG_SYSTEM_LIBRARY_PATH = "${PKG_CONFIG_SYSROOT}${base_libdir}:${PKG_CONFIG_SYSROOT}${libdir}"
export PKG_CONFIG_SYSTEM_INCLUDE_PATH = "${PKG_CONFIG_SYSROOT}${includedir}"
export PKG_CONFIG = "${PKG_CONFIG_WRAPPER_DIR}/pkg-config"
PATH:prepend = "${PKG_CONFIG_WRAPPER_DIR}:"

# Writes one wrapper: $1 its path, $2 the sysroot it looks in. The host's pkg-config is found in
# HOSTTOOLS_PATH by the wrapper at run time, never through PATH (which has the wrapper first).
pkgconfig_write_wrapper() {
	cat > "$1" <<EOF
#!/bin/sh
# Written by bake's pkgconfig class for ${PN}: pkg-config that sees only $2.
PKG_CONFIG_PATH=
PKG_CONFIG_LIBDIR="$2${libdir}/pkgconfig:$2${datadir}/pkgconfig"
PKG_CONFIG_SYSROOT_DIR="$2"
PKG_CONFIG_DISABLE_UNINSTALLED=yes
PKG_CONFIG_SYSTEM_LIBRARY_PATH="$2${base_libdir}:$2${libdir}"
PKG_CONFIG_SYSTEM_INCLUDE_PATH="$2${includedir}"
export PKG_CONFIG_PATH PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_DISABLE_UNINSTALLED
export PKG_CONFIG_SYSTEM_LIBRARY_PATH PKG_CONFIG_SYSTEM_INCLUDE_PATH
search="${HOSTTOOLS_PATH}"
IFS=:
for dir in \$search; do
	if [ -x "\$dir/pkg-config" ]; then
		unset IFS
		exec "\$dir/pkg-config" "\$@"
	fi
done
echo "pkg-config: not found in HOSTTOOLS_PATH (${HOSTTOOLS_PATH})" >&2
exit 127
EOF
	chmod 0755 "$1"
}

pkgconfig_write_wrappers() {
	mkdir -p "${PKG_CONFIG_WRAPPER_DIR}"
	pkgconfig_write_wrapper "${PKG_CONFIG_WRAPPER_DIR}/pkg-config" "${PKG_CONFIG_SYSROOT}"
	if [ -n "${HOST_PREFIX}" ]; then
		ln -sf pkg-config "${PKG_CONFIG_WRAPPER_DIR}/${HOST_PREFIX}pkg-config"
	fi
	pkgconfig_write_wrapper "${PKG_CONFIG_WRAPPER_DIR}/pkg-config-native" "${RECIPE_SYSROOT_NATIVE}"
}
# Written before configure runs, and again before each later task that may call pkg-config (a
# rerun of compile alone must not find a wrapper of an older sysroot path).
do_configure[prefuncs] += "pkgconfig_write_wrappers"
do_compile[prefuncs] += "pkgconfig_write_wrappers"
do_install[prefuncs] += "pkgconfig_write_wrappers"
