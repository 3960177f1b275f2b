# The runit-compatible supervision applets (runsvdir, runsv, sv, chpst, svlogd) and the httpd the
# demo service uses, as a config fragment meta-core's busybox applies after its own.
FILESEXTRAPATHS:prepend := "${THISDIR}/busybox:"
SRC_URI += "file://runit.cfg"
