SUMMARY = "A supervised demo web service: busybox httpd serving a page as a non-root user"
DESCRIPTION = "A service directory /etc/service/httpd (run, log/run) for runsvdir or s6-svscan, \
the page it serves in /srv/www, and the httpd user it runs as, declared in sysusers.d format."
LICENSE = "MIT"
LIC_FILES_CHKSUM = "file://LICENSE;md5=de14e76870ef122e01a86d57faf3c857"

SRC_URI = "file://run file://log-run file://index.html file://httpd-demo.sysusers file://LICENSE"
S = "${UNPACKDIR}"
# Scripts and data only: nothing is compiled.
INHIBIT_DEFAULT_DEPS = "1"

SERVICE_DIR = "${sysconfdir}/service/httpd"
WWW_DIR = "/srv/www"
SYSUSERS_DIR = "${libdir}/sysusers.d"

do_install() {
	install -d "${D}${SERVICE_DIR}/log" "${D}${WWW_DIR}" "${D}${SYSUSERS_DIR}"
	install -m 0755 run "${D}${SERVICE_DIR}/run"
	install -m 0755 log-run "${D}${SERVICE_DIR}/log/run"
	install -m 0644 index.html "${D}${WWW_DIR}/index.html"
	install -m 0644 httpd-demo.sysusers "${D}${SYSUSERS_DIR}/httpd-demo.conf"
}
do_install[umask] = "022"

FILES:${PN} = "${SERVICE_DIR} ${WWW_DIR} ${SYSUSERS_DIR}"
# httpd, chpst and svlogd are busybox applets.
RDEPENDS:${PN} = "busybox"
