SUMMARY = "The init setup: busybox init's inittab and the rcS start-up script"
DESCRIPTION = "rcS mounts /proc, /sys and /dev (devtmpfs), /run and /tmp, sets the host name, prints a banner and starts the packages' init scripts (rcS.d, rc5.d); a root shell runs on the console; rcK stops them (rc0.d) at shutdown."
LICENSE = "MIT"
LIC_FILES_CHKSUM = "file://${COMMON_LICENSE_DIR}/MIT;md5=0835ade698e0bcf8506ecda2f7b4f302"
SRC_URI = "file://inittab file://rcS file://rcK"
S = "${UNPACKDIR}"
INHIBIT_DEFAULT_DEPS = "1"

# The serial console the shell runs on (the machine's first SERIAL_CONSOLES entry).
INIT_CONSOLE ?= "${@((d.getVar('SERIAL_CONSOLES') || '115200;ttyS0').split(/\s+/)[0].split(';')[1]) || 'console'}"
BANNER ?= "Welcome to ${DISTRO_NAME} ${DISTRO_VERSION} (${MACHINE})"

do_install() {
	install -d "${D}${sysconfdir}/init.d"
	sed "s/@CONSOLE@/${INIT_CONSOLE}/" inittab > "${D}${sysconfdir}/inittab"
	sed "s/@BANNER@/${BANNER}/" rcS > "${D}${sysconfdir}/init.d/rcS"
	chmod 0644 "${D}${sysconfdir}/inittab"
	install -m 0755 rcK "${D}${sysconfdir}/init.d/rcK"
	chmod 0755 "${D}${sysconfdir}/init.d/rcS"
}
do_install[umask] = "022"

FILES:${PN} = "${sysconfdir}"
RDEPENDS:${PN} = "busybox base-files base-passwd"
