// meta-containers' image-oci class and meta-core's create-spdx class on a small synthetic layer
// (shell-script recipes, no compiler): `IMAGE_FSTYPES = "oci"` writes an OCI image layout whose
// blobs are named by their sha256, whose config carries the entrypoint, user, env, labels and
// ports, whose layer is sorted, root-owned, dated SOURCE_DATE_EPOCH and free of pax headers; skopeo
// and umoci (Debian packages, when installed) read it; a second build directory at another path
// with another umask, TZ and LANG gives the same manifest digest and the same bytes. Beside each
// image, an SPDX 2.3 document lists every package with its version, license (valid SPDX
// expressions, checked with spdx-expression-parse), source URLs and their sha256. No registry
// package ships the SPDX 2.3 JSON schema, so the fields the specification requires are checked
// here one by one.
import test from "ava";
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import parseSpdx from "spdx-expression-parse";
import { layerConf, write } from "../helpers/layer.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const bake = join(repo, "bin/bake.js");
const SOURCE_MTIME = 1650000000;
// The images' SOURCE_DATE_EPOCH: an image has no sources of its own, so the fallback.
const IMAGE_SDE = 1700000000;
const REVISION = "0123456789abcdef0123456789abcdef01234567";
const FROBNICATE_TEXT = 'The "Frobnicate" licence, v1\n\tC:\\frob may be used freely. Café.\n';

function run(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...opts });
}

function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function have(tool: string): boolean {
  return run("sh", ["-c", `command -v ${tool}`]).status === 0;
}

/** A layer of two script packages (one from a "remote" tarball, one from a local file) and two images. */
function layer(root: string, dl: string): { dir: string; tarballSha: string } {
  const dir = join(root, "meta-ocitest");
  write(join(dir, "conf/layer.conf"), layerConf("ocitest"));
  // A license SPDX does not know, with its text (quotes, a backslash, a tab, UTF-8) in the layer.
  write(join(dir, "files/common-licenses/Frobnicate-1"), FROBNICATE_TEXT);
  const src = join(root, "src/hello-sh-1.0");
  write(join(src, "hello"), "#!/bin/sh\necho hello \"$@\"\n");
  write(join(src, "COPYING"), "Permission is granted.\n");
  for (const f of ["hello", "COPYING", ""]) utimesSync(join(src, f), SOURCE_MTIME, SOURCE_MTIME);
  // The "download" is put in DL_DIR beforehand: the fetcher accepts it by its sha256, offline.
  const tar = run("sh", ["-c", `tar -C "$0" --sort=name --owner=0 --group=0 --numeric-owner -cf - hello-sh-1.0 | gzip -n > "$1"`, join(root, "src"), join(dl, "hello-sh-1.0.tar.gz")]);
  if (tar.status !== 0) throw new Error(tar.stderr);
  const tarballSha = sha256(readFileSync(join(dl, "hello-sh-1.0.tar.gz")));
  write(join(dir, "recipes-demo/hello-sh/hello-sh_1.0.bb"), `SUMMARY = "A hello script"
HOMEPAGE = "https://example.org/hello"
LICENSE = "MIT & (GPL-2.0-only | GPLv3+) & Frobnicate-1"
LICENSE:\${PN}-doc = "GPL-3.0-with-GCC-exception"
SRC_URI = "https://example.org/releases/hello-sh-\${PV}.tar.gz;name=tarball"
SRC_URI[tarball.sha256sum] = "${tarballSha}"
INHIBIT_DEFAULT_DEPS = "1"
do_install() {
\tinstall -d \${D}\${bindir} \${D}\${docdir}/hello-sh
\tinstall -m 0755 hello \${D}\${bindir}/hello
\tinstall -m 0644 COPYING \${D}\${docdir}/hello-sh/
}
`);
  write(join(dir, "recipes-demo/motd/files/motd"), "Welcome\n");
  write(join(dir, "recipes-demo/motd/motd_2.1.bb"), `SUMMARY = "Message of the day"
LICENSE = "CLOSED"
SRC_URI = "file://motd"
S = "\${UNPACKDIR}"
INHIBIT_DEFAULT_DEPS = "1"
do_install() {
\tinstall -d \${D}\${sysconfdir}
\tinstall -m 0644 motd \${D}\${sysconfdir}/motd
}
`);
  const image = (name: string, extra: string) =>
    write(join(dir, `recipes-demo/images/${name}.bb`), `SUMMARY = "An OCI test image"
LICENSE = "MIT"
inherit image
IMAGE_INSTALL = "hello-sh hello-sh-doc motd"
IMAGE_KERNEL = ""
IMAGE_FSTYPES = "oci"
OCI_IMAGE_ENTRYPOINT = "/usr/bin/hello"
OCI_IMAGE_CMD = '["--greet", "a b"]'
OCI_IMAGE_ENV_VARS += "GREETING=hi"
OCI_IMAGE_USER = "1000:1000"
OCI_IMAGE_WORKINGDIR = "/etc"
OCI_IMAGE_LABELS = "org.example.team=bake a=b"
OCI_IMAGE_PORTS = "8080 53/udp"
OCI_IMAGE_REVISION = "${REVISION}"
${extra}
`);
  image("oci-test-image", 'OCI_IMAGE_TAG = "v1"');
  image("oci-test-image-zstd", 'OCI_LAYER_COMPRESSION = "zstd"');
  return { dir, tarballSha };
}

