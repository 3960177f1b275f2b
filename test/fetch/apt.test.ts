import test from "ava";
import { spawnSync } from "node:child_process";
import { existsSync, promises as fs, readdirSync } from "node:fs";
import { join } from "node:path";
import { deriveSources, fetchAll } from "../../lib/fetch/index.js";
import { makeCtx, sha256, tempDir } from "./helpers.js";

test("deb-src entries are derived from one-line and deb822 sources", async (t) => {
  const tmp = await tempDir();
  t.teardown(tmp.cleanup);
  await fs.mkdir(join(tmp.path, "sources.list.d"));
  await fs.writeFile(
    join(tmp.path, "sources.list"),
    "# comment\ndeb [signed-by=/k.gpg] http://deb.example.org/debian bookworm main contrib\n#deb http://off.example.org/ x main\n",
  );
  await fs.writeFile(join(tmp.path, "sources.list.d", "extra.list"), "deb http://deb.example.org/debian bookworm main contrib\n");
  await fs.writeFile(
    join(tmp.path, "sources.list.d", "debian.sources"),
    "Types: deb\n# note\nURIs: http://deb.example.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /k.gpg\n\n" +
      "Types: deb\nURIs: http://disabled.example.org/\nSuites: x\nComponents: main\nEnabled: no\n",
  );
  await fs.writeFile(join(tmp.path, "sources.list.d", "ignored.list.disabled"), "deb http://never.example.org/ x main\n");
  const derived = await deriveSources(tmp.path);
  t.is(
    derived.list,
    "deb-src [signed-by=/k.gpg] http://deb.example.org/debian bookworm main contrib\ndeb-src http://deb.example.org/debian bookworm main contrib\n",
  );
  t.deepEqual(derived.sources, [
    {
      name: "debian.sources",
      text: "Types: deb-src\nURIs: http://deb.example.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /k.gpg\n",
    },
  ]);
});

// The real thing needs apt-get, root (apt-get source into a private state) and a reachable
// Debian archive. Set BAKE_TEST_APT=0 to skip it.
const aptUsable =
  process.env["BAKE_TEST_APT"] !== "0" &&
  process.getuid?.() === 0 &&
  spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0 &&
  (existsSync("/etc/apt/sources.list") ||
    (existsSync("/etc/apt/sources.list.d") && readdirSync("/etc/apt/sources.list.d").some((f) => /\.(list|sources)$/.test(f))));

const MUSL_ORIG_SHA = "7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4";

(aptUsable ? test : test.skip)("musl's upstream tarball comes from Debian's source archive (apt mirror and apt://)", async (t) => {
  if (!aptUsable) t.log("skipped: apt source fetching is unavailable (needs apt-get, root and deb sources)");
  const dl = await tempDir();
  t.teardown(dl.cleanup);
  const ctx = makeCtx(
    { DL_DIR: dl.path, BPN: "musl", DEBIAN_SOURCE_VERSION: "1.2.3-1", PREMIRRORS: "https?://.*/.* apt:///" },
    { "SRC_URI[sha256sum]": MUSL_ORIG_SHA, "SRC_URI[orig.sha256sum]": MUSL_ORIG_SHA },
  );
  const [viaMirror] = await fetchAll(ctx, ["https://musl.libc.org/releases/musl-1.2.3.tar.gz"]);
  t.is(viaMirror!.origin, "premirror");
  t.is(viaMirror!.fetchedFrom, "apt:///musl-1.2.3.tar.gz");
  t.is(viaMirror!.localPath, join(dl.path, "musl-1.2.3.tar.gz"));
  t.is(sha256(await fs.readFile(viaMirror!.localPath)), MUSL_ORIG_SHA);

  const [direct] = await fetchAll(ctx, ["apt://musl/1.2.3-1/musl_1.2.3.orig.tar.gz;name=orig"]);
  t.is(direct!.origin, "upstream");
  t.is(direct!.localPath, join(dl.path, "musl_1.2.3.orig.tar.gz"));
  t.is(direct!.sha256 as string | null, MUSL_ORIG_SHA);

  // A file the package does not have is an error for an explicit apt:// entry.
  await t.throwsAsync(fetchAll(ctx, ["apt://musl/1.2.3-1/nope.tar.gz;name=orig"]), { message: /has no file nope\.tar\.gz/ });
});
