SUMMARY = "The Linux kernel, configured small for QEMU"
HOMEPAGE = "https://www.kernel.org"
LICENSE = "GPL-2.0-only"
LIC_FILES_CHKSUM = "file://COPYING;md5=6bc538ed5bd9a7fc9398086aedcd7e46"
inherit kernel

# Debian's orig tarball of linux 6.1.176 (generated from the stable tag without a few non-free
# files). Pinned by version: newer versions of the source package are not served here.
# qemu.cfg is what every QEMU machine needs; machine.cfg is found in the directory named after
# the machine (linux/${MACHINE}/, through FILESOVERRIDES): its serial port, bus and power-off.
SRC_URI = "apt://linux/6.1.176-1/linux_6.1.176.orig.tar.xz;name=tarball \
           file://qemu.cfg file://machine.cfg"
# Networking (core-image-base's SSH server), for every machine.
SRC_URI += "file://network.cfg"
SRC_URI[tarball.sha256sum] = "9aad4025973feea3f0d978e82ab7db97d8d5ce3f59fcc6b1f316153d66e3a504"
S = "${UNPACKDIR}/linux-${PV}"

COMPATIBLE_MACHINE = "qemux86-64|qemuarm64"
