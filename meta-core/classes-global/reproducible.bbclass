# Per-recipe SOURCE_DATE_EPOCH (as OE's reproducible_build class): after unpacking, the mtime of
# the newest file of the upstream sources is written to ${SDE_FILE}; the tasks that produce
# output (compile, install, package, image) read it with `sde_load` and clamp every timestamp
# they write to it. A recipe made only of file:// sources (whose mtimes are those of a git
# checkout, different in every clone) keeps SOURCE_DATE_EPOCH_FALLBACK.

SDE_FILE = "${WORKDIR}/source-date-epoch"
SOURCE_DATE_EPOCH_FALLBACK ??= "1700000000"


create_source_date_epoch_stamp() {
	sde=""
	# Only an unpacked archive has meaningful mtimes; S = UNPACKDIR means local files only.
	if [ -d "${S}" ] && [ "$(cd "${S}" && pwd -P)" != "$(cd "${UNPACKDIR}" && pwd -P)" ]; then
		sde=$(find "${S}" -path '*/.git' -prune -o -path '*/.pc' -prune -o \( -type f -o -type l \) -printf '%T@\n' 2>/dev/null \
			| cut -d. -f1 | sort -n | tail -n 1)
	fi
	[ -n "$sde" ] || sde=${SOURCE_DATE_EPOCH_FALLBACK}
	echo "$sde" > "${SDE_FILE}.tmp"
	mv "${SDE_FILE}.tmp" "${SDE_FILE}"
	bbnote "SOURCE_DATE_EPOCH=$sde"
}
do_unpack[postfuncs] += "create_source_date_epoch_stamp"
do_unpack[vardepsexclude] += "SOURCE_DATE_EPOCH_FALLBACK"

# Sets SOURCE_DATE_EPOCH in the calling shell from the recipe's stamp (the fallback without one).
sde_load() {
	if [ -r "${SDE_FILE}" ]; then
		SOURCE_DATE_EPOCH=$(cat "${SDE_FILE}")
	else
		SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH_FALLBACK}
	fi
	export SOURCE_DATE_EPOCH
	# Whatever a tool would otherwise take from the host.
	export KBUILD_BUILD_TIMESTAMP="$(date -u -d @$SOURCE_DATE_EPOCH '+%a %b %e %H:%M:%S UTC %Y')"
	export KBUILD_BUILD_USER=bake KBUILD_BUILD_HOST=bake KCONFIG_NOTIMESTAMP=1
	export TZ=UTC LC_ALL=C
}

# Every timestamp under $1 later than SOURCE_DATE_EPOCH is set to it (symlinks themselves too).
sde_clamp_tree() {
	find "$1" -newermt "@$SOURCE_DATE_EPOCH" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} + 2>/dev/null || true
}
