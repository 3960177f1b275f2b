SUMMARY = "The cross compiler as an icecream environment, which icecc sends to the nodes of a cluster"
DESCRIPTION = "bake's own ${TARGET_SYS} gcc, its cc1 and assembler and the host libraries they load, \
packed by icecc-create-env into the tarball icecc.bbclass compiles with on every node."
# What the tarball holds: gcc, binutils' assembler, the host C library.
LICENSE = "GPL-3.0-with-GCC-exception & GPL-3.0-only & LGPL-2.1-or-later"

# A tool for the build host, as the compiler it packs: built once per TARGET_SYS, never packaged.
inherit cross icecc

PN = "icecc-env-${TARGET_ARCH}"
DEPENDS = "virtual/${TARGET_PREFIX}gcc virtual/${TARGET_PREFIX}binutils"
# icecc-create-env is Debian's (package icecc), a bash script that also runs file, ldd and ldconfig.
HOSTTOOLS += "${@d.getVar('ICECC_ENV_EXEC').includes('/') ? '' : d.getVar('ICECC_ENV_EXEC')} bash file ldd"

do_configure[noexec] = "1"
do_compile[noexec] = "1"
do_install[noexec] = "1"

ICECC_ENV_STAGING = "${WORKDIR}/icecc-env"

# icecc-create-env names the tarball after the MD5 of the files in it (so two compilers never share
# a name on a node), but writes their build-host mtimes and owners: the same files are packed
# again with those fixed, so the same toolchain on the same host gives the same bytes.
do_icecc_env() {
	gcc="${RECIPE_SYSROOT_NATIVE}${bindir}/${TARGET_PREFIX}gcc"
	[ -x "$gcc" ] || bbfatal "icecc-env: no cross compiler at $gcc"
	# icecc-create-env insists on a g++; a C-only toolchain gives its gcc, and a C++ job whose
	# remote compile then fails is compiled again locally by icecc.
	gxx="${RECIPE_SYSROOT_NATIVE}${bindir}/${TARGET_PREFIX}g++"
	[ -x "$gxx" ] || gxx="$gcc"
	made="${WORKDIR}/icecc-create-env"
	rm -rf "$made"
	mkdir -p "$made/tree"
	cd "$made"
	${ICECC_ENV_EXEC} --gcc "$gcc" "$gxx" > "$made/log" 2>&1 || { cat "$made/log"; bbfatal "icecc-env: ${ICECC_ENV_EXEC} failed"; }
	cat "$made/log"
	tarball=$(sed -n 's/^creating \(.*\.tar\.gz\)$/\1/p' "$made/log")
	[ -n "$tarball" ] && [ -f "$tarball" ] || bbfatal "icecc-env: ${ICECC_ENV_EXEC} named no tarball"
	tar -C tree -xzf "$tarball"
	(cd tree && find . -mindepth 1 -maxdepth 1 | sed 's#^\./##' | LC_ALL=C sort) > members
	tar -C tree --sort=name --format=gnu --numeric-owner --owner=0 --group=0 --mtime="@${SOURCE_DATE_EPOCH}" \
		-cf - -T members | gzip -6n > "${ICECC_ENV_STAGING}/$tarball"
	bbnote "icecc-env: ${ICECC_ENV_STAGING}/$tarball"
}
do_icecc_env[dirs] = "${WORKDIR}"
do_icecc_env[cleandirs] = "${ICECC_ENV_STAGING}"
SSTATETASKS += "do_icecc_env"
do_icecc_env[sstate-inputdirs] = "${ICECC_ENV_STAGING}"
do_icecc_env[sstate-outputdirs] = "${ICECC_ENV_DIR}"
do_icecc_env[doc] = "Packs the cross compiler into an icecream environment (ICECC_ENV_DIR)"
addtask icecc_env after do_prepare_recipe_sysroot before do_build