function buildDir(root: string, name: string, layers: string[], dl: string): string {
  const build = join(root, name);
  write(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${layers.join(" ")}"\n`);
  write(join(build, "conf/local.conf"), `MACHINE = "qemux86-64"\nDISTRO = "bake"\nDL_DIR = "${dl}"\nBB_NUMBER_THREADS = "2"\nBB_HASHSERVE = ""\nSSTATE_SKIP_CREATION = "1"\n`);
  return build;
}

interface BakeRun {
  readonly status: number | null;
  readonly output: string;
  readonly seconds: number;
}

function bakeIn(build: string, args: string[], shellPrefix = ""): Promise<BakeRun> {
  const start = Date.now();
  return new Promise((resolvePromise) => {
    const child = spawn("sh", ["-c", `${shellPrefix} exec "$0" "$@"`, process.execPath, bake, ...args], { cwd: build, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c) => (output += c));
    child.stderr.on("data", (c) => (output += c));
    child.on("close", (status) => resolvePromise({ status, output, seconds: (Date.now() - start) / 1000 }));
  });
}

const root = mkdtempSync(join(tmpdir(), "bake-oci-"));
const dl = join(root, "downloads");
write(join(dl, ".keep"), "");
const { dir: layerDir, tarballSha } = layer(root, dl);
const layers = [join(repo, "meta-core"), join(repo, "meta-containers"), layerDir];
const buildA = join(root, "build-a");
const buildB = join(root, "elsewhere/build-b");

// Three builds at once, sharing only DL_DIR: the images in two build directories that differ in
// path, umask, TZ and LANG, each built from nothing; and a build directory without
// meta-containers, which must refuse the image.
let builds: { a: Promise<BakeRun>; b: Promise<BakeRun>; noLayer: Promise<BakeRun> } | undefined;

function startBuilds() {
  if (!builds) {
    buildDir(root, "build-a", layers, dl);
    buildDir(root, "elsewhere/build-b", layers, dl);
    const noLayer = buildDir(root, "build-nolayer", layers.filter((l) => !l.endsWith("meta-containers")), dl);
    const targets = ["oci-test-image", "oci-test-image-zstd"];
    builds = {
      a: bakeIn(buildA, targets, "umask 022; TZ=UTC LANG=C"),
      b: bakeIn(buildB, targets, "umask 002; TZ=Asia/Tokyo LANG=de_DE.UTF-8"),
      noLayer: bakeIn(noLayer, ["-n", "oci-test-image"]),
    };
  }
  return builds;
}

/** Build directory A, once its build is done. */
async function firstBuild(): Promise<{ build: string; result: BakeRun }> {
  return { build: buildA, result: await startBuilds().a };
}

test.after.always(() => {
  if (!process.env["BAKE_TEST_KEEP"]) rmSync(root, { recursive: true, force: true });
});

const deploy = (build: string) => join(build, "tmp/deploy/images/qemux86-64");
const layout = (build: string, image = "oci-test-image") => join(deploy(build), `${image}-qemux86-64.oci`);

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

function readJson(path: string): any {
  return JSON.parse(readFileSync(path, "utf8"));
}

function blob(dir: string, digest: string): Buffer {
  return readFileSync(join(dir, "blobs/sha256", digest.replace(/^sha256:/, "")));
}

function manifestOf(dir: string): { index: any; manifest: any; config: any; layer: Buffer; manifestDigest: string } {
  const index = readJson(join(dir, "index.json"));
  const desc: Descriptor = index.manifests[0];
  const manifest = JSON.parse(blob(dir, desc.digest).toString("utf8"));
  const config = JSON.parse(blob(dir, manifest.config.digest).toString("utf8"));
  return { index, manifest, config, layer: blob(dir, manifest.layers[0].digest), manifestDigest: desc.digest };
}

interface TarMember {
  name: string;
  type: string;
  uid: number;
  gid: number;
  mtime: number;
  uname: string;
}

/** The members of a tar archive as its headers say (GNU long names joined, pax headers kept as such). */
function tarMembers(data: Buffer): TarMember[] {
  const members: TarMember[] = [];
  const octal = (at: number, len: number) => parseInt(data.subarray(at, at + len).toString("latin1").replace(/\0.*$/, "").trim() || "0", 8);
  const str = (at: number, len: number) => data.subarray(at, at + len).toString("utf8").replace(/\0.*$/s, "");
  let longName: string | null = null;
  for (let off = 0; off + 512 <= data.length; ) {
    if (data.subarray(off, off + 512).every((b) => b === 0)) break;
    const size = octal(off + 124, 12);
    const type = String.fromCharCode(data[off + 156]!);
    const body = off + 512;
    if (type === "L") {
      longName = data.subarray(body, body + size).toString("utf8").replace(/\0.*$/s, "");
    } else {
      const prefix = str(off + 345, 155);
      const name = longName ?? (prefix ? `${prefix}/${str(off, 100)}` : str(off, 100));
      longName = null;
      members.push({ name, type, uid: octal(off + 108, 8), gid: octal(off + 116, 8), mtime: octal(off + 136, 12), uname: str(off + 265, 32) });
    }
    off = body + Math.ceil(size / 512) * 512;
  }
  return members;
}

/** The order `tar --sort=name` gives: depth first, the entries of each directory in byte order. */
function sortedOrder(names: string[]): string[] {
  const clean = names.map((n) => n.replace(/\/$/, ""));
  const children = new Map<string, string[]>();
  for (const n of clean) {
    const parent = n.includes("/") ? n.slice(0, n.lastIndexOf("/")) : "";
    children.set(parent, [...(children.get(parent) ?? []), n]);
  }
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const c of (children.get(dir) ?? []).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))) {
      out.push(c);
      walk(c);
    }
  };
  walk("");
  return out;
}

