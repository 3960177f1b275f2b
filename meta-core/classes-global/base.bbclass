# The class every recipe inherits (from the configuration): the standard tasks, from fetching
# the sources to installing the result, and the shell helpers recipes use.
inherit logging sstate staging devshell

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

# S = "${WORKDIR}" (or "${WORKDIR}/git", "${WORKDIR}/${BP}") is how recipes written for older OE
# releases point at their sources; SRC_URI is unpacked into ${UNPACKDIR} now, so such a recipe
# would configure and compile in a directory without them. OE's insane.bbclass makes it a parse
# error; bake warns at parse time, and again whenever a build uses the recipe (cached or not).
js () {
    const raw = d.getVar('S', false) || '';
    const s = d.getVar('S') || '';
    const unpackdir = d.getVar('UNPACKDIR') || '';
    const sources = (d.getVar('SRC_URI') || '').split(/\s+/).filter(Boolean);
    const inUnpackdir = s === unpackdir || s.startsWith(`${unpackdir}/`);
    if (sources.length > 0 && raw.includes('${WORKDIR}') && !inUnpackdir) {
        const what = sources.every((u) => u.startsWith('file://')) ? 'file:// sources are' : 'SRC_URI is';
        bb.warn(`${d.getVar('PN')}: S = "${raw}", but ${what} unpacked into UNPACKDIR (${unpackdir}), not into S: set S = "${raw.replaceAll('${WORKDIR}', '${UNPACKDIR}')}"`);
    }
}

# ---- clean, cleansstate, cleanall (OE's) ------------------------------------------------------

# do_clean: the recipe's work directory (but its temp/, where this task's own log is being
# written), its stamps, and through CLEANFUNCS what its shared-state tasks installed (sysroot
# component, package data, deployed files). The next build restores or rebuilds it.
CLEANFUNCS ?= ""
js do_clean() {
    const workdir = d.getVar('WORKDIR');
    if (oe.path.exists(workdir)) {
        for (const name of oe.path.listdir(workdir)) if (name !== 'temp') oe.path.remove(oe.path.join(workdir, name));
    }
    const stamp = d.getVar('STAMP');
    const dir = stamp.slice(0, stamp.lastIndexOf('/'));
    const prefix = stamp.slice(stamp.lastIndexOf('/') + 1) + '.';
    if (oe.path.exists(dir)) {
        for (const name of oe.path.listdir(dir)) if (name.startsWith(prefix)) oe.path.remove(oe.path.join(dir, name));
    }
    for (const func of (d.getVar('CLEANFUNCS') || '').split(/\s+/).filter(Boolean)) await bb.build.exec_func(func);
}
do_clean[nostamp] = "1"
do_clean[dirs] = "${TOPDIR}"
do_clean[doc] = "Removes the work directory, the stamps and the installed shared-state output of the recipe"
addtask clean

# do_cleansstate: do_clean, and the recipe's objects in SSTATE_DIR (mirrors are left alone).
js do_cleansstate() {
    const root = d.getVar('SSTATE_DIR');
    const prefix = 'sstate:' + d.getVar('PN') + ':';
    if (!oe.path.exists(root)) return;
    let removed = 0;
    for (const a of oe.path.listdir(root)) {
        const da = oe.path.join(root, a);
        if (!/^[0-9a-f]{2}$/.test(a)) continue;
        for (const b of oe.path.listdir(da)) {
            const db = oe.path.join(da, b);
            for (const name of oe.path.listdir(db)) {
                if (name.startsWith(prefix)) {
                    oe.path.remove(oe.path.join(db, name));
                    removed++;
                }
            }
        }
    }
    bb.note('removed ' + removed + ' shared-state files of ' + d.getVar('PN') + ' from ' + root);
}
do_cleansstate[nostamp] = "1"
do_cleansstate[doc] = "Removes the recipe's shared-state objects, after do_clean"
addtask cleansstate after do_clean

# do_cleanall: do_cleansstate, and the recipe's downloads in DL_DIR (which other build directories
# sharing DL_DIR may still want: OE warns against it too).
js do_cleanall() {
    for (const path of bb.fetch2.clean(bb.fetch2.srcUri())) bb.note('removed ' + path);
}
do_cleanall[nostamp] = "1"
do_cleanall[doc] = "Removes the recipe's downloads, after do_cleansstate"
addtask cleanall after do_cleansstate
