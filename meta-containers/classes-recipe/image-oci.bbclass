# OCI container images: `IMAGE_FSTYPES += "oci"` in an image recipe (image.bbclass inherits this
# class for it) writes the rootfs as an OCI image layout (image-spec v1.1): `oci-layout`,
# `index.json` and `blobs/sha256/` holding the layer, the config and the manifest, each blob named
# by the sha256 of its bytes. Deployed as ${IMAGE_NAME}.rootfs.oci (a directory) and, with
# OCI_IMAGE_TAR, ${IMAGE_NAME}.rootfs.oci.tar, with the stable links ${IMAGE_LINK_NAME}.oci and
# ${IMAGE_LINK_NAME}.oci.tar. Read it with `skopeo inspect oci:<dir>:<tag>`, unpack it with
# `umoci unpack --image <dir>:<tag> <bundle>`.
#
# No container tool writes it: GNU tar, gzip or zstd and sha256sum do. The JSON documents are
# made at parse time (the anonymous function below, with JSON.stringify, so every value from the
# metadata is quoted correctly and is part of do_image's signature); the task fills in only the
# date, digests and sizes, which are hexadecimal and decimal.
#
# Same bytes from the same rootfs on every build, whoever runs it: members in name order, owner
# 0:0 (numeric, no names), every mtime SOURCE_DATE_EPOCH, the GNU tar format (no pax headers, so
# no atime/ctime records), gzip without name or time, zstd single-threaded, and the dates in the
# config and annotations from SOURCE_DATE_EPOCH.

# The name of the image in index.json (org.opencontainers.image.ref.name): `oci:<dir>:<tag>`.
OCI_IMAGE_TAG ?= "latest"
# Entrypoint and Cmd: words, or a JSON array for arguments with spaces ('["sh", "-c", "echo hi"]').
OCI_IMAGE_ENTRYPOINT ?= ""
OCI_IMAGE_CMD ?= ""
# Env: NAME=value words (or a JSON array). PATH, when they do not set it, is OCI_IMAGE_ENV_PATH
# (a default of its own: this class is inherited after the recipe is read, so a recipe's
# `OCI_IMAGE_ENV_VARS += "A=b"` would otherwise take the place of a default here).
OCI_IMAGE_ENV_VARS ?= ""
OCI_IMAGE_ENV_PATH ?= "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# User: a name or uid[:gid] of the image's /etc/passwd; empty is root.
OCI_IMAGE_USER ?= ""
OCI_IMAGE_WORKINGDIR ?= ""
# Labels: key=value words (or a JSON object).
OCI_IMAGE_LABELS ?= ""
# ExposedPorts: port[/tcp|/udp] words (tcp when not said).
OCI_IMAGE_PORTS ?= ""
OCI_IMAGE_STOPSIGNAL ?= ""
# org.opencontainers.image.revision: the revision of the metadata the image was built from: the
# commit of the checkout holding the image recipe (METADATA_REVISION); left out when there is none.
OCI_IMAGE_REVISION ??= "${@d.getVar('METADATA_REVISION') === '<unknown>' ? '' : d.getVar('METADATA_REVISION')}"
# More manifest annotations: key=value words (or a JSON object).
OCI_IMAGE_ANNOTATIONS ?= ""
# gzip (what every tool reads) or zstd.
OCI_LAYER_COMPRESSION ?= "gzip"
OCI_LAYER_GZIP_LEVEL ?= "9"
OCI_LAYER_ZSTD_LEVEL ?= "${IMAGE_ZSTD_LEVEL}"
# "1": also a tar of the layout (what `skopeo copy oci-archive:…` reads).
OCI_IMAGE_TAR ?= "1"
OCI_IMAGE_OS ?= "linux"
# GOARCH names, as the image-spec wants them.
OCI_IMAGE_ARCH ?= "${@({ x86_64: 'amd64', aarch64: 'arm64', i386: '386', i486: '386', i586: '386', i686: '386', arm: 'arm', armeb: 'arm', riscv64: 'riscv64', powerpc64le: 'ppc64le', ppc64le: 'ppc64le', powerpc64: 'ppc64', mips: 'mips', mipsel: 'mipsle', mips64: 'mips64', mips64el: 'mips64le', s390x: 's390x', loongarch64: 'loong64' })[d.getVar('TARGET_ARCH')] || bb.fatal('image-oci: no OCI architecture for TARGET_ARCH ' + d.getVar('TARGET_ARCH') + ': set OCI_IMAGE_ARCH')}"

