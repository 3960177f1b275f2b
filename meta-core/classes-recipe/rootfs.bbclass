# Assembling a root filesystem from packages (OE's rootfs.py, for bake's tar packages): the
# runtime closure of PACKAGE_INSTALL through the RDEPENDS in ${PKGDATA_DIR} (static ones and
# those found from ELF NEEDED entries), each package's tar unpacked in name order, then the
# permissions table. Writes the manifest: one "package version license" line per package.

PACKAGE_INSTALL ?= ""
IMAGE_ROOTFS ?= "${WORKDIR}/rootfs"
IMAGE_MANIFEST_FILE = "${WORKDIR}/${IMAGE_NAME}.manifest"
# Tables of "path mode owner group" lines, looked for along BBPATH; later lines win.
FILESYSTEM_PERMS_TABLES ?= "files/fs-perms.txt"

# The package that is or RPROVIDES runtime name $1.
rootfs_resolve_package() {
	if [ -f "${PKGDATA_DIR}/runtime/$1" ]; then echo "$1"; return 0; fi
	if [ -d "${PKGDATA_DIR}/runtime-rprovides/$1" ]; then
		ls "${PKGDATA_DIR}/runtime-rprovides/$1" | LC_ALL=C sort | head -n 1
		return 0
	fi
	return 1
}

# The runtime closure of the names given, one package per line, sorted.
rootfs_package_closure() {
	todo="$*"
	done_list=" "
	while [ -n "$(echo $todo)" ]; do
		next=""
		for name in $todo; do
			pkg=$(rootfs_resolve_package "$name") || bbfatal "nothing provides '$name' (needed by the image or a package in it): is the recipe that builds it in the image's dependencies?"
			case "$done_list" in *" $pkg "*) continue ;; esac
			done_list="$done_list$pkg "
			next="$next $(sed -n 's/^RDEPENDS: //p' "${PKGDATA_DIR}/runtime/$pkg")"
		done
		todo=$next
	done
	printf '%s\n' $done_list | LC_ALL=C sort
}

# The value of KEY in package $1's pkgdata.
rootfs_pkgdata() {
	sed -n "s/^$2: //p" "${PKGDATA_DIR}/runtime/$1"
}

