# Images (OE's image.bbclass, smaller): IMAGE_INSTALL and its runtime closure into a rootfs
# (rootfs.bbclass), written as each of IMAGE_FSTYPES (tar.zst, cpio.gz, ext4), deployed with
# the manifest into ${DEPLOY_DIR_IMAGE} under versioned names plus stable
# ${IMAGE_LINK_NAME}.<type> links.
#
# Determinism: members sorted, owner root:root (numeric), every mtime clamped to the image's
# SOURCE_DATE_EPOCH, ext4 with a fixed UUID, hash seed and creation time, compressors without
# names or times. Ownership comes out root:root without root: every writer names the owner
# itself (tar and cpio options, debugfs for ext4), whoever runs the build.
inherit rootfs

IMAGE_INSTALL ?= ""
PACKAGE_INSTALL = "${IMAGE_INSTALL}"
IMAGE_FSTYPES ?= "tar.zst cpio.gz ext4"
HOSTTOOLS += "${@bb.utils.contains('IMAGE_FSTYPES', 'ext4', 'mke2fs debugfs e2fsck', '', d)} ${@bb.utils.contains('IMAGE_FSTYPES', 'cpio.gz', 'cpio', '', d)}"
# Image types written by classes of their own (OE's IMAGE_TYPE_<type>): a type of IMAGE_FSTYPES
# with IMAGE_TYPE_<type> (dots as underscores) inherits that class, deferred so that a recipe's
# `IMAGE_FSTYPES += "oci"` counts, and the class's image_cmd_<type> writes the image. [layer] is
# the collection (BBFILE_COLLECTIONS) that has the class, for an error that says what to add.
IMAGE_TYPE_oci = "image-oci"
IMAGE_TYPE_oci[layer] = "containers"
IMAGE_TYPE_CLASSES = "${@(d.getVar('IMAGE_FSTYPES') || '').split(/\s+/).filter(Boolean).map((t) => { \
    const v = 'IMAGE_TYPE_' + t.replace(/\./g, '_'); \
    const cls = d.getVar(v); \
    const layer = d.getVarFlag(v, 'layer'); \
    if (cls && layer && !(d.getVar('BBFILE_COLLECTIONS') || '').split(/\s+/).includes(layer)) \
        bb.fatal('IMAGE_FSTYPES has ' + t + ', which the ' + cls + ' class writes; that class is in the layer of collection ' + layer + ' (meta-' + layer + '): add the layer to BBLAYERS'); \
    return cls || ''; \
}).filter((c) => c).join(' ')}"
inherit_defer ${IMAGE_TYPE_CLASSES}
# Classes every image of this configuration inherits (OE's): QEMU machines add qemuboot.
IMAGE_CLASSES ??= ""
inherit_defer ${IMAGE_CLASSES}
IMAGE_BASENAME ?= "${PN}"
IMAGE_LINK_NAME ?= "${IMAGE_BASENAME}-${MACHINE}"
IMAGE_VERSION_SUFFIX ?= "-${PV}-${PR}"
IMAGE_NAME ?= "${IMAGE_LINK_NAME}${IMAGE_VERSION_SUFFIX}"
IMGDEPLOYDIR = "${WORKDIR}/deploy-${PN}-image-complete"
IMAGE_ROOTFS_SIZE ?= "8192"
IMAGE_ROOTFS_EXTRA_SPACE ?= "4096"
IMAGE_OVERHEAD_FACTOR ?= "1.3"
IMAGE_EXT4_UUID ?= "2a1b5e6c-0d3f-4e1a-9b7c-6f5d4c3b2a10"
IMAGE_EXT4_HASH_SEED ?= "6b8d2c1e-5f4a-4b3c-8d2e-1f0a9b8c7d6e"
IMAGE_EXT4_LABEL ?= "rootfs"
IMAGE_ZSTD_LEVEL ?= "19"

# Images are not packaged, and they build nothing themselves.
PACKAGES = "${PN}"
RDEPENDS:${PN} = "${PACKAGE_INSTALL}"
LICENSE ?= "MIT"
SRC_URI = ""
S = "${WORKDIR}/image-src"
INHIBIT_DEFAULT_DEPS = "1"
EXCLUDE_FROM_WORLD = "1"

# Every package of the closure: built, packaged and its data published.
do_rootfs[recrdeptask] += "do_packagedata do_package_write_tar do_populate_lic"
do_rootfs[rdeptask] += "do_packagedata do_package_write_tar"
addtask rootfs after do_prepare_recipe_sysroot

image_write_tar() {
	tar --create --directory="${IMAGE_ROOTFS}" --format=gnu --sort=name --numeric-owner --owner=0 --group=0 \
		--mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime --no-acls --no-xattrs --no-selinux . > "$1"
}

image_cmd_tar_zst() {
	image_write_tar "$1.tar"
	zstd -q -f -T1 -${IMAGE_ZSTD_LEVEL} --no-progress "$1.tar" -o "$1"
	rm -f "$1.tar"
}

