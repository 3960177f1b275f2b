# Splitting what a recipe installs into packages (OE's package.bbclass, in shell):
#   do_package           ${D} -> ${PKGD} (debug info split off, binaries stripped) -> one
#                        directory per package under ${PKGDEST}, taken by FILES:<pkg> in PACKAGES
#                        order (the first package to claim a path owns it); shared-library
#                        dependencies from ELF NEEDED entries; per-package data in ${PKGDESTWORK}
#   do_packagedata       publishes that data in ${PKGDATA_DIR} (what images and later recipes read)
#   do_package_write_tar one deterministic tar per non-empty package in ${DEPLOY_DIR_TAR}
inherit reproducible license

PACKAGES ?= "${PN}-dbg ${PN}-staticdev ${PN}-dev ${PN}-doc ${PN}-locale ${PACKAGE_BEFORE_PN} ${PN}"
PACKAGE_BEFORE_PN ?= ""
PKGV ?= "${PV}"
PKGR ?= "${PR}"

FILES:${PN} ?= "${bindir}/* ${sbindir}/* ${libexecdir}/* ${libdir}/lib*.so.* ${sysconfdir} \
    ${localstatedir} ${base_bindir}/* ${base_sbindir}/* ${base_libdir}/*.so.* ${base_libdir}/ld-*.so* \
    ${datadir}/${BPN} ${libdir}/${BPN}/* ${datadir}/pixmaps ${datadir}/applications ${datadir}/idl \
    ${datadir}/omf ${datadir}/sounds ${libdir}/bonobo/servers /init"
FILES:${PN}-dbg ?= "/usr/lib/debug /usr/src/debug"
FILES:${PN}-dev ?= "${includedir} ${libdir}/lib*.so ${base_libdir}/lib*.so ${libdir}/*.la ${libdir}/*.o \
    ${libdir}/pkgconfig ${datadir}/pkgconfig ${datadir}/aclocal ${base_libdir}/*.o ${libdir}/cmake ${datadir}/cmake"
FILES:${PN}-staticdev ?= "${libdir}/*.a ${base_libdir}/*.a"
FILES:${PN}-doc ?= "${docdir} ${mandir} ${datadir}/info ${datadir}/gtk-doc ${datadir}/man"
FILES:${PN}-locale ?= "${datadir}/locale"
RDEPENDS:${PN}-dev ?= "${PN}"
RDEPENDS:${PN}-staticdev ?= "${PN}-dev"
ALLOW_EMPTY:${PN} ?= ""

PKGD = "${WORKDIR}/package"
PKGDEST = "${WORKDIR}/packages-split"
PKGDESTWORK = "${WORKDIR}/pkgdata-work"
PKGDATA_DIR ?= "${TMPDIR}/pkgdata/${MACHINE}"
DEPLOY_DIR_TAR ?= "${DEPLOY_DIR}/tar"
PKGWRITEDIRTAR = "${WORKDIR}/deploy-tars"

# Binutils of the target (the cross toolchain's); the build host's would do for a same-arch
# target but would make the output depend on the host.
PACKAGE_OBJCOPY ?= "${TARGET_PREFIX}objcopy"
PACKAGE_STRIP ?= "${TARGET_PREFIX}strip"
PACKAGE_READELF ?= "${TARGET_PREFIX}readelf"
INHIBIT_PACKAGE_STRIP ?= ""
INHIBIT_PACKAGE_DEBUG_SPLIT ?= ""

# Whether a file is an ELF object (the 4 magic bytes).
package_is_elf() {
	[ -f "$1" ] && [ ! -L "$1" ] && [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]
}

# The tool named $1, or its host equivalent $2 where the cross one is missing (a note says so).
package_tool() {
	if command -v "$1" >/dev/null 2>&1; then echo "$1"; else bbnote "using host $2 ($1 not found)" >&2; echo "$2"; fi
}