rootfs_install_packages() {
	: > "${IMAGE_MANIFEST_FILE}"
	for pkg in $(rootfs_package_closure ${PACKAGE_INSTALL}); do
		v=$(rootfs_pkgdata $pkg PKGV)-$(rootfs_pkgdata $pkg PKGR)
		archive="${DEPLOY_DIR_TAR}/${PACKAGE_ARCH}/${pkg}_${v}_${PACKAGE_ARCH}.tar"
		if [ "$(rootfs_pkgdata $pkg EMPTY)" = 1 ]; then
			continue
		fi
		[ -f "$archive" ] || archive=$(ls "${DEPLOY_DIR_TAR}"/*/"${pkg}_${v}_"*.tar 2>/dev/null | head -n 1)
		[ -f "$archive" ] || bbfatal "package $pkg ($v) has no archive in ${DEPLOY_DIR_TAR}"
		bbnote "installing $pkg $v"
		tar --extract --file="$archive" --directory="${IMAGE_ROOTFS}" --no-same-owner --same-permissions --keep-directory-symlink
		printf '%s %s %s\n' "$pkg" "$v" "$(rootfs_pkgdata $pkg LICENSE)" >> "${IMAGE_MANIFEST_FILE}"
	done
}

# Modes and owners do not depend on the builder's umask: write bits for group and others go,
# then the permissions tables set what they list. Ownership is root:root throughout (the
# archive writers record it; see image.bbclass), so owner/group other than root are refused.
rootfs_apply_permissions() {
	chmod -R go-w "${IMAGE_ROOTFS}"
	for table in ${FILESYSTEM_PERMS_TABLES}; do
		found=
		for dir in $(echo "${BBPATH}" | tr ':' ' '); do
			[ -f "$dir/$table" ] && found="$found $dir/$table"
		done
		[ -n "$found" ] || bbfatal "permissions table $table not found along BBPATH"
		for file in $found; do
			rootfs_apply_permissions_table "$file"
		done
	done
}

rootfs_apply_permissions_table() {
	grep -v '^[[:space:]]*\(#\|$\)' "$1" | while read -r p mode owner group flags; do
		target="${IMAGE_ROOTFS}$p"
		case "${owner:-root}:${group:-root}" in
		root:root|0:0) ;;
		*) bbfatal "$1: $p: owner $owner:$group: images are root:root only" ;;
		esac
		case "$flags" in
		create) [ -e "$target" ] || mkdir -p "$target" ;;
		esac
		[ -e "$target" ] || continue
		chmod "$mode" "$target"
	done
}

do_rootfs() {
	sde_load
	rm -rf "${IMAGE_ROOTFS}"
	mkdir -p "${IMAGE_ROOTFS}"
	rootfs_install_packages
	rootfs_apply_permissions
	for cmd in ${ROOTFS_POSTPROCESS_COMMAND}; do
		$cmd
	done
	sde_clamp_tree "${IMAGE_ROOTFS}"
}
do_rootfs[umask] = "022"
# The functions named in ROOTFS_POSTPROCESS_COMMAND are called through the variable: named as
# dependencies, they are in the task's script and its signature (OE sets the same through vardeps).
do_rootfs[vardeps] += "${ROOTFS_POSTPROCESS_COMMAND}"
do_rootfs[vardepsexclude] += "IMAGE_ROOTFS IMAGE_MANIFEST_FILE PKGDATA_DIR DEPLOY_DIR_TAR"
do_rootfs[doc] = "Installs the image's packages and their runtime dependencies into IMAGE_ROOTFS"
ROOTFS_POSTPROCESS_COMMAND ?= ""
ROOTFS_POSTPROCESS_COMMAND += "rootfs_add_sysusers"
# Users and groups of useradd packages, the rc links of update-rc.d packages, root's SSH keys.
inherit rootfs-useradd rootfs-initscripts rootfs-authorized-keys

# Users the image's packages declare in ${libdir}/sysusers.d/*.conf (systemd-sysusers format;
# "u NAME UID[:GID] "GECOS" HOME SHELL" and "g NAME GID" lines), added to the passwd, group and
# shadow files base-passwd installed. Existing names are left alone. Password fields are locked,
# the shadow date is SOURCE_DATE_EPOCH's day: the result depends on nothing but the packages.
rootfs_add_sysusers() {
	etc="${IMAGE_ROOTFS}${sysconfdir}"
	day=$(( SOURCE_DATE_EPOCH / 86400 ))
	for conf in $(ls "${IMAGE_ROOTFS}${libdir}/sysusers.d/"*.conf 2>/dev/null | LC_ALL=C sort); do
		grep -v '^[[:space:]]*\(#\|$\)' "$conf" | while read -r line; do
			printf '%s\n' "$line" | grep -Eq '^[ug] [a-z_][a-z0-9_-]* [0-9]+(:[0-9]+)?( "[^"$`\\]*"( [^ "$`\\]+){0,2})?$' ||
				bbfatal "$conf: not a supported sysusers line: $line"
			eval "set -- $line"
			type=$1 name=$2 id=$3 gecos=${4:-} home=${5:-/} shell=${6:-/bin/false}
			uid=${id%%:*} gid=${id#*:}
			if [ "$type" = g ] || [ "$type" = u ]; then
				grep -q "^$name:" "$etc/group" || printf '%s:x:%s:\n' "$name" "$gid" >> "$etc/group"
			fi
			if [ "$type" = u ] && ! grep -q "^$name:" "$etc/passwd"; then
				printf '%s:x:%s:%s:%s:%s:%s\n' "$name" "$uid" "$gid" "$gecos" "$home" "$shell" >> "$etc/passwd"
				printf '%s:!:%s:0:99999:7:::\n' "$name" "$day" >> "$etc/shadow"
				bbnote "sysusers: user $name ($uid:$gid) from $(basename "$conf")"
			fi
		done
	done
}
