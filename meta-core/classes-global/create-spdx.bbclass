# Software bills of materials (OE's create-spdx, smaller): an SPDX 2.3 JSON document beside every
# image, ${IMAGE_NAME}.spdx.json (link ${IMAGE_LINK_NAME}.spdx.json), made from the metadata only,
# without network:
#   do_create_spdx    per target recipe, an sstate task published in ${SPDX_DEPLOY_DIR}:
#                     packages/<pkg>.json       one SPDX package per binary package: name, version,
#                                               license (LICENSE:<pkg> or LICENSE as an SPDX
#                                               expression), supplier, where its sources come from
#                     packages/<pkg>.relationships   <pkg> GENERATED_FROM each source below
#                     recipes/<pn>.json         one SPDX package per remote entry of SRC_URI: the
#                                               exact URL and the sha256 the recipe declares (the
#                                               fetcher refuses a download that does not match it)
#                     recipes/<pn>.licenserefs  the LicenseRef-… the recipe's licenses need
#   image_write_sbom  after an image's do_image: the packages of the image's manifest, the sources
#                     of their recipes, the relationships (DOCUMENT DESCRIBES image, image
#                     CONTAINS package, package GENERATED_FROM source) and the texts of the
#                     LicenseRef-… licenses (from the recipes' license directories)
#
# Every value from the metadata becomes JSON at parse time (the anonymous function below, with
# JSON.stringify), so the per-recipe task is a signature of exactly that data; the shell only
# writes those lines out and, at image time, joins them and fills in the date and the namespace.
# The document is deterministic: creationInfo.created is SOURCE_DATE_EPOCH, the namespace ends in
# the sha256 of the document itself (no random UUID), packages come in manifest order.
require classes-global/generated/spdx-license-ids.inc

SPDX_DEPLOY_DIR ?= "${DEPLOY_DIR}/spdx/${MACHINE}"
SPDXWORK = "${WORKDIR}/spdx-deploy"
# The packages' supplier, as SPDX writes it ("Organization: Name" or "Person: Name"; a bare name
# is taken as an organization); empty is NOASSERTION.
SPDX_SUPPLIER ?= ""
SPDX_NAMESPACE_PREFIX ?= "http://spdx.org/spdxdocs"
# apt:// sources are written as the file's URL in this Debian archive.
SPDX_DEBIAN_MIRROR ?= "https://deb.debian.org/debian"