test.serial("the images build from the synthetic layer", async (t) => {
  const { result } = await firstBuild();
  t.is(result.status, 0, result.output);
  t.log(`build: ${result.seconds.toFixed(1)} s`);
});

test.serial("OCI layout: oci-layout, index.json, every blob named by its sha256, the stable links", async (t) => {
  const { build } = await firstBuild();
  const dir = layout(build);
  t.is(readlinkSync(dir), "oci-test-image-qemux86-64-1.0-r0.rootfs.oci");
  t.is(readlinkSync(`${dir}.tar`), "oci-test-image-qemux86-64-1.0-r0.rootfs.oci.tar");
  t.deepEqual(readJson(join(dir, "oci-layout")), { imageLayoutVersion: "1.0.0" });
  const { index, manifest } = manifestOf(dir);
  t.is(index.schemaVersion, 2);
  t.is(index.mediaType, "application/vnd.oci.image.index.v1+json");
  t.is(index.manifests.length, 1);
  t.is(index.manifests[0].mediaType, "application/vnd.oci.image.manifest.v1+json");
  t.deepEqual(index.manifests[0].annotations, { "org.opencontainers.image.ref.name": "v1" });
  t.deepEqual(index.manifests[0].platform, { architecture: "amd64", os: "linux" });
  const blobs = readdirSync(join(dir, "blobs/sha256")).sort();
  t.is(blobs.length, 3);
  for (const name of blobs) t.is(sha256(readFileSync(join(dir, "blobs/sha256", name))), name);
  // Each descriptor's size is its blob's.
  const descriptors: Descriptor[] = [index.manifests[0], manifest.config, ...manifest.layers];
  for (const d of descriptors) t.is(blob(dir, d.digest).length, d.size, d.digest);
  t.deepEqual(descriptors.map((d) => d.digest.slice(7)).sort(), blobs);
  // The tar of the layout holds the same files.
  const listing = run("tar", ["-tf", `${dir}.tar`]).stdout.split("\n").filter(Boolean).sort();
  t.deepEqual(listing, ["./", "./blobs/", "./blobs/sha256/", ...blobs.map((b) => `./blobs/sha256/${b}`), "./index.json", "./oci-layout"].sort());
});

