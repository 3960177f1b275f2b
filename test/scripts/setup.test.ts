// npm run setup: the packages it knows cover every host tool the shipped layers' recipes ask for
// (HOSTTOOLS), and it prints or runs exactly the apt-get command for what is missing.
import test from "ava";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildTaskGraph } from "../../lib/graph/index.js";
import { prepare } from "../../lib/cli/prepare.js";
import { buildDir } from "../helpers/layer.js";
import { nobodyCanRead } from "../helpers/other-user.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const script = join(repo, "scripts/setup.mjs");

interface SetupModule {
  REQUIREMENTS: readonly { group: string; package: string }[];
  programsProvided(): Set<string>;
  missingPackages(groups: Set<string>, path: string): string[];
  installCommand(packages: string[], root: boolean): string[];
}
const setup = (): Promise<SetupModule> => import(pathToFileURL(script).href) as Promise<SetupModule>;

test("every HOSTTOOLS program of the images, the cmake and meson recipes and the toolchain is installed by setup", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "bake-setup-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const layers = ["meta-core", "meta-bootstrap", "meta-containers"].map((l) => join(repo, l));
  const build = buildDir(join(root, "build"), layers, [`TMPDIR = "${root}/tmp"`, 'BB_HASHSERVE = ""']);
  const prepared = await prepare({ cwd: build, vars: {} });
  const targets = ["core-image-minimal", "core-image-base", "libzip", "fribidi", "container-image-minimal", "gcc-cross-x86_64", "hello"].map((name) => ({ name, task: "do_build" }));
  const graph = buildTaskGraph(prepared.index, prepared.prefs, targets, { runall: [], runonly: [], standalone: false });
  const wanted = new Set([...graph.nodes.values()].flatMap((n) => n.recipe.hostTools));
  for (const tool of ["bc", "flex", "bison", "m4", "cpio", "mke2fs", "g++", "cmake", "ninja", "meson", "pkg-config"]) t.true(wanted.has(tool), `${tool} is in HOSTTOOLS`);
  const provided = (await setup()).programsProvided();
  t.deepEqual([...wanted].filter((tool) => !provided.has(tool)).sort(), []);
});

test("with INHERIT += \"icecc\", the host tools of the compiler environment and of the distributed compiles are installed by setup --tests", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "bake-setup-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const layers = ["meta-core", "meta-bootstrap"].map((l) => join(repo, l));
  const build = buildDir(join(root, "build"), layers, [`TMPDIR = "${root}/tmp"`, 'BB_HASHSERVE = ""', 'INHERIT += "icecc"']);
  const prepared = await prepare({ cwd: build, vars: {} });
  const targets = ["icecc-env-x86_64", "busybox"].map((name) => ({ name, task: "do_build" }));
  const graph = buildTaskGraph(prepared.index, prepared.prefs, targets, { runall: [], runonly: [], standalone: false });
  const wanted = new Set([...graph.nodes.values()].flatMap((n) => n.recipe.hostTools));
  for (const tool of ["icecc", "icecc-create-env", "file"]) t.true(wanted.has(tool), `${tool} is in HOSTTOOLS`);
  const provided = (await setup()).programsProvided();
  t.deepEqual([...wanted].filter((tool) => !provided.has(tool)).sort(), []);
});