# OE license names that are not SPDX identifiers, and deprecated SPDX identifiers, with what they
# mean in SPDX. Names neither here nor in SPDX_LICENSE_IDS become LicenseRef-<name>.
SPDXLICENSEMAP[GPLv1] = "GPL-1.0-only"
SPDXLICENSEMAP[GPLv1+] = "GPL-1.0-or-later"
SPDXLICENSEMAP[GPLv2] = "GPL-2.0-only"
SPDXLICENSEMAP[GPLv2+] = "GPL-2.0-or-later"
SPDXLICENSEMAP[GPLv3] = "GPL-3.0-only"
SPDXLICENSEMAP[GPLv3+] = "GPL-3.0-or-later"
SPDXLICENSEMAP[LGPLv2] = "LGPL-2.0-only"
SPDXLICENSEMAP[LGPLv2+] = "LGPL-2.0-or-later"
SPDXLICENSEMAP[LGPLv2.1] = "LGPL-2.1-only"
SPDXLICENSEMAP[LGPLv2.1+] = "LGPL-2.1-or-later"
SPDXLICENSEMAP[LGPLv3] = "LGPL-3.0-only"
SPDXLICENSEMAP[LGPLv3+] = "LGPL-3.0-or-later"
SPDXLICENSEMAP[AGPLv3] = "AGPL-3.0-only"
SPDXLICENSEMAP[AGPLv3+] = "AGPL-3.0-or-later"
SPDXLICENSEMAP[GPL-1.0] = "GPL-1.0-only"
SPDXLICENSEMAP[GPL-1.0+] = "GPL-1.0-or-later"
SPDXLICENSEMAP[GPL-2.0] = "GPL-2.0-only"
SPDXLICENSEMAP[GPL-2.0+] = "GPL-2.0-or-later"
SPDXLICENSEMAP[GPL-3.0] = "GPL-3.0-only"
SPDXLICENSEMAP[GPL-3.0+] = "GPL-3.0-or-later"
SPDXLICENSEMAP[LGPL-2.0] = "LGPL-2.0-only"
SPDXLICENSEMAP[LGPL-2.0+] = "LGPL-2.0-or-later"
SPDXLICENSEMAP[LGPL-2.1] = "LGPL-2.1-only"
SPDXLICENSEMAP[LGPL-2.1+] = "LGPL-2.1-or-later"
SPDXLICENSEMAP[LGPL-3.0] = "LGPL-3.0-only"
SPDXLICENSEMAP[LGPL-3.0+] = "LGPL-3.0-or-later"
SPDXLICENSEMAP[AGPL-3.0] = "AGPL-3.0-only"
SPDXLICENSEMAP[AGPL-3.0+] = "AGPL-3.0-or-later"
SPDXLICENSEMAP[GPL-2.0-with-GCC-exception] = "GPL-2.0-or-later WITH GCC-exception-2.0"
SPDXLICENSEMAP[GPL-3.0-with-GCC-exception] = "GPL-3.0-or-later WITH GCC-exception-3.1"
SPDXLICENSEMAP[GPL-2.0-with-autoconf-exception] = "GPL-2.0-or-later WITH Autoconf-exception-2.0"
SPDXLICENSEMAP[GPL-3.0-with-autoconf-exception] = "GPL-3.0-or-later WITH Autoconf-exception-3.0"
SPDXLICENSEMAP[GPL-2.0-with-bison-exception] = "GPL-2.0-or-later WITH Bison-exception-2.2"
SPDXLICENSEMAP[GPL-2.0-with-classpath-exception] = "GPL-2.0-only WITH Classpath-exception-2.0"
SPDXLICENSEMAP[GPL-2.0-with-font-exception] = "GPL-2.0-only WITH Font-exception-2.0"
SPDXLICENSEMAP[GPL-2.0-with-OpenSSL-exception] = "GPL-2.0-only WITH openvpn-openssl-exception"
SPDXLICENSEMAP[StandardML-NJ] = "SMLNJ"
SPDXLICENSEMAP[MPLv1] = "MPL-1.0"
SPDXLICENSEMAP[MPLv1.1] = "MPL-1.1"
SPDXLICENSEMAP[MPLv2] = "MPL-2.0"
SPDXLICENSEMAP[Apachev2] = "Apache-2.0"
SPDXLICENSEMAP[openssl] = "OpenSSL"
SPDXLICENSEMAP[PD] = "LicenseRef-PD"

