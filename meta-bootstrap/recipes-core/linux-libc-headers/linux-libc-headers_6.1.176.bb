SUMMARY = "Linux kernel UAPI headers for the C library and userland (make headers_install)"
HOMEPAGE = "https://www.kernel.org/"
LICENSE = "GPL-2.0-only WITH Linux-syscall-note"

# The kernel source the core image uses: Debian's orig of linux 6.1.176 (a repack generated from
# the stable git tag, non-free files excluded), so the source package is named. 6.1.176-1 is pinned:
# newer bookworm-security versions are not downloadable from the archive mirror here.
SRC_URI = "apt://linux/6.1.176-1/linux_6.1.176.orig.tar.xz;name=orig"
SRC_URI[orig.sha256sum] = "9aad4025973feea3f0d978e82ab7db97d8d5ce3f59fcc6b1f316153d66e3a504"
S = "${UNPACKDIR}/linux-6.1.176"
B = "${WORKDIR}/build"

# Headers only: no target compiler or libc is needed (only the host compiler, for unifdef).
INHIBIT_DEFAULT_DEPS = "1"

LINUX_ARCH = "${@(a => a === 'x86_64' || a === 'i686' ? 'x86' : a === 'aarch64' ? 'arm64' : a.startsWith('riscv') ? 'riscv' : a)(d.getVar('TARGET_ARCH'))}"

do_configure[noexec] = "1"

do_compile() {
	oe_runmake -C "${S}" O="${B}" ARCH=${LINUX_ARCH} HOSTCC="${BUILD_CC}" headers
}

# What headers_install does after `make headers`, without its rsync: the *.h files of the
# generated usr/include, nothing else (no .install/.cmd markers).
do_install() {
	cd "${B}/usr/include"
	find . -name '*.h' -type f | LC_ALL=C sort | while read -r h; do
		install -D -m 0644 "$h" "${D}${includedir}/$h"
	done
}
