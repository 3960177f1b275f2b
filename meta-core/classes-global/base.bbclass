# The class every recipe inherits (from the configuration): the standard tasks, from fetching
# the sources to installing the result, and the shell helpers recipes use.
inherit logging sstate staging

# ---- fetch, unpack, patch ---------------------------------------------------------------------

# A remote source without SRC_URI[sha256sum] is an error, not a warning (OE's distro default).
BB_STRICT_CHECKSUM ??= "1"

js base_do_fetch() {
    const uris = bb.fetch2.srcUri(d);
    if (uris.length > 0) await bb.fetch2.download(uris);
}
do_fetch[dirs] = "${DL_DIR}"
do_fetch[network] = "1"
# bb.fetch2.srcUri(d) reads SRC_URI out of sight of the js dependency analysis: named here so a
# changed SRC_URI (or checksum flag) changes the signatures of fetch, unpack and patch.
do_fetch[vardeps] += "SRCREV SRC_URI"
do_fetch[doc] = "Fetches the sources (SRC_URI) into DL_DIR, checksums verified"
# The local files of SRC_URI count in do_fetch's signature by content: each file:// entry as its
# candidate paths in FILESPATH order (the first that exists is checksummed), "/./" marking where
# the name a signature shows starts, so that neither depends on where the layer is.
do_fetch[file-checksums] = "${@(d.getVar('SRC_URI') || '').split(/\s+/).filter((u) => u.startsWith('file://')).map((u) => { const p = u.slice(7).split(';')[0]; return p.startsWith('/') ? p : (d.getVar('FILESPATH') || '').split(':').filter((x) => x).map((dir) => dir + '/./' + p).join('|'); }).join(' ')}"
addtask fetch

js base_do_unpack() {
    const uris = bb.fetch2.srcUri(d);
    if (uris.length > 0) await bb.fetch2.unpack(uris, d.getVar('UNPACKDIR'));
}
do_unpack[vardeps] += "SRC_URI"
do_unpack[dirs] = "${UNPACKDIR}"
do_unpack[cleandirs] = "${UNPACKDIR}"
do_unpack[doc] = "Unpacks the sources into UNPACKDIR"
addtask unpack after do_fetch

js base_do_patch() {
    const uris = bb.fetch2.srcUri(d);
    if (uris.length > 0) await bb.fetch2.patch(uris, d.getVar('S'));
}
do_patch[vardeps] += "SRC_URI"
do_patch[dirs] = "${S}"
do_patch[doc] = "Applies the patches of SRC_URI to the sources, in order"
addtask patch after do_unpack

# `bake -c fetchall TARGET` (and --runall=fetch): the sources of the whole dependency tree,
# build and runtime, without building anything.
do_fetchall[recrdeptask] = "do_fetchall do_fetch"
do_fetchall[noexec] = "1"
do_fetchall[doc] = "Fetches the sources of the recipe and of everything it depends on, recursively"
addtask fetchall after do_fetch

# Where the file being parsed is; only meaningful with immediate expansion (a bbappend's
# `FILESEXTRAPATHS:prepend := "${THISDIR}/files:"`), as in OE.
THISDIR = "${@path.dirname(d.getVar('FILE'))}"

# ---- configure, compile, install --------------------------------------------------------------

base_do_configure() {
	:
}
do_configure[dirs] = "${B}"
do_configure[doc] = "Configures the sources for building"
addtask configure after do_patch

base_do_compile() {
	if [ -e Makefile -o -e makefile -o -e GNUmakefile ]; then
		oe_runmake || die "make failed"
	else
		bbnote "nothing to compile"
	fi
}
do_compile[dirs] = "${B}"
do_compile[doc] = "Compiles the sources"
addtask compile after do_configure

base_do_install() {
	:
}
do_install[dirs] = "${B}"
do_install[cleandirs] = "${D}"
do_install[doc] = "Installs what was built into D, the recipe's image directory"
addtask install after do_compile

do_build[noexec] = "1"
do_build[doc] = "The default task: everything the recipe needs done"
addtask build after do_populate_sysroot

EXPORT_FUNCTIONS do_fetch do_unpack do_patch do_configure do_compile do_install

# ---- helpers ----------------------------------------------------------------------------------

MAKE ?= "make"
EXTRA_OEMAKE ?= ""

oe_runmake_call() {
	bbnote ${MAKE} ${PARALLEL_MAKE} ${EXTRA_OEMAKE} "$@"
	${MAKE} ${PARALLEL_MAKE} ${EXTRA_OEMAKE} "$@"
}

oe_runmake() {
	oe_runmake_call "$@" || die "oe_runmake failed"
}

# ---- recipes that do not apply to this configuration ------------------------------------------

# COMPATIBLE_MACHINE and COMPATIBLE_HOST are regular expressions; a recipe whose MACHINE (or
# TARGET_SYS) does not match is skipped, with the reason shown when something asks for it.
js () {
    const machine = d.getVar('COMPATIBLE_MACHINE');
    if (machine) {
        const overrides = (d.getVar('MACHINEOVERRIDES') || '').split(':').filter(Boolean);
        const re = new RegExp(`^(?:${machine})`);
        if (!overrides.some((m) => re.test(m))) {
            throw new bb.parse.SkipRecipe(`incompatible with machine ${d.getVar('MACHINE')} (not in COMPATIBLE_MACHINE)`);
        }
    }
    const host = d.getVar('COMPATIBLE_HOST');
    if (host && !new RegExp(`^(?:${host})`).test(d.getVar('TARGET_SYS') || '')) {
        throw new bb.parse.SkipRecipe(`incompatible with host ${d.getVar('TARGET_SYS')} (not in COMPATIBLE_HOST)`);
    }
}