# The recipe's SPDX data as lines the task writes out ("<kind> <name> <json>"), and, in an
# image, the document's first line and the image's own package.
js () {
    const words = (v) => (v || '').split(/\s+/).filter(Boolean);
    const text = (name) => (d.getVar(name) || '').trim();
    // Build-host recipes and images have no packages of their own to describe.
    const packaged = d.getVar('CLASSOVERRIDE') === 'class-target' && words(d.getVar('PACKAGES')).length > 0 && d.getVarFlag('do_packagedata', 'noexec') !== '1';
    const isImage = d.getVar('IMAGE_BASENAME') !== null;
    if (!packaged) d.setVarFlag('do_create_spdx', 'noexec', '1');
    if (!packaged && !isImage) return;
    // Unexpanded: the lists are plain words, and every recipe reads them.
    const known = new Set(words(d.getVar('SPDX_LICENSE_IDS', false)));
    const exceptions = new Set(words(d.getVar('SPDX_EXCEPTION_IDS', false)));
    const spdxId = (s) => s.replace(/[^A-Za-z0-9.-]/g, '-');
    // LicenseRef-<id> → the OE name it stands for.
    const refs = new Map();
    const ref = (name) => {
        const id = 'LicenseRef-' + spdxId(name);
        refs.set(id, name);
        return id;
    };
    const licenseId = (name) => {
        const mapped = d.getVarFlag('SPDXLICENSEMAP', name);
        if (mapped) {
            if (mapped.startsWith('LicenseRef-')) refs.set(mapped, name);
            return mapped;
        }
        if (known.has(name) || name.startsWith('LicenseRef-')) {
            if (name.startsWith('LicenseRef-')) refs.set(name, name.slice('LicenseRef-'.length));
            return name;
        }
        if (name.endsWith('+') && known.has(name.slice(0, -1))) return name;
        return ref(name);
    };
    // OE's LICENSE syntax (names, & | and parentheses; SPDX's AND, OR and WITH accepted as well)
    // as an SPDX license expression.
    const spdxLicense = (oe) => {
        const tokens = (oe || 'CLOSED').replace(/[&|()]/g, ' $& ').split(/\s+/).filter(Boolean);
        const out = [];
        for (let i = 0; i < tokens.length; i++) {
            const t = tokens[i];
            if (t === '&' || t === 'AND') out.push('AND');
            else if (t === '|' || t === 'OR') out.push('OR');
            else if (t === '(' || t === ')') out.push(t);
            else if (t === 'WITH' && out.length > 0 && i + 1 < tokens.length) {
                const exception = tokens[++i];
                if (exceptions.has(exception)) out.push('WITH', exception);
                else out.push(ref(out.pop().replace(/^LicenseRef-/, '') + '-WITH-' + exception));
            } else out.push(licenseId(t));
        }
        return out.join(' ').replace(/\( /g, '(').replace(/ \)/g, ')');
    };
    const supplierOf = () => {
        const s = text('SPDX_SUPPLIER');
        if (!s) return 'NOASSERTION';
        return /^(Organization|Person): /.test(s) ? s : 'Organization: ' + s;
    };
    const supplier = supplierOf();
    const lines = [];
    const pn = text('PN');

    // The remote sources: the exact URL (apt:// as the archive's URL, git with its revision).
    const sources = [];
    for (const entry of words(d.getVar('SRC_URI'))) {
        const [url, ...params] = entry.split(';');
        const param = Object.fromEntries(params.map((p) => { const eq = p.indexOf('='); return eq < 0 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)]; }));
        const scheme = url.includes('://') ? url.slice(0, url.indexOf('://')) : '';
        if (scheme === '' || scheme === 'file') continue;
        const name = param.name || '';
        const sha256 = d.getVarFlag('SRC_URI', name ? name + '.sha256sum' : 'sha256sum') || '';
        const rest = url.slice(scheme.length + 3);
        let location = url;
        let fileName = (param.downloadfilename || rest.split('/').filter(Boolean).pop() || pn);
        if (scheme === 'git' || scheme === 'gitsm') {
            const rev = (name && d.getVar('SRCREV_' + name)) || d.getVar('SRCREV') || '';
            location = 'git+' + (param.protocol || 'git') + '://' + rest + (/^[0-9a-f]{7,}$/.test(rev) ? '@' + rev : '');
            fileName = pn + '-git';
        } else if (scheme === 'apt') {
            const slash = rest.indexOf('/');
            const pkg = (slash < 0 ? rest : rest.slice(0, slash)) || text('DEBIAN_SOURCE_PACKAGE') || text('BPN');
            const file = slash < 0 ? '' : rest.slice(slash + 1).split('/').pop();
            location = file ? text('SPDX_DEBIAN_MIRROR') + '/pool/main/' + (pkg.startsWith('lib') ? pkg.slice(0, 4) : pkg[0]) + '/' + pkg + '/' + file : 'NOASSERTION';
            fileName = file || param.downloadfilename || pkg;
        }
        sources.push({ url, location, sha256, fileName });
    }
    const recipeLicense = spdxLicense(text('LICENSE'));
    const sourceIds = sources.map((s, i) => 'SPDXRef-Source-' + spdxId(pn) + '-' + (i + 1));
    sources.forEach((s, i) => {
        const pkg = {
            SPDXID: sourceIds[i],
            name: s.fileName,
            versionInfo: text('PV'),
            supplier,
            downloadLocation: s.location,
            filesAnalyzed: false,
            checksums: s.sha256 ? [{ algorithm: 'SHA256', checksumValue: s.sha256 }] : undefined,
            licenseConcluded: 'NOASSERTION',
            licenseDeclared: recipeLicense,
            copyrightText: 'NOASSERTION',
            comment: 'SRC_URI entry of recipe ' + pn + ': ' + s.url,
            primaryPackagePurpose: 'SOURCE',
        };
        lines.push('source ' + pn + ' ' + JSON.stringify(pkg));
    });
    const built = sources.length > 0
        ? 'built by bake from ' + sources.map((s) => s.location + (s.sha256 ? ' (sha256 ' + s.sha256 + ')' : '')).join(', ')
        : 'built by bake from the local files of recipe ' + pn;

    for (const p of packaged ? words(d.getVar('PACKAGES')) : []) {
        const license = spdxLicense(d.getVar('LICENSE:' + p) || text('LICENSE'));
        const pkg = {
            SPDXID: 'SPDXRef-Package-' + spdxId(p),
            name: p,
            versionInfo: d.getVar('PKGV:' + p) || text('PKGV') || text('PV'),
            supplier,
            downloadLocation: sources.length > 0 ? sources[0].location : 'NOASSERTION',
            filesAnalyzed: false,
            licenseConcluded: license,
            licenseDeclared: license,
            copyrightText: 'NOASSERTION',
            homepage: text('HOMEPAGE') || undefined,
            summary: text('SUMMARY') || undefined,
            sourceInfo: built + ' (recipe ' + pn + ' ' + text('PV') + '-' + text('PR') + ')',
        };
        lines.push('package ' + p + ' ' + JSON.stringify(pkg));
        for (const id of sourceIds) {
            lines.push('relationship ' + p + ' ' + JSON.stringify({ spdxElementId: pkg.SPDXID, relationshipType: 'GENERATED_FROM', relatedSpdxElement: id }));
        }
    }

    // An image: the document's first line (placeholders for the date and the namespace's hash)
    // and its own package, which the document describes.
    if (isImage) {
        const imageId = 'SPDXRef-Image-' + spdxId(text('IMAGE_BASENAME'));
        const head = {
            spdxVersion: 'SPDX-2.3',
            dataLicense: 'CC0-1.0',
            SPDXID: 'SPDXRef-DOCUMENT',
            name: text('IMAGE_NAME'),
            documentNamespace: text('SPDX_NAMESPACE_PREFIX') + '/' + text('IMAGE_NAME') + '-@@SPDX_HASH@@',
            creationInfo: { created: '@@SPDX_CREATED@@', creators: ['Tool: bake'] },
        };
        const license = spdxLicense(text('LICENSE'));
        const image = {
            SPDXID: imageId,
            name: text('IMAGE_BASENAME'),
            versionInfo: text('PV'),
            supplier,
            downloadLocation: 'NOASSERTION',
            filesAnalyzed: false,
            licenseConcluded: license,
            licenseDeclared: license,
            copyrightText: 'NOASSERTION',
            summary: text('SUMMARY') || undefined,
            primaryPackagePurpose: words(d.getVar('IMAGE_FSTYPES')).includes('oci') ? 'CONTAINER' : 'OPERATING-SYSTEM',
        };
        d.setVar('SPDX_IMAGE_HEAD', JSON.stringify(head).slice(0, -1));
        d.setVar('SPDX_IMAGE_PACKAGE', JSON.stringify(image));
        d.setVar('SPDX_IMAGE_ID', imageId);
    }
    for (const [id, name] of [...refs].sort()) {
        lines.push('licenseref ' + pn + ' ' + id + ' ' + spdxId(name) + ' ' + JSON.stringify({ licenseId: id, name }).slice(0, -1));
    }
    d.setVar('SPDX_RECIPE_DATA', lines.join('\n'));
}

