# SysV init scripts started at boot (OE's update-rc.d.bbclass), declared as in OE:
#
#   inherit update-rc.d
#   INITSCRIPT_NAME = "dropbear"               # the script in ${sysconfdir}/init.d
#   INITSCRIPT_PARAMS = "defaults 10"          # update-rc.d's arguments
#   INITSCRIPT_PACKAGES = "${PN}-server"       # optional: default ${PN}; then INITSCRIPT_NAME:<pkg>…
#
# OE runs `update-rc.d -r $D NAME PARAMS` in the package's postinst. bake has no package scripts:
# the name and parameters travel in the package's pkgdata, and the image's rootfs makes the
# /etc/rcN.d links (rootfs-initscripts.bbclass), with update-rc.d's meaning of the parameters:
#   defaults [NN | SS KK]                    start in 2 3 4 5, stop in 0 1 6, sequence 20 (or NN, or SS/KK)
#   start NN LEVEL… . [stop NN LEVEL… .]     explicit links ("S" is the rcS.d level)

INITSCRIPT_PARAMS ?= "defaults"
INIT_D_DIR = "${sysconfdir}/init.d"
UPDATERCPN ?= "${PN}"

js () {
    if (['class-native', 'class-cross'].includes(d.getVar('CLASSOVERRIDE'))) return;
    const file = d.getVar('FILE');
    const packages = (d.getVar('PACKAGES') || '').split(/\s+/).filter(Boolean);
    let pkgs = d.getVar('INITSCRIPT_PACKAGES');
    if (pkgs === null) {
        if (d.getVar('INITSCRIPT_NAME') === null) bb.fatal(file + ' inherits update-rc.d but does not set INITSCRIPT_NAME');
        pkgs = d.getVar('UPDATERCPN');
        // As OE: a recipe whose packages do not include ${PN} starts the script from its first one.
        if (packages.length > 0 && !packages.includes(pkgs)) pkgs = packages[0];
    }
    // Nothing is packaged (a configuration without the package class): no image to link into.
    if (packages.length === 0) return;
    const rows = { name: [], params: [] };
    for (const pkg of pkgs.split(/\s+/).filter(Boolean)) {
        if (!packages.includes(pkg)) bb.fatal(file + ': INITSCRIPT_PACKAGES names ' + pkg + ', which is not in PACKAGES (' + packages.join(' ') + ')');
        const name = d.getVar('INITSCRIPT_NAME:' + pkg) || d.getVar('INITSCRIPT_NAME');
        const params = (d.getVar('INITSCRIPT_PARAMS:' + pkg) || d.getVar('INITSCRIPT_PARAMS') || '').replace(/\s+/g, ' ').trim();
        if (!name) bb.fatal(file + ': no INITSCRIPT_NAME for package ' + pkg);
        if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(name)) bb.fatal(file + ': INITSCRIPT_NAME "' + name + '" is not a script name');
        rows.name.push(pkg + ' ' + name);
        rows.params.push(pkg + ' ' + params);
    }
    d.setVar('INITSCRIPT_PACKAGES_LIST', pkgs);
    d.setVar('INITSCRIPT_NAME_TABLE', rows.name.join('\n'));
    d.setVar('INITSCRIPT_PARAMS_TABLE', rows.params.join('\n'));
}

# The script must be in the package that starts it: a missing one is found here, not at boot.
updatercd_write_pkgdata() {
	for pkg in ${INITSCRIPT_PACKAGES_LIST}; do
		name=$(package_table "${INITSCRIPT_NAME_TABLE}" $pkg)
		params=$(package_table "${INITSCRIPT_PARAMS_TABLE}" $pkg)
		[ -f "${PKGDEST}/$pkg${INIT_D_DIR}/$name" ] ||
			bbfatal "update-rc.d: package $pkg has no ${INIT_D_DIR}/$name (INITSCRIPT_NAME); install it in do_install and ship it in FILES:$pkg"
		[ -x "${PKGDEST}/$pkg${INIT_D_DIR}/$name" ] || bbfatal "update-rc.d: ${INIT_D_DIR}/$name of $pkg is not executable"
		printf 'INITSCRIPT_NAME: %s\nINITSCRIPT_PARAMS: %s\n' "$name" "$params" >> "${PKGDESTWORK}/runtime/$pkg"
	done
}
do_package[postfuncs] += "updatercd_write_pkgdata"
