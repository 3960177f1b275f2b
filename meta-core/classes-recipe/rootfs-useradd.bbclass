# The users and groups of the image's packages (useradd.bbclass puts their groupadd/useradd/
# groupmems arguments in pkgdata), added to the rootfs's /etc/passwd, /etc/group and /etc/shadow
# as shadow's tools would add them, without running them (they need root and a chroot):
#   - every package's groups first, then every package's users, then group memberships, packages
#     in name order, so a user may name a group another package creates and the ids are the same
#     for the same packages whatever the build;
#   - ids not given are allocated as shadow allocates them: system accounts (-r/--system) from
#     the top of SYS_UID_MIN..SYS_UID_MAX down, others from the bottom of UID_MIN..UID_MAX up (GIDs
#     likewise), with a user's own group (USERGROUPS_ENAB) given the user's uid when it is free;
#   - passwords are locked ("!") unless -p gives an encrypted one; shadow dates are
#     SOURCE_DATE_EPOCH's day.
# An option shadow's tools do not know, or that bake cannot honour, is an error naming the
# package and the option.

ROOTFS_SYS_UID_MIN ?= "101"
ROOTFS_SYS_UID_MAX ?= "999"
ROOTFS_UID_MIN ?= "1000"
ROOTFS_UID_MAX ?= "60000"
ROOTFS_SYS_GID_MIN ?= "101"
ROOTFS_SYS_GID_MAX ?= "999"
ROOTFS_GID_MIN ?= "1000"
ROOTFS_GID_MAX ?= "60000"

ROOTFS_POSTPROCESS_COMMAND += "rootfs_useradd"

# The first free id of field $2 (3: uid in passwd, 3: gid in group) of file $1 in $3..$4, searching
# down from $4 when $5 is "down".
rootfs_free_id() {
	used=$(cut -d: -f"$2" "$1" | LC_ALL=C sort -n -u)
	if [ "$5" = down ]; then i=$4; step=-1; else i=$3; step=1; fi
	while [ "$i" -ge "$3" ] && [ "$i" -le "$4" ]; do
		printf '%s\n' "$used" | grep -qx "$i" || { echo "$i"; return 0; }
		i=$((i + step))
	done
	return 1
}

# The gid of group $1 (a name or a number) in the rootfs, or nothing.
rootfs_group_gid() {
	case "$1" in
	*[!0-9]*) sed -n "s/^$1:[^:]*:\([0-9]*\):.*/\1/p" "$ROOTFS_ETC/group" ;;
	*) cut -d: -f3 "$ROOTFS_ETC/group" | grep -x "$1" | head -n 1 ;;
	esac
}

# groupadd [options] NAME, with the rootfs as its root.
rootfs_groupadd() {
	gid= system= force= nonunique= password=x
	while [ $# -gt 0 ]; do
		case "$1" in
		-g|--gid) gid=$2; shift ;;
		--gid=*) gid=${1#*=} ;;
		-r|--system) system=1 ;;
		-f|--force) force=1 ;;
		-o|--non-unique) nonunique=1 ;;
		-p|--password) password=$2; shift ;;
		--password=*) password=${1#*=} ;;
		-R|--root|-P|--prefix) bbfatal "$ROOTFS_PKG: GROUPADD_PARAM: $1: the rootfs is the root already; drop it" ;;
		-*) bbfatal "$ROOTFS_PKG: GROUPADD_PARAM: groupadd option $1 is not supported here" ;;
		*) break ;;
		esac
		shift
	done
	[ $# -eq 1 ] || bbfatal "$ROOTFS_PKG: GROUPADD_PARAM: groupadd wants one group name, got: $*"
	name=$1
	printf '%s\n' "$name" | grep -Eq '^[a-z_][a-z0-9_-]*[$]?$' || bbfatal "$ROOTFS_PKG: GROUPADD_PARAM: '$name' is not a valid group name"
	if grep -q "^$name:" "$ROOTFS_ETC/group"; then
		# shadow's groupadd fails here without -f; a package's preinst in OE is run again on
		# upgrade and tolerates it, so an existing group is kept as it is.
		bbnote "useradd: group $name exists already ($ROOTFS_PKG)"
		return 0
	fi
	if [ -n "$gid" ]; then
		if [ -n "$(rootfs_group_gid "$gid")" ] && [ -z "$nonunique" ]; then
			[ -n "$force" ] || bbfatal "$ROOTFS_PKG: GROUPADD_PARAM: gid $gid of group $name is taken (by $(grep -m1 "^[^:]*:[^:]*:$gid:" "$ROOTFS_ETC/group" | cut -d: -f1))"
			gid=
		fi
	fi
	if [ -z "$gid" ]; then
		if [ -n "$system" ]; then
			gid=$(rootfs_free_id "$ROOTFS_ETC/group" 3 ${ROOTFS_SYS_GID_MIN} ${ROOTFS_SYS_GID_MAX} down) || bbfatal "no free system gid for $name"
		else
			gid=$(rootfs_free_id "$ROOTFS_ETC/group" 3 ${ROOTFS_GID_MIN} ${ROOTFS_GID_MAX} up) || bbfatal "no free gid for $name"
		fi
	fi
	printf '%s:%s:%s:\n' "$name" "$password" "$gid" >> "$ROOTFS_ETC/group"
	bbnote "useradd: group $name ($gid) for $ROOTFS_PKG"
}