test("setup --print prints the apt-get command for exactly the missing packages", async (t) => {
  const { missingPackages, installCommand } = await setup();
  const path = `${process.env.PATH}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
  const missing = missingPackages(new Set(["build", "tests", "e2e"]), path);
  const r = spawnSync(process.execPath, [script, "--all", "--print"], { encoding: "utf8" });
  t.is(r.status, 0, r.stderr);
  if (missing.length === 0) {
    t.regex(r.stdout, /every host package bake needs \(build, tests, e2e\) is present/);
  } else {
    const root = process.getuid?.() === 0;
    t.true(r.stdout.includes(`  ${installCommand(missing, root).join(" ")}\n`), r.stdout);
    t.true(r.stdout.includes(root ? "\n  apt-get install -y --no-install-recommends " : "\n  sudo apt-get install"), r.stdout);
  }
});

(process.getuid?.() !== 0 || nobodyCanRead(script) ? test : test.skip)("setup as a user who is not root prints the sudo command and exits 1 when something is missing", async (t) => {
  if (process.getuid?.() !== 0) {
    // Already not root: the script's own run is the case.
    const r = spawnSync(process.execPath, [script, "--all"], { encoding: "utf8" });
    t.true(r.status === 0 || (r.status === 1 && /sudo apt-get install -y --no-install-recommends/.test(r.stdout)), r.stdout);
    return;
  }
  // As root, drop to nobody with setpriv so nothing is installed.
  const { missingPackages } = await setup();
  const path = `${process.env.PATH}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
  const missing = missingPackages(new Set(["build", "tests", "e2e"]), path);
  const r = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, script, "--all"], { encoding: "utf8" });
  if (missing.length === 0) {
    t.is(r.status, 0, r.stdout + r.stderr);
  } else {
    t.is(r.status, 1, r.stdout + r.stderr);
    t.true(r.stdout.includes(`sudo apt-get install -y --no-install-recommends ${missing.join(" ")}\n`), r.stdout);
  }
});

// A machine with none of the packages: a private mount namespace hides /usr/bin, /usr/sbin,
// /usr/include, /usr/local and the CA certificates; node, apt-get and setpriv are kept by bind mounts.
const canHide = process.getuid?.() === 0 && existsSync("/usr/bin/unshare") && existsSync("/usr/bin/apt-get") && existsSync("/usr/bin/setpriv") && nobodyCanRead(script);
(canHide ? test : test.skip)("on a bare machine setup names every package a build needs: the apt-get command as root (--print), sudo's and exit 1 as a user", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "bake-setup-bare-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const bare = [
    "set -e",
    "mount --make-rprivate /",
    `for p in ${process.execPath} /usr/bin/apt-get /usr/bin/mount /usr/bin/setpriv; do : > "$T/\${p##*/}"; mount --bind "$p" "$T/\${p##*/}"; done`,
    'for d in /usr/sbin /usr/include /usr/local /etc/ssl/certs /usr/bin; do "$T/mount" -t tmpfs none "$d"; done',
    ': > /usr/bin/apt-get; "$T/mount" --bind "$T/apt-get" /usr/bin/apt-get',
    'N="$T/${NODE##*/}"',
    '"$N" "$SCRIPT" --print; echo "exit $?"',
    '"$T/setpriv" --reuid=65534 --regid=65534 --clear-groups "$N" "$SCRIPT" || echo "exit $?"',
  ].join("\n");
  const r = spawnSync("unshare", ["-m", "sh", "-c", bare], {
    encoding: "utf8",
    env: { PATH: "/usr/bin:/bin", T: dir, NODE: process.execPath, SCRIPT: script },
  });
  const build = (await setup()).REQUIREMENTS.filter((q) => q.group === "build").map((q) => q.package);
  for (const tool of ["bison", "cpio", "flex", "m4", "gcc", "make"]) t.true(build.includes(tool));
  const [asRoot, asUser] = r.stdout.split(/(?<=exit 0\n)/);
  t.is(asRoot, `setup: missing ${build.join(" ")}; install them with:\n  apt-get install -y --no-install-recommends ${build.join(" ")}\nexit 0\n`, r.stdout + r.stderr);
  t.is(asUser, `setup: missing ${build.join(" ")}; install them with:\n  sudo apt-get install -y --no-install-recommends ${build.join(" ")}\n  (then run npm run setup again)\nexit 1\n`, r.stdout + r.stderr);
});

test("setup rejects an unknown option with exit 2", (t) => {
  const r = spawnSync(process.execPath, [script, "--frobnicate"], { encoding: "utf8" });
  t.is(r.status, 2);
  t.regex(r.stderr, /unknown option --frobnicate/);
});
