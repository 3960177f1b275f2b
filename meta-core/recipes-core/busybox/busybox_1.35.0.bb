SUMMARY = "Tiny versions of many common UNIX utilities in a single small executable"
HOMEPAGE = "https://www.busybox.net"
LICENSE = "GPL-2.0-only"
LIC_FILES_CHKSUM = "file://LICENSE;md5=de10de48642ab74318e893a61105afbb"

# Debian ships this tarball unchanged (busybox_1.35.0.orig.tar.bz2 has the same sha256), so the
# apt premirror serves it where busybox.net is out of reach.
SRC_URI = "https://busybox.net/downloads/busybox-${PV}.tar.bz2;name=tarball \
           file://defconfig.cfg"
SRC_URI[tarball.sha256sum] = "faeeb244c35a348a334f4a59e44626ee870fb07b6884d68c10ae8bc19f83a694"
DEBIAN_SOURCE_PACKAGE = "busybox"

DEPENDS = "virtual/${TARGET_PREFIX}gcc virtual/libc"

# busybox's kconfig names no date in the binary when told so; the rest of the build is
# reproducible with SOURCE_DATE_EPOCH and the prefix maps.
BUSYBOX_MAKE = "CROSS_COMPILE=${TARGET_PREFIX} CC='${CC}' HOSTCC='${BUILD_CC}' HOSTCFLAGS='${BUILD_CFLAGS}' \
    SKIP_STRIP=y V=1 KCONFIG_NOTIMESTAMP=1"

# The config fragments: every *.cfg of SRC_URI, in SRC_URI order (OE's busybox does the same), so
# a bbappend adds one with SRC_URI += "file://x.cfg".
BUSYBOX_CONFIG_FRAGMENTS = "${@(d.getVar('SRC_URI') || '').split(/\s+/).map((u) => u.split(';')[0]).filter((u) => u.startsWith('file://') && u.endsWith('.cfg')).map((u) => u.slice(7)).join(' ')}"

# The upstream defconfig, then each line of each fragment: a "CONFIG_X=…" or "# CONFIG_X is not
# set" replaces what the defconfig (or an earlier fragment) says about CONFIG_X; oldconfig settles
# the rest.
do_configure() {
	sde_load
	oe_runmake ${BUSYBOX_MAKE} defconfig
	for fragment in ${BUSYBOX_CONFIG_FRAGMENTS}; do
		grep -E '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set)' "${UNPACKDIR}/$fragment" | while read -r line; do
			name=$(printf '%s\n' "$line" | sed -E 's/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1/; s/^(CONFIG_[A-Za-z0-9_]+)=.*/\1/')
			sed -i -E "/^(# )?$name([= ]|$)/d" .config
			printf '%s\n' "$line" >> .config
		done
	done
	oe_runmake ${BUSYBOX_MAKE} oldconfig < /dev/null
	for fragment in ${BUSYBOX_CONFIG_FRAGMENTS}; do
		for line in $(grep -E '^CONFIG_[A-Za-z0-9_]+=y' "${UNPACKDIR}/$fragment"); do
			grep -qx "$line" .config || bbfatal "busybox config: $line (from $fragment) did not survive oldconfig"
		done
	done
}

# bake -c menuconfig busybox: busybox's Kconfig menu on the configuration above.
inherit menuconfig
MENUCONFIG_MAKE = "oe_runmake ${BUSYBOX_MAKE}"

do_compile() {
	sde_load
	export CFLAGS="${CFLAGS} ${DEBUG_PREFIX_MAP}"
	oe_runmake ${BUSYBOX_MAKE} busybox
}

do_install() {
	oe_runmake ${BUSYBOX_MAKE} CONFIG_PREFIX="${D}" install
	# busybox init reads /etc/inittab (initscripts); /sbin/init is the applet link.
	[ -e "${D}${base_sbindir}/init" ] || bbfatal "busybox has no init applet"
}
do_install[umask] = "022"

# The applet links and the binary: all in ${PN} (their default FILES cover /bin /sbin /usr/*).
FILES:${PN} += "/linuxrc"