# The config, manifest and index as JSON text with @@OCI_…@@ placeholders (numbers unquoted).
js () {
    const text = (name) => (d.getVar(name) || '').trim();
    const where = (name) => 'image-oci: ' + name + ' = "' + text(name) + '"';
    const jsonOf = (name, what) => {
        try {
            return JSON.parse(text(name));
        } catch (e) {
            bb.fatal(where(name) + ' is not valid JSON (' + what + '): ' + e.message);
        }
    };
    const list = (name) => {
        const v = text(name);
        if (!v.startsWith('[')) return v.split(/\s+/).filter(Boolean);
        const a = jsonOf(name, 'an array of strings');
        if (!Array.isArray(a) || !a.every((x) => typeof x === 'string')) bb.fatal(where(name) + ' is not an array of strings');
        return a;
    };
    const pairs = (name) => {
        const v = text(name);
        if (v.startsWith('{')) {
            const o = jsonOf(name, 'an object of strings');
            if (o === null || typeof o !== 'object' || Array.isArray(o) || !Object.values(o).every((x) => typeof x === 'string')) bb.fatal(where(name) + ' is not an object of strings');
            return Object.entries(o);
        }
        return v.split(/\s+/).filter(Boolean).map((w) => {
            const eq = w.indexOf('=');
            if (eq <= 0) bb.fatal(where(name) + ': "' + w + '" is not key=value');
            return [w.slice(0, eq), w.slice(eq + 1)];
        });
    };
    const sorted = (entries) => Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const compression = text('OCI_LAYER_COMPRESSION');
    const layerType = { gzip: 'application/vnd.oci.image.layer.v1.tar+gzip', zstd: 'application/vnd.oci.image.layer.v1.tar+zstd' }[compression];
    if (!layerType) bb.fatal(where('OCI_LAYER_COMPRESSION') + ': gzip or zstd');
    const env = list('OCI_IMAGE_ENV_VARS');
    if (text('OCI_IMAGE_ENV_PATH') && !env.some((e) => e.startsWith('PATH='))) env.unshift('PATH=' + text('OCI_IMAGE_ENV_PATH'));
    for (const e of env) if (e.indexOf('=') <= 0) bb.fatal(where('OCI_IMAGE_ENV_VARS') + ': "' + e + '" is not NAME=value');
    const ports = list('OCI_IMAGE_PORTS').map((p) => (p.includes('/') ? p : p + '/tcp'));
    for (const p of ports) if (!/^[0-9]+\/(tcp|udp|sctp)$/.test(p)) bb.fatal(where('OCI_IMAGE_PORTS') + ': "' + p + '" is not port[/tcp|/udp|/sctp]');

    // Keys in a fixed order, empty ones left out: the same metadata always gives the same bytes.
    const runtime = {};
    if (text('OCI_IMAGE_USER')) runtime.User = text('OCI_IMAGE_USER');
    if (ports.length > 0) runtime.ExposedPorts = sorted(ports.map((p) => [p, {}]));
    if (env.length > 0) runtime.Env = env;
    if (list('OCI_IMAGE_ENTRYPOINT').length > 0) runtime.Entrypoint = list('OCI_IMAGE_ENTRYPOINT');
    if (list('OCI_IMAGE_CMD').length > 0) runtime.Cmd = list('OCI_IMAGE_CMD');
    if (text('OCI_IMAGE_WORKINGDIR')) runtime.WorkingDir = text('OCI_IMAGE_WORKINGDIR');
    const labels = pairs('OCI_IMAGE_LABELS');
    if (labels.length > 0) runtime.Labels = sorted(labels);
    if (text('OCI_IMAGE_STOPSIGNAL')) runtime.StopSignal = text('OCI_IMAGE_STOPSIGNAL');
    const config = {
        created: '@@OCI_CREATED@@',
        architecture: text('OCI_IMAGE_ARCH'),
        os: text('OCI_IMAGE_OS'),
        config: runtime,
        rootfs: { type: 'layers', diff_ids: ['sha256:@@OCI_DIFF_ID@@'] },
        history: [{ created: '@@OCI_CREATED@@', created_by: 'bake image-oci: the rootfs of ' + text('IMAGE_NAME') }],
    };

    const annotations = { 'org.opencontainers.image.created': '@@OCI_CREATED@@' };
    if (text('OCI_IMAGE_REVISION')) annotations['org.opencontainers.image.revision'] = text('OCI_IMAGE_REVISION');
    annotations['org.opencontainers.image.title'] = text('IMAGE_BASENAME');
    annotations['org.opencontainers.image.version'] = text('PV');
    for (const [k, v] of pairs('OCI_IMAGE_ANNOTATIONS')) annotations[k] = v;
    const manifest = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: 'sha256:@@OCI_CONFIG_DIGEST@@', size: '@@OCI_CONFIG_SIZE@@' },
        layers: [{ mediaType: layerType, digest: 'sha256:@@OCI_LAYER_DIGEST@@', size: '@@OCI_LAYER_SIZE@@' }],
        annotations: sorted(Object.entries(annotations)),
    };
    const tag = text('OCI_IMAGE_TAG');
    if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(tag)) bb.fatal(where('OCI_IMAGE_TAG') + ' is not a valid tag');
    const index = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [{
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: 'sha256:@@OCI_MANIFEST_DIGEST@@',
            size: '@@OCI_MANIFEST_SIZE@@',
            platform: { architecture: text('OCI_IMAGE_ARCH'), os: text('OCI_IMAGE_OS') },
            annotations: { 'org.opencontainers.image.ref.name': tag },
        }],
    };
    const unquoteSizes = (s) => s.replace(/"(@@OCI_[A-Z]+_SIZE@@)"/g, '$1');
    d.setVar('OCI_CONFIG_TEMPLATE', JSON.stringify(config));
    d.setVar('OCI_MANIFEST_TEMPLATE', unquoteSizes(JSON.stringify(manifest)));
    d.setVar('OCI_INDEX_TEMPLATE', unquoteSizes(JSON.stringify(index)));
}

