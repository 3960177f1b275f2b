# SSH public keys allowed to log in as root: ROOTFS_ROOT_AUTHORIZED_KEYS names files of public
# keys (as ssh-keygen writes them), installed as /root/.ssh/authorized_keys (0600, in a 0700
# directory), which dropbear and OpenSSH both read. The files' contents are part of do_rootfs's
# signature; their paths are not.
#
#   ROOTFS_ROOT_AUTHORIZED_KEYS = "${TOPDIR}/keys/me.pub"     # in local.conf, for example
ROOTFS_ROOT_AUTHORIZED_KEYS ?= ""

ROOTFS_POSTPROCESS_COMMAND += "rootfs_root_authorized_keys"
do_rootfs[file-checksums] += "${ROOTFS_ROOT_AUTHORIZED_KEYS}"
do_rootfs[vardepsexclude] += "ROOTFS_ROOT_AUTHORIZED_KEYS"

rootfs_root_authorized_keys() {
	[ -n "$(echo ${ROOTFS_ROOT_AUTHORIZED_KEYS})" ] || return 0
	home="${IMAGE_ROOTFS}/root"
	install -d -m 0700 "$home/.ssh"
	: > "$home/.ssh/authorized_keys"
	for key in ${ROOTFS_ROOT_AUTHORIZED_KEYS}; do
		[ -f "$key" ] || bbfatal "ROOTFS_ROOT_AUTHORIZED_KEYS: $key does not exist"
		grep -Eq '^(ssh-|ecdsa-|sk-)' "$key" || bbfatal "ROOTFS_ROOT_AUTHORIZED_KEYS: $key is not an SSH public key"
		cat "$key" >> "$home/.ssh/authorized_keys"
	done
	chmod 0600 "$home/.ssh/authorized_keys"
	bbnote "authorized_keys of root: $(wc -l < "$home/.ssh/authorized_keys") key(s)"
}
