SUMMARY = "The basic directory layout and configuration files of the root filesystem"
DESCRIPTION = "Directories (/etc, /proc, /tmp…), hostname, issue, fstab, profile and os-release."
LICENSE = "MIT"
LIC_FILES_CHKSUM = "file://${COMMON_LICENSE_DIR}/MIT;md5=0835ade698e0bcf8506ecda2f7b4f302"
SRC_URI = "file://fstab file://profile file://issue"
S = "${UNPACKDIR}"
INHIBIT_DEFAULT_DEPS = "1"

hostname ?= "${MACHINE}"
dirs755 = "/bin /sbin /lib /etc /etc/init.d /dev /proc /sys /run /mnt /home /var /var/log /usr /usr/bin /usr/sbin /usr/lib /usr/share"

do_install() {
	for d in ${dirs755}; do
		install -m 0755 -d "${D}$d"
	done
	install -m 1777 -d "${D}/tmp" "${D}/var/tmp"
	install -m 0700 -d "${D}/root"
	# Programs still write pid and state files under /var/run (busybox's ifup, udhcpc): it is /run.
	ln -s ../run "${D}/var/run"
	install -m 0644 fstab profile "${D}${sysconfdir}/"
	sed "s/@DISTRO_NAME@/${DISTRO_NAME}/; s/@DISTRO_VERSION@/${DISTRO_VERSION}/" issue > "${D}${sysconfdir}/issue"
	echo "${hostname}" > "${D}${sysconfdir}/hostname"
	cat > "${D}${sysconfdir}/os-release" <<END
ID=${DISTRO}
NAME="${DISTRO_NAME}"
VERSION_ID=${DISTRO_VERSION}
PRETTY_NAME="${DISTRO_NAME} ${DISTRO_VERSION}"
END
	chmod 0644 "${D}${sysconfdir}/hostname" "${D}${sysconfdir}/os-release" "${D}${sysconfdir}/issue"
}
do_install[umask] = "022"

# The directories are the package, even with nothing else in them.
FILES:${PN} = "/*"
ALLOW_EMPTY:${PN} = "1"