do_create_spdx() {
	mkdir -p "${SPDXWORK}/packages" "${SPDXWORK}/recipes"
	while read -r kind name json; do
		case "$kind" in
		package) printf '%s\n' "$json" > "${SPDXWORK}/packages/$name.json" ;;
		relationship) printf '%s\n' "$json" >> "${SPDXWORK}/packages/$name.relationships" ;;
		source) printf '%s\n' "$json" >> "${SPDXWORK}/recipes/$name.json" ;;
		licenseref) printf '%s\n' "$json" >> "${SPDXWORK}/recipes/$name.licenserefs" ;;
		esac
	done <<'SPDX_DATA_EOF'
${SPDX_RECIPE_DATA}
SPDX_DATA_EOF
}
do_create_spdx[cleandirs] = "${SPDXWORK}"
do_create_spdx[dirs] = "${SPDXWORK}"
do_create_spdx[umask] = "022"
SSTATETASKS += "do_create_spdx"
do_create_spdx[sstate-inputdirs] = "${SPDXWORK}"
do_create_spdx[sstate-outputdirs] = "${SPDX_DEPLOY_DIR}"
do_create_spdx[vardepsexclude] += "SPDXWORK SPDX_DEPLOY_DIR"
do_create_spdx[doc] = "Writes the SPDX data of the recipe's packages and sources into SPDX_DEPLOY_DIR"
# Nothing but the metadata goes in: no dependency, so restoring or running it is cheap.
addtask create_spdx before do_build