# useradd [options] NAME, with the rootfs as its root.
rootfs_useradd_one() {
	uid= group= groups= home= shell= comment= system= usergroup=1 create_home= password='!' nonunique=
	while [ $# -gt 0 ]; do
		case "$1" in
		-u|--uid) uid=$2; shift ;;
		--uid=*) uid=${1#*=} ;;
		-g|--gid) group=$2; shift ;;
		--gid=*) group=${1#*=} ;;
		-G|--groups) groups=$2; shift ;;
		--groups=*) groups=${1#*=} ;;
		-d|--home|--home-dir) home=$2; shift ;;
		--home=*|--home-dir=*) home=${1#*=} ;;
		-s|--shell) shell=$2; shift ;;
		--shell=*) shell=${1#*=} ;;
		-c|--comment) comment=$2; shift ;;
		--comment=*) comment=${1#*=} ;;
		-r|--system) system=1 ;;
		-m|--create-home) create_home=1 ;;
		-M|--no-create-home) create_home= ;;
		-U|--user-group) usergroup=1 ;;
		-N|--no-user-group) usergroup= ;;
		-p|--password) password=$2; shift ;;
		--password=*) password=${1#*=} ;;
		-o|--non-unique) nonunique=1 ;;
		-l|--no-log-init) ;;
		-R|--root|-P|--prefix) bbfatal "$ROOTFS_PKG: USERADD_PARAM: $1: the rootfs is the root already; drop it" ;;
		-*) bbfatal "$ROOTFS_PKG: USERADD_PARAM: useradd option $1 is not supported here" ;;
		*) break ;;
		esac
		shift
	done
	[ $# -eq 1 ] || bbfatal "$ROOTFS_PKG: USERADD_PARAM: useradd wants one user name, got: $*"
	name=$1
	printf '%s\n' "$name" | grep -Eq '^[a-z_][a-z0-9_-]*[$]?$' || bbfatal "$ROOTFS_PKG: USERADD_PARAM: '$name' is not a valid user name"
	case "$comment$home$shell" in *:*) bbfatal "$ROOTFS_PKG: USERADD_PARAM: a ':' in the comment, home or shell of $name" ;; esac
	if grep -q "^$name:" "$ROOTFS_ETC/passwd"; then
		bbnote "useradd: user $name exists already ($ROOTFS_PKG)"
		return 0
	fi
	if [ -n "$uid" ] && cut -d: -f3 "$ROOTFS_ETC/passwd" | grep -qx "$uid" && [ -z "$nonunique" ]; then
		bbfatal "$ROOTFS_PKG: USERADD_PARAM: uid $uid of user $name is taken (by $(grep -m1 "^[^:]*:[^:]*:$uid:" "$ROOTFS_ETC/passwd" | cut -d: -f1))"
	fi
	if [ -z "$uid" ]; then
		if [ -n "$system" ]; then
			uid=$(rootfs_free_id "$ROOTFS_ETC/passwd" 3 ${ROOTFS_SYS_UID_MIN} ${ROOTFS_SYS_UID_MAX} down) || bbfatal "no free system uid for $name"
		else
			uid=$(rootfs_free_id "$ROOTFS_ETC/passwd" 3 ${ROOTFS_UID_MIN} ${ROOTFS_UID_MAX} up) || bbfatal "no free uid for $name"
		fi
	fi
	if [ -n "$group" ]; then
		gid=$(rootfs_group_gid "$group")
		[ -n "$gid" ] || bbfatal "$ROOTFS_PKG: USERADD_PARAM: group $group of user $name does not exist (create it with GROUPADD_PARAM)"
	elif [ -n "$usergroup" ]; then
		gid=$(rootfs_group_gid "$name")
		if [ -z "$gid" ]; then
			if [ -z "$(rootfs_group_gid "$uid")" ]; then
				gid=$uid
			elif [ -n "$system" ]; then
				gid=$(rootfs_free_id "$ROOTFS_ETC/group" 3 ${ROOTFS_SYS_GID_MIN} ${ROOTFS_SYS_GID_MAX} down) || bbfatal "no free system gid for $name"
			else
				gid=$(rootfs_free_id "$ROOTFS_ETC/group" 3 ${ROOTFS_GID_MIN} ${ROOTFS_GID_MAX} up) || bbfatal "no free gid for $name"
			fi
			printf '%s:x:%s:\n' "$name" "$gid" >> "$ROOTFS_ETC/group"
		fi
	else
		gid=100
		[ -n "$(rootfs_group_gid 100)" ] || gid=$(rootfs_group_gid nogroup)
	fi
	[ -n "$home" ] || home="/home/$name"
	[ -n "$shell" ] || shell=/bin/sh
	printf '%s:x:%s:%s:%s:%s:%s\n' "$name" "$uid" "$gid" "$comment" "$home" "$shell" >> "$ROOTFS_ETC/passwd"
	printf '%s:%s:%s:0:99999:7:::\n' "$name" "$password" "$ROOTFS_SHADOW_DAY" >> "$ROOTFS_ETC/shadow"
	for g in $(printf '%s' "$groups" | tr ',' ' '); do
		rootfs_groupmems_add "$name" "$g"
	done
	if [ -n "$create_home" ] && [ ! -e "${IMAGE_ROOTFS}$home" ]; then
		# Owned by root like every file of the image (the archive writers name no other owner).
		install -d -m 0755 "${IMAGE_ROOTFS}$home"
	fi
	bbnote "useradd: user $name ($uid:$gid) for $ROOTFS_PKG"
}

