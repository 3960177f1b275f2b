# How to boot an image in QEMU, written beside it (OE's qemuboot.bbclass): an INI file
# ${IMAGE_NAME}.qemuboot.conf with a stable ${IMAGE_LINK_NAME}.qemuboot.conf link, which
# scripts/runqemu reads. QEMU machines ask for it with IMAGE_CLASSES += "qemuboot" and say how
# QEMU runs them in QB_* (the file names in it are relative to the file's own directory).

QB_SYSTEM_NAME ?= ""
QB_MACHINE ?= ""
QB_MEM ?= "-m 256"
QB_KERNEL_CMDLINE ?= "panic=-1"
QB_DEFAULT_KERNEL ?= "${KERNEL_IMAGETYPE}"
QB_DEFAULT_FSTYPE ?= "cpio.gz"
# The kernel options for booting from the ext4 image as a virtio disk instead.
QB_KERNEL_ROOT ?= "root=/dev/vda rw"

do_write_qemuboot_conf() {
	[ -n "${QB_SYSTEM_NAME}" ] || bbfatal "QB_SYSTEM_NAME is empty: the machine ${MACHINE} does not say which qemu-system-* runs it"
	conf="${IMAGE_NAME}.qemuboot.conf"
	{
		printf '[config_bsp]\n'
		printf 'machine = %s\n' "${MACHINE}"
		printf 'image_link_name = %s\n' "${IMAGE_LINK_NAME}"
		printf 'image_name = %s\n' "${IMAGE_NAME}"
		printf 'image_fstypes = %s\n' "${IMAGE_FSTYPES}"
		printf 'kernel_imagetype = %s\n' "${KERNEL_IMAGETYPE}"
		printf 'qb_system_name = %s\n' "${QB_SYSTEM_NAME}"
		printf 'qb_machine = %s\n' "${QB_MACHINE}"
		printf 'qb_mem = %s\n' "${QB_MEM}"
		printf 'qb_kernel_cmdline = %s\n' "${QB_KERNEL_CMDLINE}"
		printf 'qb_kernel_root = %s\n' "${QB_KERNEL_ROOT}"
		printf 'qb_default_kernel = %s\n' "${QB_DEFAULT_KERNEL}"
		printf 'qb_default_fstype = %s\n' "${QB_DEFAULT_FSTYPE}"
	} > "${IMGDEPLOYDIR}/$conf"
	ln -sf "$conf" "${IMGDEPLOYDIR}/${IMAGE_LINK_NAME}.qemuboot.conf"
	touch -h -d "@$SOURCE_DATE_EPOCH" "${IMGDEPLOYDIR}/$conf" "${IMGDEPLOYDIR}/${IMAGE_LINK_NAME}.qemuboot.conf"
}
do_write_qemuboot_conf[umask] = "022"
do_write_qemuboot_conf[vardepsexclude] += "IMGDEPLOYDIR"
do_write_qemuboot_conf[doc] = "Writes how QEMU boots the image (for scripts/runqemu) beside it"
addtask write_qemuboot_conf after do_image before do_image_complete