test.serial("OCI manifest and config: entrypoint, cmd, user, env, labels, ports, dates, revision, diff_id", async (t) => {
  const { build } = await firstBuild();
  const { manifest, config, layer } = manifestOf(layout(build));
  t.is(manifest.schemaVersion, 2);
  t.is(manifest.mediaType, "application/vnd.oci.image.manifest.v1+json");
  t.is(manifest.config.mediaType, "application/vnd.oci.image.config.v1+json");
  t.is(manifest.layers[0].mediaType, "application/vnd.oci.image.layer.v1.tar+gzip");
  t.deepEqual(manifest.annotations, {
    "org.opencontainers.image.created": "2023-11-14T22:13:20Z",
    "org.opencontainers.image.revision": REVISION,
    "org.opencontainers.image.title": "oci-test-image",
    "org.opencontainers.image.version": "1.0",
  });
  t.is(config.architecture, "amd64");
  t.is(config.os, "linux");
  t.is(config.created, "2023-11-14T22:13:20Z");
  t.deepEqual(config.config, {
    User: "1000:1000",
    ExposedPorts: { "53/udp": {}, "8080/tcp": {} },
    Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "GREETING=hi"],
    Entrypoint: ["/usr/bin/hello"],
    Cmd: ["--greet", "a b"],
    WorkingDir: "/etc",
    Labels: { a: "b", "org.example.team": "bake" },
  });
  t.is(config.history.length, 1);
  t.is(config.history[0].created, "2023-11-14T22:13:20Z");
  t.deepEqual(config.rootfs, { type: "layers", diff_ids: [`sha256:${sha256(gunzipSync(layer))}`] });
});

test.serial("OCI layer: gzip without name or time, members sorted, 0:0, mtime SOURCE_DATE_EPOCH, no pax headers", async (t) => {
  const { build } = await firstBuild();
  const { layer } = manifestOf(layout(build));
  t.is(layer[0], 0x1f);
  t.is(layer[1], 0x8b);
  t.is(layer[3]! & 0x08, 0, "gzip header names a file");
  t.is(layer.readUInt32LE(4), 0, "gzip header has a time");
  const members = tarMembers(gunzipSync(layer));
  const names = members.map((m) => m.name.replace(/\/$/, ""));
  t.true(names.includes("usr/bin/hello"));
  t.true(names.includes("etc/motd"));
  t.false(names.some((n) => n === "." || n.startsWith("./") || n.startsWith("/")), "members are relative, without ./");
  t.deepEqual(names, sortedOrder(names));
  for (const m of members) {
    t.false(m.type === "x" || m.type === "g", `pax header for ${m.name}`);
    t.is(m.uid, 0, m.name);
    t.is(m.gid, 0, m.name);
    t.is(m.uname, "", m.name);
    t.is(m.mtime, IMAGE_SDE, m.name);
  }
});

test.serial("OCI layer as zstd: media type and frame", async (t) => {
  const { build } = await firstBuild();
  const dir = layout(build, "oci-test-image-zstd");
  const { index, manifest, config, layer } = manifestOf(dir);
  t.is(index.manifests[0].annotations["org.opencontainers.image.ref.name"], "latest");
  t.is(manifest.layers[0].mediaType, "application/vnd.oci.image.layer.v1.tar+zstd");
  t.is(layer.readUInt32LE(0), 0xfd2fb528, "zstd magic");
  const tar = spawnSync("zstd", ["-dc"], { input: layer, maxBuffer: 64 * 1024 * 1024 });
  t.is(tar.status, 0);
  t.deepEqual(config.rootfs.diff_ids, [`sha256:${sha256(tar.stdout)}`]);
  // The same rootfs as the gzip image: the same diff_id.
  t.deepEqual(config.rootfs.diff_ids, manifestOf(layout(build)).config.rootfs.diff_ids);
});

