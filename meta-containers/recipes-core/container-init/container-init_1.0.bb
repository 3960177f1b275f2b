SUMMARY = "PID 1 for containers supervised by busybox runsvdir: clean stop on SIGTERM"
DESCRIPTION = "runit-container-init starts runsvdir on /etc/service as its child, stops every \
service and runsvdir on SIGTERM/SIGINT/SIGHUP, and reaps orphans while it waits."
LICENSE = "MIT"
LIC_FILES_CHKSUM = "file://LICENSE;md5=de14e76870ef122e01a86d57faf3c857"

SRC_URI = "file://runit-container-init file://LICENSE"
S = "${UNPACKDIR}"
INHIBIT_DEFAULT_DEPS = "1"

do_install() {
	install -d "${D}${base_sbindir}"
	install -m 0755 runit-container-init "${D}${base_sbindir}/runit-container-init"
}
do_install[umask] = "022"

FILES:${PN} = "${base_sbindir}/runit-container-init"
# runsvdir, runsv, sv and the shell are busybox's.
RDEPENDS:${PN} = "busybox"
