# Shared state: tasks listed in SSTATETASKS keep their output as signed objects in SSTATE_DIR,
# named by their unihash, and a later build (any build directory, any machine trusting the key)
# restores that output instead of running the task and everything only it needed.
#
# A task declares its output as OE does: [sstate-inputdirs] is where the task writes it,
# [sstate-outputdirs] (paired by position) where it is published for the rest of the build;
# [sstate-plaindirs] are kept and restored in place. bake archives the input directories after
# the task ran, files the object under SSTATE_DIR, and installs it into the output directories;
# a restore installs the same object the same way, so running and restoring leave the same files.
# The task's [sstate] flag (set from SSTATETASKS) is the architecture its objects are filed under.

SSTATETASKS ?= ""
SSTATE_PKGARCH ?= "${PACKAGE_ARCH}"

# Where objects are, and the mirrors asked when they are not (BitBake syntax, "regex url" pairs,
# file:// and http(s)://, PATH is the object's path under SSTATE_DIR):
#   SSTATE_MIRRORS = "file://.* https://sstate.example.com/PATH"
SSTATE_DIR ?= "${TOPDIR}/sstate-cache"
SSTATE_MIRRORS ?= ""
SSTATE_MANIFESTS ?= "${TMPDIR}/sstate-control"

# Signing (bake's, BitBake has none). Objects are signed with SSTATE_SIGNING_KEY (a .key file from
# `bake sstate keygen NAME`); when it is empty, with the user's own key, made on first use in
# ${XDG_CONFIG_HOME:-~/.config}/bake/sstate-key/. An object is used only when its signature
# verifies against SSTATE_TRUSTED_KEYS (`name:base64` entries or .pub files) or the signing key
# itself: a build directory reuses its own user's objects as they are, a mirror's objects once
# its producer's public key is listed here. An entry `URL=KEY` trusts KEY for that mirror only:
#   SSTATE_TRUSTED_KEYS += "https://sstate.org-a.example/=${TOPDIR}/keys/org-a.pub"
# SSTATE_REQUIRED_SIGNATURES = "2": objects need two distinct trusted signers (producer and a
# reproducer, `bake sstate attest`); your own signature alone is enough. Unsigned objects need
# SSTATE_ALLOW_UNSIGNED = "1".
SSTATE_SIGNING_KEY ?= ""
SSTATE_TRUSTED_KEYS ?= ""
SSTATE_REQUIRED_SIGNATURES ?= "1"
SSTATE_ALLOW_UNSIGNED ?= "0"
# "1": install outputs without keeping objects.
SSTATE_SKIP_CREATION ?= "0"

# Hash equivalence: "auto" runs a server for the length of each build, its database in
# ${PERSISTENT_DIR}/hashserv (reading through to BB_HASHSERVE_UPSTREAM when set); an address
# (host:port, unix://path) uses that server; "" turns hash equivalence off. As OE's default.
BB_HASHSERVE ??= "auto"
BB_HASHSERVE_UPSTREAM ?= ""
SSTATE_HASHEQUIV_METHOD ?= "bake.OutHashBasic"
HASHEQUIV_EXTRA_SIGDATA ?= ""

# do_clean removes what each shared-state task installed, as its manifest lists it.
CLEANFUNCS += "sstate_clean_installed"
js sstate_clean_installed() {
    for (const task of (d.getVar('SSTATETASKS') || '').split(/\s+/).filter(Boolean)) {
        const arch = d.getVarFlag(task, 'sstate');
        if (arch) oe.sstate.clean_manifest(d.getVar('SSTATE_MANIFESTS') + '/manifest-' + arch + '-' + d.getVar('PN') + '.' + task);
    }
}

js () {
    const tasks = (d.getVar('SSTATETASKS') || '').split(/\s+/).filter(Boolean);
    for (const task of tasks) {
        if (d.getVarFlag(task, 'sstate', false) === null) d.setVarFlag(task, 'sstate', '${SSTATE_PKGARCH}');
    }
}