# newc cpio for the kernel's initramfs: --reproducible numbers inodes in order and zeroes
# device numbers; gzip -n stores no name or time. The kernel runs /init of an initramfs (and
# without one, mounts root= instead): as OE's, the cpio alone gets an /init that links to
# /sbin/init when the rootfs has none, so it boots without rdinit=. Appended in a second pass,
# it restarts the inode numbers, which the kernel only reads for regular files with links.
image_cmd_cpio_gz() {
	(cd "${IMAGE_ROOTFS}" && find . | LC_ALL=C sort | cpio --quiet --create --format=newc --owner=0:0 --reproducible) > "$1.cpio"
	if [ ! -e "${IMAGE_ROOTFS}/init" ] && [ ! -L "${IMAGE_ROOTFS}/init" ] && { [ -e "${IMAGE_ROOTFS}${base_sbindir}/init" ] || [ -L "${IMAGE_ROOTFS}${base_sbindir}/init" ]; }; then
		rm -rf "${WORKDIR}/cpio-append"
		mkdir -p "${WORKDIR}/cpio-append"
		ln -s "${base_sbindir}/init" "${WORKDIR}/cpio-append/init"
		touch -h -d "@$SOURCE_DATE_EPOCH" "${WORKDIR}/cpio-append/init"
		(cd "${WORKDIR}/cpio-append" && echo ./init | cpio --quiet --create --format=newc --owner=0:0 --reproducible --append -O "$1.cpio")
	fi
	gzip -n -9 -c "$1.cpio" > "$1"
	rm -f "$1.cpio"
}

# Size in KiB from the apparent size of the files (du's block counts depend on the filesystem
# the build directory is on).
image_ext4_size() {
	bytes=$(find "${IMAGE_ROOTFS}" -printf '%s\n' | awk '{s += $1} END {print s + 0}')
	count=$(find "${IMAGE_ROOTFS}" | wc -l)
	awk -v b="$bytes" -v n="$count" -v f="${IMAGE_OVERHEAD_FACTOR}" -v extra="${IMAGE_ROOTFS_EXTRA_SPACE}" -v min="${IMAGE_ROOTFS_SIZE}" \
		'BEGIN { k = int((b / 1024 + n * 4) * f) + extra; if (k < min) k = min; print k }'
}

# Not `mke2fs -d`: it adds files in readdir order, which differs between two directories with the
# same content (so do inode numbers and directory blocks). The filesystem is made empty, then
# debugfs adds every entry in sorted order and sets its mode, owner (root) and times
# (SOURCE_DATE_EPOCH; the superblock's come from E2FSPROGS_FAKE_TIME). The host's
# /etc/mke2fs.conf is not read (MKE2FS_CONFIG=/dev/null): the features are named here. Hard links
# become copies. Nothing here needs root.
image_cmd_ext4() {
	size=$(image_ext4_size)
	rm -f "$1"
	E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH MKE2FS_CONFIG=/dev/null mke2fs -q -F -t ext4 -b 1024 -I 256 \
		-O has_journal,extent,huge_file,flex_bg,metadata_csum,64bit,dir_nlink,extra_isize,^resize_inode \
		-m 0 -L "${IMAGE_EXT4_LABEL}" -U "${IMAGE_EXT4_UUID}" \
		-E "hash_seed=${IMAGE_EXT4_HASH_SEED},root_owner=0:0,lazy_itable_init=0,nodiscard" "$1" "$size"
	(cd "${IMAGE_ROOTFS}" && find . -mindepth 1 | LC_ALL=C sort) | while read -r p; do
		src="${IMAGE_ROOTFS}/${p#./}"
		dst="/${p#./}"
		if [ -L "$src" ]; then
			printf 'symlink "%s" "%s"\n' "$dst" "$(readlink "$src")"
		elif [ -d "$src" ]; then
			printf 'mkdir "%s"\n' "$dst"
		elif [ -f "$src" ]; then
			printf 'write "%s" "%s"\n' "$src" "$dst"
		else
			bbfatal "ext4: $dst is neither a file, a directory nor a symlink"
		fi
		[ -L "$src" ] || printf 'set_inode_field "%s" mode 0%o\n' "$dst" "0x$(stat -c %f "$src")"
	done > "${T}/ext4.debugfs"
	(cd "${IMAGE_ROOTFS}" && find . | LC_ALL=C sort) | while read -r p; do
		if [ "$p" = . ]; then dst=/; else dst="/${p#./}"; fi
		mtime=$(stat -c %Y "${IMAGE_ROOTFS}/${p#./}")
		printf 'set_inode_field "%s" uid 0\nset_inode_field "%s" gid 0\n' "$dst" "$dst"
		printf 'set_inode_field "%s" %s @%s\n' "$dst" atime $mtime "$dst" mtime $mtime "$dst" ctime "$SOURCE_DATE_EPOCH" "$dst" crtime "$SOURCE_DATE_EPOCH"
	done >> "${T}/ext4.debugfs"
	printf 'set_inode_field / mode 0%o\n' "0x$(stat -c %f "${IMAGE_ROOTFS}")" >> "${T}/ext4.debugfs"
	E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH debugfs -w -f "${T}/ext4.debugfs" "$1" > "${T}/ext4.debugfs.log" 2>&1
	if grep -v -e '^debugfs' -e '^Allocated inode' "${T}/ext4.debugfs.log" | grep -q .; then
		cat "${T}/ext4.debugfs.log"
		bbfatal "debugfs reported errors while filling $1"
	fi
	e2fsck -fn "$1" > "${T}/ext4-fsck.log" 2>&1 || { cat "${T}/ext4-fsck.log"; bbfatal "e2fsck found errors in $1"; }
}

