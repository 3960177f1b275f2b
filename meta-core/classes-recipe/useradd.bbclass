# Users and groups a package needs (OE's useradd.bbclass), declared as in OE:
#
#   inherit useradd
#   USERADD_PACKAGES = "${PN}"
#   GROUPADD_PARAM:${PN} = "--system dropbear"
#   USERADD_PARAM:${PN} = "--system --home /var/lib/foo --shell /bin/false -g dropbear foo"
#   GROUPMEMS_PARAM:${PN} = "-a foo -g dialout"
#
# Each value is the arguments of one groupadd/useradd/groupmems command, several separated by ";".
# OE runs them as the package's preinst, with shadow's tools, in the image. bake has no package
# scripts: the values travel in the package's pkgdata, and the image's rootfs applies them to the
# passwd, group and shadow files it has installed (rootfs-useradd.bbclass), in a fixed order, so
# the ids they get depend on nothing but the image's packages.

USERADD_PACKAGES ?= ""

# The packages' commands as tables of "PKG ARGS; ARGS…" lines, whitespace collapsed (a value
# continued over several lines is one command list), referenced by name so they are part of
# do_package's signature.
js () {
    // Build-host variants (BBCLASSEXTEND) have no packages and no image to add users to.
    if (['class-native', 'class-cross'].includes(d.getVar('CLASSOVERRIDE'))) return;
    const pkgs = (d.getVar('USERADD_PACKAGES') || '').split(/\s+/).filter(Boolean);
    if (pkgs.length === 0) {
        bb.fatal(d.getVar('FILE') + ' inherits useradd but USERADD_PACKAGES is empty: name the packages that need users or groups');
    }
    const packages = (d.getVar('PACKAGES') || '').split(/\s+/).filter(Boolean);
    // Nothing is packaged (a configuration without the package class): no image to add users to.
    if (packages.length === 0) return;
    const table = (name) => pkgs.map((p) => (p + ' ' + (d.getVar(name + ':' + p) || '').replace(/\s+/g, ' ').trim()).trim()).join('\n');
    for (const p of pkgs) {
        if (!packages.includes(p)) bb.fatal(d.getVar('FILE') + ': USERADD_PACKAGES names ' + p + ', which is not in PACKAGES (' + packages.join(' ') + ')');
        if (!d.getVar('USERADD_PARAM:' + p) && !d.getVar('GROUPADD_PARAM:' + p) && !d.getVar('GROUPMEMS_PARAM:' + p)) {
            bb.fatal(d.getVar('FILE') + ': ' + p + ' is in USERADD_PACKAGES but none of USERADD_PARAM:' + p + ', GROUPADD_PARAM:' + p + ' or GROUPMEMS_PARAM:' + p + ' is set');
        }
        // The users need the base user and group databases to be added to.
        d.appendVar('RDEPENDS:' + p, ' base-passwd');
    }
    d.setVar('USERADD_PARAM_TABLE', table('USERADD_PARAM'));
    d.setVar('GROUPADD_PARAM_TABLE', table('GROUPADD_PARAM'));
    d.setVar('GROUPMEMS_PARAM_TABLE', table('GROUPMEMS_PARAM'));
}

# The commands go into each package's pkgdata (runtime/<pkg>) as USERADD_PARAM, GROUPADD_PARAM and
# GROUPMEMS_PARAM lines, where the rootfs reads them.
useradd_write_pkgdata() {
	for pkg in ${USERADD_PACKAGES}; do
		runtime="${PKGDESTWORK}/runtime/$pkg"
		[ -f "$runtime" ] || bbfatal "useradd: no pkgdata for $pkg (is it in PACKAGES?)"
		for kind in GROUPADD_PARAM USERADD_PARAM GROUPMEMS_PARAM; do
			case $kind in
			GROUPADD_PARAM) value=$(package_table "${GROUPADD_PARAM_TABLE}" $pkg) ;;
			USERADD_PARAM) value=$(package_table "${USERADD_PARAM_TABLE}" $pkg) ;;
			GROUPMEMS_PARAM) value=$(package_table "${GROUPMEMS_PARAM_TABLE}" $pkg) ;;
			esac
			[ -z "$value" ] || printf '%s: %s\n' "$kind" "$value" >> "$runtime"
		done
	done
}
do_package[postfuncs] += "useradd_write_pkgdata"
