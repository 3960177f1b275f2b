// Fetching inside a real build (bin/bake.js, meta-core's do_fetch/do_unpack): http sources and
// file:// ones found through FILESPATH, with a bbappend's FILESEXTRAPATHS in front; then offline
// builds: BB_NO_NETWORK with a complete DL_DIR builds, with an empty one fails naming the URL.
import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { sha256, serveBody, startServer } from "../fetch/helpers.js";
import { bake, fixture, write } from "./rig.js";

/** A small source tarball, hello-1.0/greeting, made with the host's tar. */
function tarball(dir: string): Buffer {
  write(join(dir, "hello-1.0/greeting"), "hello from the tarball\n");
  const r = spawnSync("tar", ["-czf", "-", "-C", dir, "hello-1.0"]);
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
  return r.stdout;
}

function recipeFiles(base: string, tgz: Buffer, notes: Buffer): Record<string, string> {
  return {
    "recipes-f/hello/hello_1.0.bb": [
      'SUMMARY = "hello"',
      'LICENSE = "MIT"',
      `SRC_URI = "${base}/src/hello-1.0.tar.gz;name=tarball ${base}/src/notes.txt;name=notes file://local.txt file://extra.txt"`,
      `SRC_URI[tarball.sha256sum] = "${sha256(tgz)}"`,
      `SRC_URI[notes.sha256sum] = "${sha256(notes)}"`,
      "",
      "do_install() {",
      "\tinstall -d ${D}${datadir}/hello",
      "\tcp ${S}/greeting ${UNPACKDIR}/notes.txt ${UNPACKDIR}/local.txt ${UNPACKDIR}/extra.txt ${D}${datadir}/hello/",
      "}",
      "",
    ].join("\n"),
    "recipes-f/hello/files/local.txt": "local.txt from the recipe's files/\n",
    // The bbappend's directory comes first in FILESPATH: its local.txt wins, its extra.txt is found.
    "appends/hello/hello_1.0.bbappend": 'FILESEXTRAPATHS:prepend := "${THISDIR}/files:"\n',
    "appends/hello/files/local.txt": "local.txt from the bbappend\n",
    "appends/hello/files/extra.txt": "extra.txt only the bbappend has\n",
  };
}

/** What do_unpack put in UNPACKDIR (the tarball's directory read one level down). */
function unpacked(build: string): Record<string, string> {
  const dir = join(build, "tmp/work/x86_64-bake-linux-musl/hello/1.0/sources");
  const files = [...readdirSync(dir).filter((f) => f !== "hello-1.0"), "hello-1.0/greeting"].sort();
  return Object.fromEntries(files.map((f) => [f, readFileSync(join(dir, f), "utf8")]));
}

/** Nothing built and no shared state: the next build must run every task, do_fetch included. */
function wipe(build: string): void {
  for (const dir of ["tmp", "sstate-cache"]) rmSync(join(build, dir), { recursive: true, force: true });
}

test("a build fetches http and FILESPATH sources; BB_NO_NETWORK builds from a full DL_DIR and fails on an empty one", async (t) => {
  const notes = Buffer.from("release notes\n");
  const f0 = fixture("offline-src", {});
  t.teardown(f0.cleanup);
  const tgz = tarball(f0.root);
  const server = await startServer({ "/src/hello-1.0.tar.gz": serveBody(tgz), "/src/notes.txt": serveBody(notes) });
  t.teardown(() => server.close());
  const f = fixture("offline", recipeFiles(server.base, tgz, notes));
  t.teardown(f.cleanup);

  const online = await bake(f.build, ["hello"]);
  t.is(online.code, 0, online.out);
  t.log(`online build: ${online.seconds} s`);
  t.deepEqual(unpacked(f.build), {
    "extra.txt": "extra.txt only the bbappend has\n",
    "hello-1.0/greeting": "hello from the tarball\n",
    "local.txt": "local.txt from the bbappend\n",
    "notes.txt": "release notes\n",
  });
  t.is(server.hits("/src/hello-1.0.tar.gz"), 1);
  t.is(server.hits("/src/notes.txt"), 1);

  // No server any more, nothing built: every task reruns, do_fetch from DL_DIR alone.
  await server.close();
  wipe(f.build);
  const offline = await bake(f.build, ["hello"], { BB_NO_NETWORK: "1" });
  t.is(offline.code, 0, offline.out);
  t.regex(offline.out, /recipe hello-1\.0-r0: task do_fetch: Succeeded/);
  t.is(unpacked(f.build)["hello-1.0/greeting"], "hello from the tarball\n");

  wipe(f.build);
  const emptyDl = join(f.root, "empty-downloads");
  mkdirSync(emptyDl);
  const empty = await bake(f.build, ["hello"], { BB_NO_NETWORK: "1", DL_DIR: emptyDl });
  t.is(empty.code, 1, empty.out);
  t.regex(empty.out, /hello-1\.0-r0 do_fetch: failed: Network access is disabled .* but http:\/\/127\.0\.0\.1:\d+\/src\/hello-1\.0\.tar\.gz;name=tarball is not in DL_DIR/);
});