const skopeo = have("skopeo") ? test.serial : test.skip;
const umoci = have("umoci") ? test.serial : test.skip;

skopeo("skopeo inspects the layout and copies it, verifying every digest", async (t) => {
  const { build } = await firstBuild();
  const dir = layout(build);
  const raw = run("skopeo", ["inspect", "--raw", `oci:${dir}:v1`]);
  t.is(raw.status, 0, raw.stderr);
  t.is(`sha256:${sha256(raw.stdout)}`, manifestOf(dir).manifestDigest);
  const inspect = run("skopeo", ["inspect", `oci:${dir}:v1`]);
  t.is(inspect.status, 0, inspect.stderr);
  t.log(`skopeo inspect oci:…:v1\n${inspect.stdout}`);
  const info = JSON.parse(inspect.stdout);
  t.is(info.Digest, manifestOf(dir).manifestDigest);
  t.is(info.Architecture, "amd64");
  t.is(info.Os, "linux");
  t.deepEqual(info.Labels, { a: "b", "org.example.team": "bake" });
  const archive = run("skopeo", ["inspect", `oci-archive:${dir}.tar:v1`]);
  t.is(archive.status, 0, archive.stderr);
  t.is(JSON.parse(archive.stdout).Digest, info.Digest);
  const copy = run("skopeo", ["copy", "--quiet", `oci:${dir}:v1`, `oci:${join(root, "copied")}:v1`]);
  t.is(copy.status, 0, copy.stderr);
  const zstd = run("skopeo", ["inspect", `oci:${layout(build, "oci-test-image-zstd")}:latest`]);
  t.is(zstd.status, 0, zstd.stderr);
});

umoci("umoci unpacks the image into a runtime bundle with the config's process", async (t) => {
  const { build } = await firstBuild();
  const bundle = join(root, "bundle");
  const rootless = process.getuid?.() === 0 ? [] : ["--rootless"];
  const unpack = run("umoci", ["unpack", ...rootless, "--image", `${layout(build)}:v1`, bundle]);
  t.is(unpack.status, 0, unpack.stderr);
  t.log(`umoci unpack: ${(unpack.stdout + unpack.stderr).trim() || "(nothing printed)"}`);
  const spec = readJson(join(bundle, "config.json"));
  t.deepEqual(spec.process.args, ["/usr/bin/hello", "--greet", "a b"]);
  t.deepEqual(spec.process.user, { uid: 1000, gid: 1000 });
  t.is(spec.process.cwd, "/etc");
  t.true(spec.process.env.includes("GREETING=hi"));
  t.is(readFileSync(join(bundle, "rootfs/etc/motd"), "utf8"), "Welcome\n");
  t.is(run(join(bundle, "rootfs/usr/bin/hello"), ["there"]).stdout, "hello there\n");
  const zstdBundle = join(root, "bundle-zstd");
  const zstd = run("umoci", ["unpack", ...rootless, "--image", `${layout(build, "oci-test-image-zstd")}:latest`, zstdBundle]);
  if (zstd.status === 0) t.true(existsSync(join(zstdBundle, "rootfs/usr/bin/hello")));
  else t.log(`umoci cannot unpack the zstd layer: ${zstd.stderr.trim()}`);
});

interface SpdxDocument {
  [key: string]: any;
}

function sbom(build: string): SpdxDocument {
  return readJson(join(deploy(build), "oci-test-image-qemux86-64.spdx.json"));
}

