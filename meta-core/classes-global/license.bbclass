# License texts (OE's license.bbclass): LIC_FILES_CHKSUM entries ("file://PATH;md5=…", with
# optional beginline/endline, relative to S) are checked against their md5, and copied with the
# generic text of each license named in LICENSE (from COMMON_LICENSE_DIR) into
# ${DEPLOY_DIR}/licenses/${PN}, where images collect them for their manifest.
#
# COMMON_LICENSE_DIR (meta-core/files/common-licenses, set in meta-core's layer.conf) holds the
# SPDX License List's texts, one file per SPDX identifier (scripts/gen-common-licenses.mjs). Recipes
# written for OE point at them with OE's md5s (file://${COMMON_LICENSE_DIR}/MIT;md5=0835ade6…),
# which are those of older renderings of the same texts: an entry for a whole file of
# COMMON_LICENSE_DIR is also accepted with the md5 COMMON_LICENSE_OE_MD5 lists for its name.
LICENSE_PATH ?= ""
LICSSTATEDIR = "${WORKDIR}/license-destdir"
LICENSE_DEPLOY_DIR ?= "${DEPLOY_DIR}/licenses"
COMMON_LICENSE_OE_MD5 ?= "${COMMON_LICENSE_DIR}.oe-md5"

do_populate_lic() {
	dest="${LICSSTATEDIR}/${PN}"
	mkdir -p "$dest"
	entries="${LIC_FILES_CHKSUM}"
	for entry in $entries; do
		file=$(printf '%s' "$entry" | sed 's|^file://||; s|;.*||')
		params=$(printf '%s' "$entry" | sed -n 's|^[^;]*;||p' | tr ';' ' ')
		md5= begin= end=
		for p in $params; do
			case "$p" in
			md5=*) md5=${p#md5=} ;;
			beginline=*) begin=${p#beginline=} ;;
			endline=*) end=${p#endline=} ;;
			esac
		done
		case "$file" in /*) src=$file ;; *) src="${S}/$file" ;; esac
		[ -f "$src" ] || bbfatal "${PN}: LIC_FILES_CHKSUM: $src does not exist (entry $entry)"
		sed -n "${begin:-1},${end:-\$}p" "$src" > "$dest/$(basename "$file")"
		actual=$(md5sum < "$dest/$(basename "$file")" | cut -d' ' -f1)
		[ -n "$md5" ] || bbfatal "${PN}: LIC_FILES_CHKSUM: $file has no md5= (its md5 is $actual)"
		[ "$actual" = "$md5" ] || license_oe_md5_matches "$src" "$md5" "$begin$end" ||
			bbfatal "${PN}: LIC_FILES_CHKSUM: md5 mismatch for $file: expected $md5, actual $actual (has the license text changed? check it, then update LIC_FILES_CHKSUM)"
	done
	for name in $(printf '%s' "${LICENSE}" | tr '&|()' '    '); do
		found=
		for dir in ${LICENSE_PATH} ${COMMON_LICENSE_DIR} ${COMMON_LICENSE_DIRS}; do
			if [ -f "$dir/$name" ]; then cp "$dir/$name" "$dest/generic_$name"; found=1; break; fi
		done
		[ -n "$found" ] || [ "$name" = CLOSED ] || bbwarn "${PN}: no generic text for license $name"
	done
	{
		echo "PN: ${PN}"
		echo "PV: ${PV}"
		echo "PR: ${PR}"
		echo "LICENSE: ${LICENSE}"
	} > "$dest/recipeinfo"
}
# Whether $2 is OE's md5 for the generic text $1 (a whole file of COMMON_LICENSE_DIR: $3, the
# begin/end lines, empty).
license_oe_md5_matches() {
	[ -z "$3" ] || return 1
	case "$1" in "${COMMON_LICENSE_DIR}"/*) ;; *) return 1 ;; esac
	[ -f "${COMMON_LICENSE_OE_MD5}" ] || return 1
	name=${1#"${COMMON_LICENSE_DIR}"/}
	oe=$(awk -v n="$name" '$1 == n { print $2 }' "${COMMON_LICENSE_OE_MD5}")
	[ -n "$oe" ] && [ "$oe" = "$2" ] || return 1
	bbnote "LIC_FILES_CHKSUM: $name: $2 is OE's md5 of the generic $name text"
}

# The generic license texts are looked for in LICENSE_PATH, COMMON_LICENSE_DIR, then in each
# layer's files/common-licenses.
COMMON_LICENSE_DIRS ?= "${@(d.getVar('BBPATH') || '').split(':').filter(Boolean).map((p) => p + '/files/common-licenses').join(' ')}"
do_populate_lic[cleandirs] = "${LICSSTATEDIR}"
do_populate_lic[dirs] = "${LICSSTATEDIR}"
do_populate_lic[umask] = "022"
SSTATETASKS += "do_populate_lic"
do_populate_lic[sstate-inputdirs] = "${LICSSTATEDIR}"
do_populate_lic[sstate-outputdirs] = "${LICENSE_DEPLOY_DIR}"
do_populate_lic[vardepsexclude] += "LICSSTATEDIR LICENSE_DEPLOY_DIR COMMON_LICENSE_DIRS COMMON_LICENSE_DIR COMMON_LICENSE_OE_MD5 LICENSE_PATH"
do_populate_lic[doc] = "Checks LIC_FILES_CHKSUM and collects the license texts of the recipe"
addtask populate_lic after do_patch before do_build