# Debug info of every ELF file into ${PKGD}/usr/lib/debug/<path>.debug (linked back with
# .gnu_debuglink, whose CRC is of the debug file: deterministic), then the file is stripped.
split_and_strip_files() {
	[ "${INHIBIT_PACKAGE_STRIP}" = "1" ] && return 0
	objcopy=$(package_tool ${PACKAGE_OBJCOPY} objcopy)
	strip=$(package_tool ${PACKAGE_STRIP} strip)
	cd "${PKGD}"
	find . -path ./usr/lib/debug -prune -o -type f -print | LC_ALL=C sort | while read -r f; do
		package_is_elf "$f" || continue
		rel=${f#.}
		case "$rel" in *.a|*.o|/lib/modules/*) continue ;; esac
		if [ "${INHIBIT_PACKAGE_DEBUG_SPLIT}" != "1" ]; then
			dbg="./usr/lib/debug$rel.debug"
			mkdir -p "$(dirname "$dbg")"
			$objcopy --only-keep-debug "$f" "$dbg"
			chmod 0644 "$dbg"
		fi
		mode=$(stat -c %a "$f")
		chmod u+w "$f"
		$strip --remove-section=.comment --remove-section=.note --strip-unneeded "$f"
		if [ "${INHIBIT_PACKAGE_DEBUG_SPLIT}" != "1" ]; then
			(cd "$(dirname "$dbg")" && $objcopy --add-gnu-debuglink="$(basename "$dbg")" "${PKGD}$rel")
		fi
		chmod "$mode" "$f"
	done
	cd - >/dev/null
}

# Moves what FILES:<pkg> names from ${PKGD} into ${PKGDEST}/<pkg>, in PACKAGES order.
split_packages() {
	cd "${PKGD}"
	for pkg in ${PACKAGES}; do
		mkdir -p "${PKGDEST}/$pkg"
		files=$(package_files_of $pkg)
		for pattern in $files; do
			# The glob expands here, relative to PKGD; a pattern matching nothing stays literal.
			for f in .$pattern; do
				[ -e "$f" ] || [ -L "$f" ] || continue
				mkdir -p "${PKGDEST}/$pkg/$(dirname "$f")"
				mv "$f" "${PKGDEST}/$pkg/$f"
			done
		done
	done
	cd - >/dev/null
	left=$(cd "${PKGD}" && find . ! -type d | LC_ALL=C sort)
	if [ -n "$left" ]; then
		bbwarn "${PN}: files installed but not shipped in any package:"
		echo "$left" | sed 's/^\./  /'
	fi
}

# Shared libraries (SONAMEs) each package provides, and its NEEDED entries mapped to packages:
# first this recipe's own packages, then the shlib lists published by the recipes in its sysroot.
package_shlibs() {
	readelf=$(package_tool ${PACKAGE_READELF} readelf)
	for pkg in ${PACKAGES}; do
		: > "${PKGDESTWORK}/shlibs/$pkg.list"
		: > "${PKGDESTWORK}/needed/$pkg"
		(cd "${PKGDEST}/$pkg" && find . -type f | LC_ALL=C sort) | while read -r f; do
			package_is_elf "${PKGDEST}/$pkg/$f" || continue
			$readelf -d "${PKGDEST}/$pkg/$f" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p' >> "${PKGDESTWORK}/shlibs/$pkg.list"
			$readelf -d "${PKGDEST}/$pkg/$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' >> "${PKGDESTWORK}/needed/$pkg"
		done
		# The dynamic loader provides itself.
		(cd "${PKGDEST}/$pkg" && find . -name 'ld-*.so*' | sed 's|.*/||') >> "${PKGDESTWORK}/shlibs/$pkg.list"
		LC_ALL=C sort -u -o "${PKGDESTWORK}/shlibs/$pkg.list" "${PKGDESTWORK}/shlibs/$pkg.list"
		LC_ALL=C sort -u -o "${PKGDESTWORK}/needed/$pkg" "${PKGDESTWORK}/needed/$pkg"
	done
}

# The package providing SONAME $1: this recipe's, else one from the sysroot's pkgdata.
package_shlib_provider() {
	for list in "${PKGDESTWORK}"/shlibs/*.list "${PKGDATA_DIR}"/shlibs/*.list; do
		[ -f "$list" ] || continue
		if grep -qxF "$1" "$list"; then basename "$list" .list; return 0; fi
	done
	return 1
}

# Per-package values as tables the shell can read, one "PKG VALUE…" line per package: built at
# parse time (package names are only known then), and referenced by name, so they are part of
# the tasks' signatures.
js () {
    const pkgs = (d.getVar('PACKAGES') || '').split(/\s+/).filter(Boolean);
    const table = (name) => pkgs.map((p) => (p + ' ' + (d.getVar(name + ':' + p) || '')).trim()).join('\n');
    d.setVar('PACKAGE_FILES_TABLE', table('FILES'));
    d.setVar('PACKAGE_RDEPENDS_TABLE', table('RDEPENDS'));
    d.setVar('PACKAGE_RPROVIDES_TABLE', table('RPROVIDES'));
    d.setVar('PACKAGE_ALLOW_EMPTY_TABLE', table('ALLOW_EMPTY'));
    d.setVar('PACKAGE_LICENSE_TABLE', pkgs.map((p) => p + ' ' + (d.getVar('LICENSE:' + p) || d.getVar('LICENSE') || 'CLOSED')).join('\n'));
    // Recipes that build for the build host are not packaged.
    const cls = d.getVar('CLASSOVERRIDE') || '';
    if (cls === 'class-native' || cls === 'class-cross' || cls === 'class-crosssdk' || pkgs.length === 0) {
        for (const t of ['do_package', 'do_packagedata', 'do_package_write_tar']) d.setVarFlag(t, 'noexec', '1');
    }
    // Build-host recipes need no SOURCE_DATE_EPOCH of their own: their signatures stay what they
    // are without this class, so the toolchain's shared state is not invalidated by it.
    // The shared libraries a package needs are looked up in the pkgdata of the recipes it depends
    // on: theirs must be published first (OE adds the same dependency).
    if (cls === 'class-target') {
        d.setVarFlag('do_package', 'deptask', ((d.getVarFlag('do_package', 'deptask') || '') + ' do_packagedata').trim());
    }
    if (cls !== 'class-target') {
        const post = (d.getVarFlag('do_unpack', 'postfuncs') || '').split(/\s+/).filter((f) => f && f !== 'create_source_date_epoch_stamp');
        d.setVarFlag('do_unpack', 'postfuncs', post.join(' '));
    }
}

# The value of table $1 for package $2.
package_table() {
	printf '%s\n' "$1" | while read -r name value; do
		if [ "$name" = "$2" ]; then printf '%s\n' "$value"; break; fi
	done
}

split_packages() {
	cd "${PKGD}"
	for pkg in ${PACKAGES}; do
		mkdir -p "${PKGDEST}/$pkg"
		patterns=$(package_table "${PACKAGE_FILES_TABLE}" $pkg)
		# The patterns are globs relative to PKGD: not expanded as they are split (that would
		# match the build host's /usr/bin…), only below, with "." in front.
		set -f
		for pattern in $patterns; do
			set +f
			for f in .$pattern; do
				[ -e "$f" ] || [ -L "$f" ] || continue
				mkdir -p "${PKGDEST}/$pkg/$(dirname "$f")"
				mv "$f" "${PKGDEST}/$pkg/$f"
			done
			set -f
		done
		set +f
	done
	left=$(find . ! -type d | LC_ALL=C sort)
	if [ -n "$left" ]; then
		bbwarn "${PN}: files installed but not shipped in any package:"
		printf '%s\n' "$left" | sed 's/^\./  /'
	fi
	cd - >/dev/null
}

# pkgdata of each package: a small "KEY: value" file, the shlibs it provides, its file list.
write_pkgdata() {
	for pkg in ${PACKAGES}; do
		rdeps=$(package_table "${PACKAGE_RDEPENDS_TABLE}" $pkg | sed 's/([^)]*)//g')
		for soname in $(cat "${PKGDESTWORK}/needed/$pkg"); do
			provider=$(package_shlib_provider "$soname") || { bbwarn "$pkg: no package provides $soname (NEEDED)"; continue; }
			[ "$provider" = "$pkg" ] || rdeps="$rdeps $provider"
		done
		rdeps=$(printf '%s\n' $rdeps | LC_ALL=C sort -u | tr '\n' ' ' | sed 's/ *$//')
		files=$(cd "${PKGDEST}/$pkg" && find . ! -type d | LC_ALL=C sort | sed 's/^\.//')
		empty=0
		if [ -z "$files" ]; then
			empty=1
			[ "$(package_table "${PACKAGE_ALLOW_EMPTY_TABLE}" $pkg)" = "1" ] && empty=0
		fi
		size=$(cd "${PKGDEST}/$pkg" && find . -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
		{
			echo "PN: ${PN}"
			echo "PKG: $pkg"
			echo "PKGV: ${PKGV}"
			echo "PKGR: ${PKGR}"
			echo "LICENSE: $(package_table "${PACKAGE_LICENSE_TABLE}" $pkg)"
			echo "RDEPENDS: $rdeps"
			echo "RPROVIDES: $(package_table "${PACKAGE_RPROVIDES_TABLE}" $pkg)"
			echo "PKGSIZE: $size"
			echo "EMPTY: $empty"
		} > "${PKGDESTWORK}/runtime/$pkg"
		printf '%s\n' "$files" | sed '/^$/d' > "${PKGDESTWORK}/files/$pkg"
		for name in $(package_table "${PACKAGE_RPROVIDES_TABLE}" $pkg); do
			mkdir -p "${PKGDESTWORK}/runtime-rprovides/$name"
			touch "${PKGDESTWORK}/runtime-rprovides/$name/$pkg"
		done
	done
}

do_package() {
	sde_load
	rm -rf "${PKGD}" "${PKGDEST}"
	mkdir -p "${PKGD}" "${PKGDEST}"
	cp -pPR "${D}/." "${PKGD}/"
	split_and_strip_files
	split_packages
	mkdir -p "${PKGDESTWORK}/shlibs" "${PKGDESTWORK}/needed" "${PKGDESTWORK}/runtime" "${PKGDESTWORK}/files"
	package_shlibs
	write_pkgdata
	sde_clamp_tree "${PKGDEST}"
}
do_package[cleandirs] = "${PKGDESTWORK}"
do_package[dirs] = "${PKGDESTWORK}"
do_package[umask] = "022"
do_package[vardepsexclude] += "PKGD PKGDEST PKGDESTWORK PKGDATA_DIR"
do_package[doc] = "Splits the installed files into packages, strips binaries, finds shared-library dependencies"
addtask package after do_install

# Published for the image and for recipes that link against this one (the shlib lists): bake
# installs ${PKGDATA_WORKDIR} into ${PKGDATA_DIR}, whether the task ran or was restored.
PKGDATA_WORKDIR = "${WORKDIR}/pkgdata-sysroot"
do_packagedata() {
	cp -pPR "${PKGDESTWORK}/runtime" "${PKGDESTWORK}/shlibs" "${PKGDESTWORK}/files" "${PKGDATA_WORKDIR}/"
	[ ! -d "${PKGDESTWORK}/runtime-rprovides" ] || cp -pPR "${PKGDESTWORK}/runtime-rprovides" "${PKGDATA_WORKDIR}/"
}
do_packagedata[cleandirs] = "${PKGDATA_WORKDIR}"
do_packagedata[dirs] = "${PKGDATA_WORKDIR}"
SSTATETASKS += "do_packagedata"
do_packagedata[sstate-inputdirs] = "${PKGDATA_WORKDIR}"
do_packagedata[sstate-outputdirs] = "${PKGDATA_DIR}"
do_packagedata[vardepsexclude] += "PKGDESTWORK PKGDATA_WORKDIR PKGDATA_DIR"
do_packagedata[doc] = "Publishes the package data of this recipe in PKGDATA_DIR"
addtask packagedata after do_package

# A package archive: sorted members, owner root:root, mtimes clamped to SOURCE_DATE_EPOCH.
package_tar_create() {
	tar --create --file="$2" --directory="$1" --format=gnu --sort=name --numeric-owner --owner=0 --group=0 \
		--mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime --no-acls --no-xattrs --no-selinux .
}

do_package_write_tar() {
	sde_load
	rm -rf "${PKGWRITEDIRTAR}"
	mkdir -p "${PKGWRITEDIRTAR}/${PACKAGE_ARCH}"
	for pkg in ${PACKAGES}; do
		grep -qx 'EMPTY: 0' "${PKGDESTWORK}/runtime/$pkg" || continue
		package_tar_create "${PKGDEST}/$pkg" "${PKGWRITEDIRTAR}/${PACKAGE_ARCH}/${pkg}_${PKGV}-${PKGR}_${PACKAGE_ARCH}.tar"
	done
}
do_package_write_tar[umask] = "022"
SSTATETASKS += "do_package_write_tar"
do_package_write_tar[sstate-inputdirs] = "${PKGWRITEDIRTAR}"
do_package_write_tar[sstate-outputdirs] = "${DEPLOY_DIR_TAR}"
do_package_write_tar[vardepsexclude] += "PKGD PKGDEST PKGDESTWORK PKGWRITEDIRTAR DEPLOY_DIR_TAR"
do_package_write_tar[doc] = "Writes a tar archive of each non-empty package into DEPLOY_DIR_TAR"
addtask package_write_tar after do_packagedata before do_build