# User $1 becomes a member of group $2.
rootfs_groupmems_add() {
	grep -q "^$2:" "$ROOTFS_ETC/group" || bbfatal "$ROOTFS_PKG: group $2 (for user $1) does not exist"
	members=$(sed -n "s/^$2:[^:]*:[^:]*://p" "$ROOTFS_ETC/group")
	case ",$members," in *",$1,"*) return 0 ;; esac
	sed -i "s/^\($2:[^:]*:[^:]*:\)\(.*\)$/\1\2${members:+,}$1/" "$ROOTFS_ETC/group"
}

# groupmems -a USER -g GROUP.
rootfs_groupmems() {
	user= group=
	while [ $# -gt 0 ]; do
		case "$1" in
		-a|--add) user=$2; shift ;;
		-g|--group) group=$2; shift ;;
		-R|--root) bbfatal "$ROOTFS_PKG: GROUPMEMS_PARAM: $1: the rootfs is the root already; drop it" ;;
		*) bbfatal "$ROOTFS_PKG: GROUPMEMS_PARAM: groupmems $1 is not supported here (only -a USER -g GROUP)" ;;
		esac
		shift
	done
	[ -n "$user" ] && [ -n "$group" ] || bbfatal "$ROOTFS_PKG: GROUPMEMS_PARAM: wants -a USER -g GROUP"
	grep -q "^$user:" "$ROOTFS_ETC/passwd" || bbfatal "$ROOTFS_PKG: GROUPMEMS_PARAM: user $user does not exist"
	rootfs_groupmems_add "$user" "$group"
}

# Runs $1 (a function) once per ";"-separated command of the KEY $2 of every installed package.
rootfs_useradd_each() {
	func=$1 key=$2
	for ROOTFS_PKG in $(cut -d' ' -f1 "${IMAGE_MANIFEST_FILE}"); do
		value=$(rootfs_pkgdata $ROOTFS_PKG $key)
		[ -n "$value" ] || continue
		IFS=';'
		set -f
		set -- $value
		set +f
		unset IFS
		for cmd in "$@"; do
			case "$cmd" in *[!\ ]*) ;; *) continue ;; esac
			eval "set -- $cmd" || bbfatal "$ROOTFS_PKG: $key: cannot split '$cmd' into arguments"
			"$func" "$@"
		done
	done
}

rootfs_useradd() {
	ROOTFS_ETC="${IMAGE_ROOTFS}${sysconfdir}"
	ROOTFS_SHADOW_DAY=$((SOURCE_DATE_EPOCH / 86400))
	wanted=
	for pkg in $(cut -d' ' -f1 "${IMAGE_MANIFEST_FILE}"); do
		if grep -q '^\(USERADD\|GROUPADD\|GROUPMEMS\)_PARAM: ' "${PKGDATA_DIR}/runtime/$pkg"; then wanted=1; fi
	done
	[ -n "$wanted" ] || return 0
	for f in passwd group shadow; do
		[ -f "$ROOTFS_ETC/$f" ] || bbfatal "useradd: the image has no ${sysconfdir}/$f to add users to (install base-passwd)"
	done
	rootfs_useradd_each rootfs_groupadd GROUPADD_PARAM
	rootfs_useradd_each rootfs_useradd_one USERADD_PARAM
	rootfs_useradd_each rootfs_groupmems GROUPMEMS_PARAM
}
# Called through a variable ("$func"), which the shell parser cannot follow.
rootfs_useradd_each[vardeps] += "rootfs_groupadd rootfs_useradd_one rootfs_groupmems"
