import test from "ava";
import { parseSourceUri, splitSrcUri } from "../../lib/fetch/index.js";

test("SRC_URI entries parse into typed parameters", (t) => {
  const u = parseSourceUri("https://user:pw@example.org:8080/a/b%20c.tar.gz;name=x;subdir=s;unpack=0;striplevel=2;apply=yes;downloadfilename=d.tgz");
  t.like(u, {
    scheme: "https",
    host: "example.org:8080",
    path: "/a/b c.tar.gz",
    user: "user",
    password: "pw",
    name: "x",
    subdir: "s",
    unpack: false,
    striplevel: 2,
    apply: true,
    downloadfilename: "d.tgz",
  });
  t.like(parseSourceUri("file://patches/fix.patch;patchdir=src"), { scheme: "file", host: "", path: "patches/fix.patch", patchdir: "src", unpack: true, apply: null });
  t.like(parseSourceUri("git://h/r.git;protocol=https;branch=main;nobranch=1;rev=abc;destsuffix=x"), {
    protocol: "https",
    branch: "main",
    nobranch: true,
    rev: "abc",
    destsuffix: "x",
  });
  t.throws(() => parseSourceUri("https://example.org/x;novalue"), { message: /missing '='/ });
  t.throws(() => parseSourceUri("https://example.org/x;striplevel=two"), { message: /striplevel/ });
});

test("SRC_URI splits on any whitespace", (t) => {
  t.deepEqual(splitSrcUri("  file://a.patch \n\thttps://x/y.tar.gz;name=y  "), ["file://a.patch", "https://x/y.tar.gz;name=y"]);
  t.deepEqual(splitSrcUri(null), []);
});
