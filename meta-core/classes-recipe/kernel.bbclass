# The Linux kernel (OE's kernel.bbclass, smaller): built out of tree in ${B} from a config made
# of KERNEL_CONFIG_BASE (a make target: tinyconfig) plus the fragments (*.cfg) of SRC_URI, all
# built in (no modules); deployed to ${DEPLOY_DIR_IMAGE} as ${KERNEL_IMAGETYPE}-${MACHINE}.bin
# with a stable ${KERNEL_IMAGETYPE} link. Not packaged: images boot it from the deploy directory.
# sde_load and the other reproducibility helpers come from reproducible.bbclass (global, with package).

inherit menuconfig
MENUCONFIG_MAKE = "kernel_make"

# The kernel's Kconfig (unlike busybox's) writes a minimal defconfig (OE's cml1 task).
do_savedefconfig() {
	bbplain "Saving defconfig to:"
	bbplain "${B}/defconfig"
	kernel_make savedefconfig
}
do_savedefconfig[nostamp] = "1"
do_savedefconfig[dirs] = "${B}"
do_savedefconfig[doc] = "Writes a minimal defconfig of the configuration to the build directory"
addtask savedefconfig after do_configure

PROVIDES += "virtual/kernel"
KERNEL_IMAGETYPE ?= "bzImage"
KERNEL_CONFIG_BASE ?= "tinyconfig"
KERNEL_ARCH ?= "${@{x86_64: 'x86', i686: 'x86', aarch64: 'arm64', arm: 'arm'}[d.getVar('TARGET_ARCH')] || d.getVar('TARGET_ARCH')}"
KERNEL_CC ?= "${TARGET_PREFIX}gcc"
KERNEL_LD ?= "${TARGET_PREFIX}ld"
KERNEL_DEPLOYSUBDIR ?= ""
DEPLOYDIR = "${WORKDIR}/deploy-${PN}"
B = "${WORKDIR}/build"
PACKAGES = ""
# The kernel links against nothing of the target, so no libc: only the cross compiler.
DEPENDS += "virtual/${TARGET_PREFIX}gcc"
# The kernel's build-time host programs (Kconfig's parsers, timeconst).
HOSTTOOLS += "bc flex bison"
INHIBIT_DEFAULT_DEPS = "1"

# Build paths out of the image: the kernel already maps srctree for macros; the rest of the
# file names (debug info, if ever enabled) map to /usr/src/kernel.
KERNEL_EXTRA_CFLAGS ?= "-ffile-prefix-map=${S}=/usr/src/kernel -ffile-prefix-map=${B}=/usr/src/kernel"

kernel_make() {
	sde_load
	oe_runmake -C "${S}" O="${B}" ARCH=${KERNEL_ARCH} CROSS_COMPILE=${TARGET_PREFIX} \
		CC="${KERNEL_CC}" LD="${KERNEL_LD}" HOSTCC="${BUILD_CC}" HOSTCXX="${BUILD_CXX}" \
		KCFLAGS="${KERNEL_EXTRA_CFLAGS}" "$@"
}

do_configure() {
	unset CFLAGS CPPFLAGS CXXFLAGS LDFLAGS
	kernel_make ${KERNEL_CONFIG_BASE}
	src_uri="${SRC_URI}"
	fragments=$(for f in $src_uri; do case "$f" in file://*.cfg) echo "${UNPACKDIR}/${f#file://}" ;; esac; done)
	if [ -n "$fragments" ]; then
		# merge_config.sh -m only merges; olddefconfig below resolves the dependencies.
		(cd "${B}" && KCONFIG_CONFIG=.config sh "${S}/scripts/kconfig/merge_config.sh" -m -O "${B}" .config $fragments)
	fi
	kernel_make olddefconfig
	# A requested option that Kconfig dropped (an unmet dependency) is an error, not a surprise at boot.
	missing=""
	for f in $fragments; do
		for opt in $(grep -o '^CONFIG_[A-Za-z0-9_]*=[ym]' "$f"); do
			grep -qx "$opt" "${B}/.config" || missing="$missing $opt"
		done
	done
	[ -z "$missing" ] || bbfatal "kernel config: these options of the fragments did not survive olddefconfig:$missing"
}

do_compile() {
	unset CFLAGS CPPFLAGS CXXFLAGS LDFLAGS
	kernel_make ${KERNEL_IMAGETYPE}
}

do_install() {
	install -d "${D}/boot"
	install -m 0644 "${B}/arch/${KERNEL_ARCH}/boot/${KERNEL_IMAGETYPE}" "${D}/boot/${KERNEL_IMAGETYPE}"
	install -m 0644 "${B}/.config" "${D}/boot/config"
}
do_install[umask] = "022"

do_deploy() {
	sde_load
	name="${KERNEL_IMAGETYPE}-${PV}-${PR}-${MACHINE}.bin"
	install -m 0644 "${D}/boot/${KERNEL_IMAGETYPE}" "${DEPLOYDIR}/$name"
	install -m 0644 "${D}/boot/config" "${DEPLOYDIR}/config-${PV}-${PR}-${MACHINE}"
	ln -sf "$name" "${DEPLOYDIR}/${KERNEL_IMAGETYPE}-${MACHINE}.bin"
	ln -sf "$name" "${DEPLOYDIR}/${KERNEL_IMAGETYPE}"
	sde_clamp_tree "${DEPLOYDIR}"
}
do_deploy[cleandirs] = "${DEPLOYDIR}"
do_deploy[dirs] = "${DEPLOYDIR}"
do_deploy[umask] = "022"
SSTATETASKS += "do_deploy"
do_deploy[sstate-inputdirs] = "${DEPLOYDIR}"
do_deploy[sstate-outputdirs] = "${DEPLOY_DIR_IMAGE}"
do_deploy[vardepsexclude] += "DEPLOYDIR"
do_deploy[doc] = "Deploys the kernel image and its config into DEPLOY_DIR_IMAGE"
addtask deploy after do_install before do_build
