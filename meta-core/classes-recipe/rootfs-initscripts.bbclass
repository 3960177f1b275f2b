# The SysV start and stop links of the image's init scripts (update-rc.d.bbclass puts each
# package's INITSCRIPT_NAME and INITSCRIPT_PARAMS in pkgdata): what `update-rc.d -r ROOTFS NAME
# PARAMS` does in OE's postinst, done by the rootfs. Links are /etc/rcN.d/{S,K}NNname ->
# ../init.d/name; initscripts' rcS runs rcS.d and then rc5.d's S links at boot, its rcK the rc0.d
# K links at shutdown.

ROOTFS_POSTPROCESS_COMMAND += "rootfs_update_rc_d"

# Links for script $1 from update-rc.d parameters $2…: "defaults [NN | SS KK]" or
# "start NN LEVEL… . stop NN LEVEL… ." (in any number and order).
rootfs_update_rc_d_links() {
	name=$1
	shift
	etc="${IMAGE_ROOTFS}${sysconfdir}"
	[ -f "$etc/init.d/$name" ] || bbfatal "update-rc.d: $ROOTFS_PKG: ${sysconfdir}/init.d/$name is not in the image"
	case "$1" in
	defaults)
		[ $# -le 3 ] || bbfatal "update-rc.d: $ROOTFS_PKG: defaults takes at most two sequence numbers: $*"
		start=${2:-20}
		stop=${3:-$start}
		set -- start "$start" 2 3 4 5 . stop "$stop" 0 1 6 .
		;;
	start|stop) ;;
	*) bbfatal "update-rc.d: $ROOTFS_PKG: INITSCRIPT_PARAMS '$*': not 'defaults' nor 'start|stop NN LEVEL… .'" ;;
	esac
	while [ $# -gt 0 ]; do
		case "$1" in
		start) kind=S ;;
		stop) kind=K ;;
		*) bbfatal "update-rc.d: $ROOTFS_PKG: INITSCRIPT_PARAMS: expected start or stop, found '$1'" ;;
		esac
		[ $# -ge 2 ] || bbfatal "update-rc.d: $ROOTFS_PKG: INITSCRIPT_PARAMS: $1 without a sequence number"
		case "$2" in
		''|*[!0-9]*) bbfatal "update-rc.d: $ROOTFS_PKG: INITSCRIPT_PARAMS: sequence number '$2' of $1 is not a number" ;;
		esac
		seq=$(printf '%02d' "$(expr "$2" + 0)")
		shift 2
		levels=0
		while [ $# -gt 0 ] && [ "$1" != . ]; do
			case "$1" in
			[0-6]|S) ;;
			*) bbfatal "update-rc.d: $ROOTFS_PKG: INITSCRIPT_PARAMS: '$1' is not a runlevel (0-6, S); is a '.' missing?" ;;
			esac
			mkdir -p "$etc/rc$1.d"
			ln -sfn "../init.d/$name" "$etc/rc$1.d/$kind$seq$name"
			levels=$((levels + 1))
			shift
		done
		[ $# -gt 0 ] || bbfatal "update-rc.d: $ROOTFS_PKG: INITSCRIPT_PARAMS: the runlevels of $kind$seq are not ended by '.'"
		[ $levels -gt 0 ] || bbfatal "update-rc.d: $ROOTFS_PKG: INITSCRIPT_PARAMS: $kind$seq names no runlevel"
		shift
	done
}

rootfs_update_rc_d() {
	for ROOTFS_PKG in $(cut -d' ' -f1 "${IMAGE_MANIFEST_FILE}"); do
		name=$(rootfs_pkgdata $ROOTFS_PKG INITSCRIPT_NAME)
		[ -n "$name" ] || continue
		params=$(rootfs_pkgdata $ROOTFS_PKG INITSCRIPT_PARAMS)
		set -f
		rootfs_update_rc_d_links "$name" $params
		set +f
		bbnote "update-rc.d: $name $params ($ROOTFS_PKG)"
	done
}