# Every recipe of an image's packages has its data published before the image is written (and
# its license texts: image.bbclass's do_populate_lic).
do_rootfs[recrdeptask] += "do_create_spdx"

# Quoted for JSON: the text of file $1 (invalid UTF-8 and control characters dropped).
spdx_json_text() {
	printf '"'
	iconv -f UTF-8 -t UTF-8 -c < "$1" | tr -d '\000-\010\013\014\016-\037' \
		| sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/\\t/g' -e 's/\r/\\r/g' -e 's/$/\\n/' | tr -d '\n'
	printf '"'
}

# Lines of file $2 joined by ",\n" into the JSON array named $1 (the first element after "[").
spdx_json_array() {
	printf ',\n"%s":[\n' "$1"
	sed '$!s/$/,/' "$2"
	printf ']'
}

image_write_sbom() {
	sde_load
	work="${WORKDIR}/sbom-work"
	out="${IMGDEPLOYDIR}/${IMAGE_NAME}.spdx.json"
	rm -rf "$work"
	mkdir -p "$work"
	cat > "$work/packages" <<'SPDX_DATA_EOF'
${SPDX_IMAGE_PACKAGE}
SPDX_DATA_EOF
	printf '{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"%s"}\n' "${SPDX_IMAGE_ID}" > "$work/relationships"
	: > "$work/sources"
	: > "$work/licenserefs"
	: > "$work/recipes"
	# The image's own LicenseRefs, if any, are its recipe's.
	while read -r kind name id oename prefix; do
		[ "$kind" = licenseref ] || continue
		printf '%s %s %s\n' "$id" "$oename" "$prefix" >> "$work/image.licenserefs"
	done <<'SPDX_DATA_EOF'
${SPDX_RECIPE_DATA}
SPDX_DATA_EOF
	for pkg in $(cut -d' ' -f1 "${IMAGE_MANIFEST_FILE}"); do
		frag="${SPDX_DEPLOY_DIR}/packages/$pkg.json"
		pn=$(rootfs_pkgdata $pkg PN)
		[ -f "$frag" ] || bbfatal "SBOM: no SPDX data for package $pkg (recipe $pn) in ${SPDX_DEPLOY_DIR}: does its recipe inherit create-spdx?"
		cat "$frag" >> "$work/packages"
		id=$(sed -n 's/^{"SPDXID":"\([^"]*\)".*/\1/p' "$frag")
		printf '{"spdxElementId":"%s","relationshipType":"CONTAINS","relatedSpdxElement":"%s"}\n' "${SPDX_IMAGE_ID}" "$id" >> "$work/relationships"
		[ ! -f "${SPDX_DEPLOY_DIR}/packages/$pkg.relationships" ] || cat "${SPDX_DEPLOY_DIR}/packages/$pkg.relationships" >> "$work/relationships"
		grep -qxF "$pn" "$work/recipes" || echo "$pn" >> "$work/recipes"
	done
	for pn in $(cat "$work/recipes"); do
		[ ! -f "${SPDX_DEPLOY_DIR}/recipes/$pn.json" ] || cat "${SPDX_DEPLOY_DIR}/recipes/$pn.json" >> "$work/sources"
		[ ! -f "${SPDX_DEPLOY_DIR}/recipes/$pn.licenserefs" ] || sed "s/^/$pn /" "${SPDX_DEPLOY_DIR}/recipes/$pn.licenserefs" >> "$work/all.licenserefs"
	done
	[ ! -f "$work/image.licenserefs" ] || sed "s/^/${PN} /" "$work/image.licenserefs" >> "$work/all.licenserefs"
	cat "$work/sources" >> "$work/packages"
	# Each LicenseRef once, with the generic text its recipe's license directory has for it.
	if [ -f "$work/all.licenserefs" ]; then
		: > "$work/seen"
		while read -r pn id oename prefix; do
			grep -qxF "$id" "$work/seen" && continue
			echo "$id" >> "$work/seen"
			text="${LICENSE_DEPLOY_DIR}/$pn/generic_$oename"
			if [ -f "$text" ]; then
				printf '%s,"extractedText":%s}\n' "$prefix" "$(spdx_json_text "$text")"
			else
				printf '%s,"extractedText":"NOASSERTION: no text of %s in the license directories of recipe %s"}\n' "$prefix" "$oename" "$pn"
			fi
		done < "$work/all.licenserefs" >> "$work/licenserefs"
	fi
	{
		printf '%s' "$(cat <<'SPDX_DATA_EOF'
${SPDX_IMAGE_HEAD}
SPDX_DATA_EOF
)"
		spdx_json_array packages "$work/packages"
		spdx_json_array relationships "$work/relationships"
		spdx_json_array hasExtractedLicensingInfos "$work/licenserefs"
		printf '}\n'
	} > "$work/document"
	created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
	sed -i "1s/@@SPDX_CREATED@@/$created/" "$work/document"
	hash=$(sha256sum < "$work/document" | cut -c1-64)
	sed "1s/@@SPDX_HASH@@/$hash/" "$work/document" > "$out"
	ln -sf "${IMAGE_NAME}.spdx.json" "${IMGDEPLOYDIR}/${IMAGE_LINK_NAME}.spdx.json"
	touch -h -d "@$SOURCE_DATE_EPOCH" "$out" "${IMGDEPLOYDIR}/${IMAGE_LINK_NAME}.spdx.json"
	rm -rf "$work"
}
do_image[postfuncs] += "image_write_sbom"
do_image[vardepsexclude] += "SPDX_DEPLOY_DIR LICENSE_DEPLOY_DIR"