# Moves file $2 into layout $1's blobs under its sha256; prints the digest.
oci_add_blob() {
	digest=$(sha256sum < "$2" | cut -c1-64)
	mv "$2" "$1/blobs/sha256/$digest"
	echo "$digest"
}

image_cmd_oci() {
	layout="$1"
	work="${WORKDIR}/oci-work"
	rm -rf "$layout" "$layout.tar" "$work"
	mkdir -p "$layout/blobs/sha256" "$work"
	created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)

	# The layer: the top-level entries in byte order, each tree below them in name order; no
	# entry for / itself (the runtime makes the root).
	(cd "${IMAGE_ROOTFS}" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort) > "$work/top"
	tar --create --directory="${IMAGE_ROOTFS}" --format=gnu --sort=name --numeric-owner --owner=0 --group=0 \
		--mtime="@$SOURCE_DATE_EPOCH" --no-acls --no-xattrs --no-selinux \
		--verbatim-files-from --files-from="$work/top" > "$work/layer.tar"
	diff_id=$(sha256sum < "$work/layer.tar" | cut -c1-64)
	case "${OCI_LAYER_COMPRESSION}" in
	gzip) gzip -n -${OCI_LAYER_GZIP_LEVEL} -c "$work/layer.tar" > "$work/layer" ;;
	zstd) zstd -q -T1 -${OCI_LAYER_ZSTD_LEVEL} --no-progress -c "$work/layer.tar" > "$work/layer" ;;
	esac
	layer_size=$(stat -c %s "$work/layer")
	layer=$(oci_add_blob "$layout" "$work/layer")

	# Templates are one line of JSON; the placeholders hold only hex digits, digits and the date.
	cat > "$work/config.in" <<'OCI_TEMPLATE_EOF'
${OCI_CONFIG_TEMPLATE}
OCI_TEMPLATE_EOF
	sed -e "s/@@OCI_CREATED@@/$created/g" -e "s/@@OCI_DIFF_ID@@/$diff_id/g" "$work/config.in" | tr -d '\n' > "$work/config"
	config_size=$(stat -c %s "$work/config")
	config=$(oci_add_blob "$layout" "$work/config")

	cat > "$work/manifest.in" <<'OCI_TEMPLATE_EOF'
${OCI_MANIFEST_TEMPLATE}
OCI_TEMPLATE_EOF
	sed -e "s/@@OCI_CREATED@@/$created/g" -e "s/@@OCI_CONFIG_DIGEST@@/$config/g" -e "s/@@OCI_CONFIG_SIZE@@/$config_size/g" \
		-e "s/@@OCI_LAYER_DIGEST@@/$layer/g" -e "s/@@OCI_LAYER_SIZE@@/$layer_size/g" "$work/manifest.in" | tr -d '\n' > "$work/manifest"
	manifest_size=$(stat -c %s "$work/manifest")
	manifest=$(oci_add_blob "$layout" "$work/manifest")

	cat > "$work/index.in" <<'OCI_TEMPLATE_EOF'
${OCI_INDEX_TEMPLATE}
OCI_TEMPLATE_EOF
	sed -e "s/@@OCI_MANIFEST_DIGEST@@/$manifest/g" -e "s/@@OCI_MANIFEST_SIZE@@/$manifest_size/g" "$work/index.in" | tr -d '\n' > "$layout/index.json"
	printf '%s' '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
	bbnote "OCI image ${OCI_IMAGE_TAG}: manifest sha256:$manifest, layer sha256:$layer ($layer_size bytes, ${OCI_LAYER_COMPRESSION}), diff_id sha256:$diff_id"

	find "$layout" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	if [ "${OCI_IMAGE_TAR}" = "1" ]; then
		tar --create --directory="$layout" --format=gnu --sort=name --numeric-owner --owner=0 --group=0 \
			--mtime="@$SOURCE_DATE_EPOCH" --no-acls --no-xattrs --no-selinux . > "$layout.tar"
		ln -sf "$(basename "$layout").tar" "${IMGDEPLOYDIR}/${IMAGE_LINK_NAME}.oci.tar"
	fi
	rm -rf "$work"
}
# The templates are set by the anonymous function: their values are in the signature through
# image_cmd_oci, which do_image calls by name (image_cmd_<type>).
do_image[vardeps] += "image_cmd_oci"