do_image() {
	sde_load
	rm -rf "${IMGDEPLOYDIR}"
	mkdir -p "${IMGDEPLOYDIR}"
	for type in ${IMAGE_FSTYPES}; do
		case "$type" in
		tar.zst) image_cmd_tar_zst "${IMGDEPLOYDIR}/${IMAGE_NAME}.rootfs.tar.zst" ;;
		cpio.gz) image_cmd_cpio_gz "${IMGDEPLOYDIR}/${IMAGE_NAME}.rootfs.cpio.gz" ;;
		ext4) image_cmd_ext4 "${IMGDEPLOYDIR}/${IMAGE_NAME}.rootfs.ext4" ;;
		*)
			cmd=image_cmd_$(echo "$type" | tr . _)
			case "$(type "$cmd" 2>/dev/null)" in
			*function*) "$cmd" "${IMGDEPLOYDIR}/${IMAGE_NAME}.rootfs.$type" ;;
			*) bbfatal "IMAGE_FSTYPES: unknown image type $type (known: tar.zst cpio.gz ext4, and those of IMAGE_TYPE_<type> classes)" ;;
			esac
			;;
		esac
		ln -sf "${IMAGE_NAME}.rootfs.$type" "${IMGDEPLOYDIR}/${IMAGE_LINK_NAME}.$type"
	done
	image_license_manifest
	cp "${IMAGE_MANIFEST_FILE}" "${IMGDEPLOYDIR}/${IMAGE_NAME}.rootfs.manifest"
	ln -sf "${IMAGE_NAME}.rootfs.manifest" "${IMGDEPLOYDIR}/${IMAGE_LINK_NAME}.manifest"
	sde_clamp_tree "${IMGDEPLOYDIR}"
}
do_image[umask] = "022"
do_image[vardepsexclude] += "IMAGE_ROOTFS IMGDEPLOYDIR IMAGE_MANIFEST_FILE"
do_image[doc] = "Writes the rootfs as each of IMAGE_FSTYPES"
addtask image after do_rootfs

# The license texts of every recipe in the image (from each package's pkgdata PN), beside it.
image_license_manifest() {
	lic="${IMGDEPLOYDIR}/${IMAGE_NAME}.licenses"
	mkdir -p "$lic"
	for pkg in $(cut -d' ' -f1 "${IMAGE_MANIFEST_FILE}"); do
		pn=$(rootfs_pkgdata $pkg PN)
		if [ -d "${LICENSE_DEPLOY_DIR}/$pn" ] && [ ! -d "$lic/$pn" ]; then
			cp -R "${LICENSE_DEPLOY_DIR}/$pn" "$lic/$pn"
		fi
	done
	(cd "$lic" && find . -type f | LC_ALL=C sort | xargs -r md5sum) > "$lic/license.md5"
}

# The images go out through shared state: bake installs ${IMGDEPLOYDIR} into DEPLOY_DIR_IMAGE.
do_image_complete() {
	:
}
SSTATETASKS += "do_image_complete"
do_image_complete[sstate-inputdirs] = "${IMGDEPLOYDIR}"
do_image_complete[sstate-outputdirs] = "${DEPLOY_DIR_IMAGE}"
do_image_complete[vardepsexclude] += "IMGDEPLOYDIR"
do_image_complete[doc] = "Deploys the images, their manifest and license texts into DEPLOY_DIR_IMAGE"
addtask image_complete after do_image before do_build

# The kernel an image boots with is deployed beside it (a dependency of do_build, not of the
# image tasks: restoring the images from shared state must still bring the kernel).
IMAGE_KERNEL ?= "virtual/kernel"
do_build[depends] += "${@d.getVar('IMAGE_KERNEL') ? d.getVar('IMAGE_KERNEL') + ':do_deploy' : ''}"

# Nothing of an image is compiled or packaged.
do_configure[noexec] = "1"
do_compile[noexec] = "1"
do_install[noexec] = "1"
do_package[noexec] = "1"
do_packagedata[noexec] = "1"
do_package_write_tar[noexec] = "1"
do_populate_lic[noexec] = "1"
# An image is not a build dependency of anything: it publishes no sysroot (as in OE).
deltask do_populate_sysroot
