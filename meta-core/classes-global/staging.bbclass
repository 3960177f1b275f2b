# Per-recipe sysroots. do_populate_sysroot publishes what a recipe installs for others (headers,
# libraries, and for native recipes programs); do_prepare_recipe_sysroot gathers into this recipe's
# own sysroots exactly the output of the recipes it DEPENDS on (directly or through them), so an
# undeclared dependency fails to build instead of leaking in.

SYSROOT_DIRS = "${includedir} ${libdir} ${base_libdir} ${datadir}"
SYSROOT_DIRS_NATIVE = "${bindir} ${sbindir} ${base_bindir} ${base_sbindir} ${libexecdir} ${sysconfdir} ${localstatedir}"
SYSROOT_DIRS:append:class-native = " ${SYSROOT_DIRS_NATIVE}"
SYSROOT_DIRS:append:class-cross = " ${SYSROOT_DIRS_NATIVE}"
SYSROOT_DESTDIR = "${WORKDIR}/sysroot-destdir"
# One directory per architecture the output runs on (OE's ${COMPONENTS_DIR}/${PACKAGE_ARCH}/${PN}):
# two machines built in one TMPDIR each have their own musl, busybox…, while native and cross
# recipes (their output runs on the build host) are one component that both machines share.
COMPONENTS_DIR ?= "${TMPDIR}/sysroots-components"
SYSROOT_COMPONENT = "${COMPONENTS_DIR}/${HOST_ARCH}/${PN}"

sysroot_stage_all() {
	for dir in ${SYSROOT_DIRS}; do
		if [ -d "${D}$dir" ]; then
			mkdir -p "${SYSROOT_DESTDIR}$dir"
			cp -pPR "${D}$dir/." "${SYSROOT_DESTDIR}$dir/"
		fi
	done
}

# The task fills SYSROOT_DESTDIR; bake keeps that as its shared-state object and publishes it as
# ${SYSROOT_COMPONENT} (sstate.bbclass), whether the task ran or its object was restored.
do_populate_sysroot() {
	sysroot_stage_all
}
SSTATETASKS += "do_populate_sysroot"
do_populate_sysroot[sstate-inputdirs] = "${SYSROOT_DESTDIR}"
do_populate_sysroot[sstate-outputdirs] = "${SYSROOT_COMPONENT}"
do_populate_sysroot[cleandirs] = "${SYSROOT_DESTDIR}"
do_populate_sysroot[dirs] = "${D}"
do_populate_sysroot[doc] = "Publishes what this recipe installs for the recipes that depend on it"
addtask populate_sysroot after do_install

# Native and cross recipes build tools for the build host: they go into recipe-sysroot-native, from
# the build host's component directory; the other dependencies run where this recipe's output
# runs (HOST_ARCH) and come from that architecture's.
js do_prepare_recipe_sysroot() {
    const deps = JSON.parse(d.getVar('BB_TASKDEPDATA') || '{}');
    const own = d.getVar('PN');
    const components = d.getVar('COMPONENTS_DIR');
    const seen = new Set();
    for (const [pn, task] of Object.values(deps)) {
        if (task !== 'do_populate_sysroot' || pn === own || seen.has(pn)) continue;
        seen.add(pn);
        const native = pn.endsWith('-native') || pn.includes('-cross-') || pn.endsWith('-cross');
        const dest = d.getVar(native ? 'RECIPE_SYSROOT_NATIVE' : 'RECIPE_SYSROOT');
        const src = oe.path.join(components, d.getVar(native ? 'BUILD_ARCH' : 'HOST_ARCH'), pn);
        if (oe.path.exists(src)) oe.path.copyhardlinktree(src, dest);
        bb.note(`sysroot: ${pn} -> ${dest}`);
    }
}
do_prepare_recipe_sysroot[deptask] = "do_populate_sysroot"
# The signature covers the whole closure this task installs, not just the direct dependencies:
# with hash equivalence a dependency that gained a dependency of its own keeps its unihash (its
# output is the same), yet this sysroot must now hold the new one too.
do_prepare_recipe_sysroot[hashclosure] = "do_populate_sysroot"
do_prepare_recipe_sysroot[cleandirs] = "${RECIPE_SYSROOT} ${RECIPE_SYSROOT_NATIVE}"
do_prepare_recipe_sysroot[doc] = "Gathers the sysroot output of this recipe's dependencies"
addtask prepare_recipe_sysroot before do_configure after do_fetch