test.serial("SBOM: every package of the image with version, license, source URL and sha256", async (t) => {
  const { build } = await firstBuild();
  t.is(readlinkSync(join(deploy(build), "oci-test-image-qemux86-64.spdx.json")), "oci-test-image-qemux86-64-1.0-r0.spdx.json");
  const doc = sbom(build);
  const manifest = readFileSync(join(deploy(build), "oci-test-image-qemux86-64.manifest"), "utf8").trim().split("\n").map((l) => l.split(" ")[0]!);
  t.deepEqual(manifest, ["hello-sh", "hello-sh-doc", "motd"]);
  const byName = new Map<string, any>(doc.packages.map((p: any) => [p.name, p]));
  for (const name of manifest) t.true(byName.has(name), `${name} is not in the SBOM`);
  const hello = byName.get("hello-sh");
  t.is(hello.versionInfo, "1.0");
  t.is(hello.licenseDeclared, "MIT AND (GPL-2.0-only OR GPL-3.0-or-later) AND LicenseRef-Frobnicate-1");
  t.is(hello.downloadLocation, "https://example.org/releases/hello-sh-1.0.tar.gz");
  t.is(hello.homepage, "https://example.org/hello");
  t.is(byName.get("hello-sh-doc").licenseDeclared, "GPL-3.0-or-later WITH GCC-exception-3.1");
  const motd = byName.get("motd");
  t.is(motd.versionInfo, "2.1");
  t.is(motd.downloadLocation, "NOASSERTION");
  t.is(motd.licenseDeclared, "LicenseRef-CLOSED");
  // The source: its exact URL and the sha256 of the downloaded file.
  const source = doc.packages.find((p: any) => p.SPDXID === "SPDXRef-Source-hello-sh-1");
  t.is(source.downloadLocation, "https://example.org/releases/hello-sh-1.0.tar.gz");
  t.deepEqual(source.checksums, [{ algorithm: "SHA256", checksumValue: tarballSha }]);
  t.is(tarballSha, sha256(readFileSync(join(dl, "hello-sh-1.0.tar.gz"))));
  const rel = (a: string, type: string, b: string) =>
    doc.relationships.some((r: any) => r.spdxElementId === a && r.relationshipType === type && r.relatedSpdxElement === b);
  t.true(rel("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Image-oci-test-image"));
  for (const name of manifest) t.true(rel("SPDXRef-Image-oci-test-image", "CONTAINS", byName.get(name).SPDXID), name);
  t.true(rel(hello.SPDXID, "GENERATED_FROM", source.SPDXID));
  t.is(doc.creationInfo.created, "2023-11-14T22:13:20Z");
});

test.serial("SBOM: every license expression parses (spdx-expression-parse), every LicenseRef is defined", async (t) => {
  const { build } = await firstBuild();
  const doc = sbom(build);
  const used = new Set<string>();
  const collect = (node: any): void => {
    if ("license" in node) {
      if (String(node.license).startsWith("LicenseRef-")) used.add(node.license);
    } else {
      collect(node.left);
      collect(node.right);
    }
  };
  for (const p of doc.packages) {
    for (const field of ["licenseConcluded", "licenseDeclared"]) {
      const value = p[field];
      if (value === "NOASSERTION" || value === "NONE") continue;
      t.notThrows(() => collect(parseSpdx(value)), `${p.name}.${field}: ${value}`);
    }
  }
  const defined = new Set(doc.hasExtractedLicensingInfos.map((l: any) => l.licenseId));
  // The text of a LicenseRef comes from the recipe's license directory, byte for byte.
  const frobnicate = doc.hasExtractedLicensingInfos.find((l: any) => l.licenseId === "LicenseRef-Frobnicate-1");
  t.is(frobnicate.extractedText, FROBNICATE_TEXT);
  t.is(frobnicate.name, "Frobnicate-1");
  t.deepEqual([...used].sort(), ["LicenseRef-CLOSED", "LicenseRef-Frobnicate-1"]);
  for (const id of used) t.true(defined.has(id), `${id} is used but not defined`);
});

// SPDX 2.3 (clauses 6-11), the fields a JSON document must have, and their formats.
const RELATIONSHIP_TYPES = new Set(["DESCRIBES", "DESCRIBED_BY", "CONTAINS", "CONTAINED_BY", "DEPENDS_ON", "DEPENDENCY_OF", "GENERATED_FROM", "GENERATES", "BUILD_DEPENDENCY_OF", "RUNTIME_DEPENDENCY_OF", "OTHER"]);
const CHECKSUM_LENGTHS: Record<string, number> = { SHA1: 40, SHA224: 56, SHA256: 64, SHA384: 96, SHA512: 128, MD5: 32 };
const PURPOSES = new Set(["APPLICATION", "FRAMEWORK", "LIBRARY", "CONTAINER", "OPERATING-SYSTEM", "DEVICE", "FIRMWARE", "SOURCE", "ARCHIVE", "FILE", "INSTALL", "OTHER"]);

