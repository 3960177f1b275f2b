SUMMARY = "A lightweight SSH server and client"
DESCRIPTION = "Dropbear: an SSH 2 server (dropbear), client (dbclient), key generator (dropbearkey) and scp, \
started at boot by its init script; host keys are made on first use."
HOMEPAGE = "https://matt.ucc.asn.au/dropbear/dropbear.html"
LICENSE = "MIT & BSD-3-Clause & BSD-2-Clause & PD"
LIC_FILES_CHKSUM = "file://LICENSE;md5=25cf44512b7bc8966a48b6b1a9b7605f"

# Upstream's tarball as Debian ships it, with Debian's patches for bookworm (the security fixes
# among them: CVE-2023-48795 "Terrapin", CVE-2025-47203), applied in the order of their series.
# Both pinned to the revision whose patches these are.
SRC_URI = "apt://dropbear/2022.83-1+deb12u3/dropbear_2022.83.orig.tar.bz2;name=tarball \
           apt://dropbear/2022.83-1+deb12u3/dropbear_2022.83-1+deb12u3.debian.tar.xz;name=debian \
           file://dropbear.init"
SRC_URI[tarball.sha256sum] = "bc5a121ffbc94b5171ad5ebe01be42746d50aa797c9549a4639894a16749443b"
SRC_URI[debian.sha256sum] = "74fb171a630f450430b771b2f781c420a4542881ae75fd2f75ca04c53a3eea93"
S = "${UNPACKDIR}/dropbear-${PV}"

inherit autotools update-rc.d
DEPENDS = "zlib"

# Debian's series, each patch applied with -p1 and checked; a patch that no longer applies stops
# the build.
dropbear_debian_patches() {
	series="${UNPACKDIR}/debian/patches/series"
	[ -f "$series" ] || bbfatal "dropbear: Debian's patch series is missing ($series)"
	for p in $(grep -v '^[[:space:]]*#' "$series"); do
		bbnote "applying Debian's $p"
		patch -p1 --forward --no-backup-if-mismatch -d "${S}" < "${UNPACKDIR}/debian/patches/$p" || bbfatal "dropbear: Debian's $p does not apply"
	done
}
do_patch[postfuncs] += "dropbear_debian_patches"

# The bundled libtomcrypt/libtommath (no recipes for them); no PAM; musl has neither lastlog nor
# wtmp writing (its utmp functions are stubs).
EXTRA_OECONF = "--enable-bundled-libtom --disable-pam --disable-harden --disable-lastlog --disable-wtmp --disable-wtmpx"
DROPBEAR_PROGRAMS = "dropbear dbclient dropbearkey scp"
EXTRA_OEMAKE = "PROGRAMS='${DROPBEAR_PROGRAMS}'"

do_install:append() {
	install -d ${D}${sysconfdir}/init.d ${D}${sysconfdir}/dropbear
	install -m 0755 ${UNPACKDIR}/dropbear.init ${D}${sysconfdir}/init.d/dropbear
}
do_install[umask] = "022"

INITSCRIPT_NAME = "dropbear"
INITSCRIPT_PARAMS = "defaults 10"

# /etc/dropbear, where host keys are made, is part of the package even while empty.
FILES:${PN} += "${sysconfdir}/dropbear"
RPROVIDES:${PN} = "ssh sshd"
