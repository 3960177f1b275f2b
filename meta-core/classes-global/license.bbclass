# License texts (OE's license.bbclass): LIC_FILES_CHKSUM entries ("file://PATH;md5=…", with
# optional beginline/endline, relative to S) are checked against their md5, and copied with the
# generic text of each license named in LICENSE (from COMMON_LICENSE_DIR) into
# ${DEPLOY_DIR}/licenses/${PN}, where images collect them for their manifest.
LICENSE_PATH ?= ""
LICSSTATEDIR = "${WORKDIR}/license-destdir"
LICENSE_DEPLOY_DIR ?= "${DEPLOY_DIR}/licenses"

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
		[ -f "$src" ] || bbfatal "LIC_FILES_CHKSUM: $file does not exist in ${S}"
		sed -n "${begin:-1},${end:-\$}p" "$src" > "$dest/$(basename "$file")"
		actual=$(md5sum < "$dest/$(basename "$file")" | cut -d' ' -f1)
		[ -n "$md5" ] || bbfatal "LIC_FILES_CHKSUM: $file has no md5 (it is $actual)"
		[ "$actual" = "$md5" ] || bbfatal "LIC_FILES_CHKSUM: the md5 of $file is $actual, not $md5: has the license changed?"
	done
	for name in $(printf '%s' "${LICENSE}" | tr '&|()' '    '); do
		found=
		for dir in ${LICENSE_PATH} ${COMMON_LICENSE_DIRS}; do
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
# The generic license texts are looked for in each layer's files/common-licenses.
COMMON_LICENSE_DIRS ?= "${@(d.getVar('BBPATH') || '').split(':').filter(Boolean).map((p) => p + '/files/common-licenses').join(' ')}"
do_populate_lic[cleandirs] = "${LICSSTATEDIR}"
do_populate_lic[dirs] = "${LICSSTATEDIR}"
do_populate_lic[umask] = "022"
SSTATETASKS += "do_populate_lic"
do_populate_lic[sstate-inputdirs] = "${LICSSTATEDIR}"
do_populate_lic[sstate-outputdirs] = "${LICENSE_DEPLOY_DIR}"
do_populate_lic[vardepsexclude] += "LICSSTATEDIR LICENSE_DEPLOY_DIR COMMON_LICENSE_DIRS LICENSE_PATH"
do_populate_lic[doc] = "Checks LIC_FILES_CHKSUM and collects the license texts of the recipe"
addtask populate_lic after do_patch before do_build
