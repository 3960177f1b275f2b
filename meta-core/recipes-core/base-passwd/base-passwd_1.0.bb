SUMMARY = "The user and group databases: /etc/passwd, /etc/group and /etc/shadow"
DESCRIPTION = "root (no password in /etc/shadow: a development image) and the system users busybox needs."
LICENSE = "MIT"
LIC_FILES_CHKSUM = "file://${COMMON_LICENSE_DIR}/MIT;md5=0835ade698e0bcf8506ecda2f7b4f302"
SRC_URI = "file://passwd file://group file://shadow"
S = "${UNPACKDIR}"
INHIBIT_DEFAULT_DEPS = "1"

do_install() {
	install -d "${D}${sysconfdir}"
	install -m 0644 passwd group "${D}${sysconfdir}/"
	install -m 0600 shadow "${D}${sysconfdir}/"
}
do_install[umask] = "022"
FILES:${PN} = "${sysconfdir}"