test.serial("SBOM: the fields SPDX 2.3 requires, in their formats", async (t) => {
  const { build } = await firstBuild();
  const doc = sbom(build);
  t.is(doc.spdxVersion, "SPDX-2.3");
  t.is(doc.dataLicense, "CC0-1.0");
  t.is(doc.SPDXID, "SPDXRef-DOCUMENT");
  t.is(typeof doc.name, "string");
  t.regex(doc.documentNamespace, /^https?:\/\/[^#\s]+$/);
  t.regex(doc.documentNamespace, /\/oci-test-image-qemux86-64-1\.0-r0-[0-9a-f]{64}$/);
  t.regex(doc.creationInfo.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  t.true(doc.creationInfo.creators.length >= 1);
  for (const c of doc.creationInfo.creators) t.regex(c, /^(Tool|Organization|Person): \S/);
  const ids = new Set<string>(["SPDXRef-DOCUMENT"]);
  for (const p of doc.packages) {
    t.regex(p.SPDXID, /^SPDXRef-[A-Za-z0-9.-]+$/);
    t.false(ids.has(p.SPDXID), `duplicate ${p.SPDXID}`);
    ids.add(p.SPDXID);
    t.is(typeof p.name, "string");
    t.true(p.name.length > 0);
    t.true(p.downloadLocation === "NOASSERTION" || p.downloadLocation === "NONE" || /^[a-z+]+:\/\/\S+$/.test(p.downloadLocation), p.downloadLocation);
    t.is(p.filesAnalyzed, false);
    t.false("packageVerificationCode" in p);
    t.true(p.supplier === "NOASSERTION" || /^(Person|Organization): /.test(p.supplier));
    if (p.primaryPackagePurpose !== undefined) t.true(PURPOSES.has(p.primaryPackagePurpose));
    for (const c of p.checksums ?? []) t.regex(c.checksumValue, new RegExp(`^[0-9a-f]{${CHECKSUM_LENGTHS[c.algorithm]}}$`));
  }
  t.true(doc.relationships.some((r: any) => r.spdxElementId === "SPDXRef-DOCUMENT" && r.relationshipType === "DESCRIBES"));
  for (const r of doc.relationships) {
    t.true(RELATIONSHIP_TYPES.has(r.relationshipType), r.relationshipType);
    t.true(ids.has(r.spdxElementId), r.spdxElementId);
    t.true(ids.has(r.relatedSpdxElement), r.relatedSpdxElement);
  }
  for (const l of doc.hasExtractedLicensingInfos) {
    t.regex(l.licenseId, /^LicenseRef-[A-Za-z0-9.-]+$/);
    t.is(typeof l.extractedText, "string");
    t.true(l.extractedText.length > 0);
  }
  // The namespace ends in the sha256 of the document written with the hash left out.
  const text = readFileSync(join(deploy(build), "oci-test-image-qemux86-64.spdx.json"), "utf8");
  const hash = doc.documentNamespace.slice(-64);
  t.is(sha256(text.replace(hash, "@@SPDX_HASH@@")), hash);
});

test.serial("a second build directory (other path, umask, TZ, LANG) gives the same manifest digest and bytes", async (t) => {
  const { build } = await firstBuild();
  const other = await startBuilds().b;
  t.is(other.status, 0, other.output);
  t.log(`second build (at the same time): ${other.seconds.toFixed(1)} s`);
  t.is(manifestOf(layout(buildB)).manifestDigest, manifestOf(layout(build)).manifestDigest);
  t.log(`manifest digest: ${manifestOf(layout(build)).manifestDigest}`);
  for (const file of ["oci-test-image-qemux86-64.oci.tar", "oci-test-image-zstd-qemux86-64.oci.tar", "oci-test-image-qemux86-64.spdx.json"]) {
    t.true(readFileSync(join(deploy(build), file)).equals(readFileSync(join(deploy(buildB), file))), `${file} differs`);
  }
});

test.serial("without meta-containers, IMAGE_FSTYPES oci says which layer to add", async (t) => {
  const result = await startBuilds().noLayer;
  t.not(result.status, 0);
  t.regex(result.output, /IMAGE_FSTYPES has oci, which the image-oci class writes; .*\(meta-containers\): add the layer to BBLAYERS/);
});
