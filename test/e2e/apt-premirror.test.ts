// The default configuration's way of fetching, for real: a recipe naming its upstream tarball
// (musl 1.2.3 from musl.libc.org) and its sha256 is fetched through `PREMIRRORS = "https?://.*/.*
// apt:///"` from Debian's source archive (musl_1.2.3.orig.tar.gz is the unchanged upstream
// tarball), then unpacked. BB_FETCH_PREMIRRORONLY keeps the upstream out of it. Needs the
// internet (a Debian mirror) and apt-get; not part of `npm test`.
import test from "ava";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bake, fixture } from "../fetch-build/rig.js";

const SHA256 = "7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4";
const hasApt = spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;

(hasApt ? test : test.skip)("musl 1.2.3 comes from Debian's source archive through the apt:/// premirror", async (t) => {
  const f = fixture(
    "apt-premirror",
    {
      "recipes-f/musl/musl_1.2.3.bb": [
        'SUMMARY = "musl, fetched from its upstream URL via the apt premirror"',
        'LICENSE = "MIT"',
        'SRC_URI = "https://musl.libc.org/releases/musl-${PV}.tar.gz"',
        `SRC_URI[sha256sum] = "${SHA256}"`,
        "",
      ].join("\n"),
    },
    ['PREMIRRORS = "https?://.*/.* apt:///"', 'BB_FETCH_PREMIRRORONLY = "1"'],
  );
  t.teardown(f.cleanup);

  const r = await bake(f.build, ["-c", "unpack", "musl"]);
  t.is(r.code, 0, r.out);
  t.log(`fetch + unpack through apt: ${r.seconds} s`);
  t.regex(r.out, /musl-1\.2\.3-r0 do_fetch: fetched https:\/\/musl\.libc\.org\/releases\/musl-1\.2\.3\.tar\.gz \([\d.]+ [KM]iB, .*\/s\) from apt:\/\/\//);
  const file = join(f.build, "downloads/musl-1.2.3.tar.gz");
  t.is(createHash("sha256").update(readFileSync(file)).digest("hex"), SHA256);
  t.true(existsSync(join(f.build, "tmp/work/x86_64-bake-linux-musl/musl/1.2.3/sources/musl-1.2.3/src/string/memcpy.c")));
});
