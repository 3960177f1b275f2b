SUMMARY = "A minimal OCI container image: a process supervisor running a demo web service"
DESCRIPTION = "busybox, the supervisor chosen by CONTAINER_SUPERVISOR as the entrypoint (runsvdir \
or s6-svscan on /etc/service), and httpd-demo, a busybox httpd running as the httpd user."
LICENSE = "MIT"

inherit image

# The supervisor's packages and its command line as PID 1. busybox runsvdir as PID 1 would never
# exit on a signal (it behaves as a system's init), so runit-container-init runs it and stops the
# services on SIGTERM; s6-svscan is made to be PID 1 and brings everything down on SIGTERM.
SUPERVISOR_CHOICE = "${@(() => { const s = d.getVar('CONTAINER_SUPERVISOR'); if (s !== 'runit' && s !== 's6') bb.fatal('CONTAINER_SUPERVISOR is ' + s + ': runit or s6'); return s; })()}"
SUPERVISOR_PACKAGES = "${@{ runit: 'container-init', s6: 's6 execline' }[d.getVar('SUPERVISOR_CHOICE')]}"
SUPERVISOR_ENTRYPOINT = "${@{ runit: '/sbin/runit-container-init', s6: 's6-svscan /etc/service' }[d.getVar('SUPERVISOR_CHOICE')]}"

IMAGE_INSTALL = "base-files base-passwd busybox httpd-demo ${SUPERVISOR_PACKAGES}"
IMAGE_FSTYPES = "tar.zst oci"
# A container runs on the host's kernel.
IMAGE_KERNEL = ""

OCI_IMAGE_ENTRYPOINT = "${SUPERVISOR_ENTRYPOINT}"
OCI_IMAGE_STOPSIGNAL = "SIGTERM"
OCI_IMAGE_PORTS = "80/tcp"
OCI_IMAGE_LABELS = "org.opencontainers.image.title=${PN} io.bake.supervisor=${CONTAINER_SUPERVISOR}"

# Users the image's packages declare in ${libdir}/sysusers.d/*.conf (systemd-sysusers format;
# "u NAME UID[:GID] "GECOS" HOME SHELL" and "g NAME GID" lines), added to the passwd, group and
# shadow files base-passwd installed. Existing names are left alone. Password fields are locked,
# the shadow date is SOURCE_DATE_EPOCH's day: the result depends on nothing but the packages.
ROOTFS_POSTPROCESS_COMMAND += "rootfs_add_sysusers"
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
