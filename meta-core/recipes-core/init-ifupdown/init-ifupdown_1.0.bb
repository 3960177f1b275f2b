SUMMARY = "Network configuration at boot: busybox's ifup with /etc/network/interfaces"
DESCRIPTION = "The networking init script (ifup -a at boot, ifdown -a at shutdown), an interfaces \
file bringing up lo and eth0 (DHCP), and the script busybox's udhcpc configures a lease with."
LICENSE = "MIT"
LIC_FILES_CHKSUM = "file://${COMMON_LICENSE_DIR}/MIT;md5=0835ade698e0bcf8506ecda2f7b4f302"
SRC_URI = "file://networking file://interfaces file://udhcpc.script"
S = "${UNPACKDIR}"
INHIBIT_DEFAULT_DEPS = "1"

inherit update-rc.d
INITSCRIPT_NAME = "networking"
INITSCRIPT_PARAMS = "start 01 2 3 4 5 . stop 80 0 6 1 ."

do_install() {
	install -d ${D}${sysconfdir}/init.d ${D}${sysconfdir}/network ${D}${datadir}/udhcpc
	for hook in if-pre-up.d if-up.d if-down.d if-post-down.d; do
		install -d ${D}${sysconfdir}/network/$hook
	done
	install -m 0755 networking ${D}${sysconfdir}/init.d/networking
	install -m 0644 interfaces ${D}${sysconfdir}/network/interfaces
	install -m 0755 udhcpc.script ${D}${datadir}/udhcpc/default.script
}
do_install[umask] = "022"

FILES:${PN} = "${sysconfdir} ${datadir}/udhcpc"
RDEPENDS:${PN} = "busybox"
