#!/usr/bin/env node
// npm run setup: install the host packages a build needs on Debian or Ubuntu, in one command.
// Plain JavaScript with no dependencies, so it runs before `npm ci` (which may itself need gcc and
// make to build a native module) and in CI on a bare machine.
//
//   npm run setup [-- [--tests] [--e2e] [--all] [--print] [--list]]
//
//   (default)  what `bake core-image-minimal` needs: the README's requirements and every program
//              in HOSTTOOLS of meta-core, meta-bootstrap and meta-containers
//   --tests    also what `npm test` drives (skopeo, umoci, chromium, icecc)
//   --e2e      also what `npm run test:e2e` and the check scripts use (qemu, diffoscope, runc, clang)
//   --all      all of the above
//   --print    print the apt-get command for what is missing and install nothing
//   --list     print every package of the chosen groups with its status, install nothing
//
// As root it runs apt-get itself; otherwise it prints the exact command (with sudo) and exits 1
// when something is missing, so `npm run setup && ./bin/bake.js …` stops there.
// Exit status: 0 everything present (or installed), 1 something missing, 2 bad usage.
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Every Debian package, the group that needs it, and what shows it is present: a program on the
 * PATH or a file. A package counts as present when all of them are, wherever they came from, so a
 * host with its own git or gcc is not made to install Debian's.
 */
export const REQUIREMENTS = [
  // The engine itself: unpacking, patching, git sources, network namespaces.
  { group: "build", package: "dash", programs: ["sh"] },
  { group: "build", package: "tar", programs: ["tar"] },
  { group: "build", package: "gzip", programs: ["gzip"] },
  { group: "build", package: "zstd", programs: ["zstd"] },
  { group: "build", package: "xz-utils", programs: ["xz"] },
  { group: "build", package: "bzip2", programs: ["bzip2"] },
  { group: "build", package: "unzip", programs: ["unzip"] },
  { group: "build", package: "patch", programs: ["patch"] },
  { group: "build", package: "git", programs: ["git"] },
  { group: "build", package: "util-linux", programs: ["unshare"] },
  // The launcher of isolated shell tasks (lib/run/launcher.ts), by absolute path: not a PATH's shim.
  { group: "build", package: "python3", files: ["/usr/bin/python3"] },
  { group: "build", package: "ca-certificates", files: ["/etc/ssl/certs/ca-certificates.crt"] },
  // The host compilers that build the cross toolchain and the native recipes (BUILD_CC, BUILD_CXX).
  { group: "build", package: "gcc", programs: ["gcc"] },
  { group: "build", package: "g++", programs: ["g++"] },
  { group: "build", package: "make", programs: ["make"] },
  { group: "build", package: "m4", programs: ["m4"] }, // gmp-native
  // Images: ext4 (image.bbclass), cpio.gz, ELF tools for package splitting.
  { group: "build", package: "e2fsprogs", programs: ["mke2fs", "debugfs", "e2fsck"] },
  { group: "build", package: "cpio", programs: ["cpio"] },
  { group: "build", package: "binutils", programs: ["readelf", "objcopy", "strip"] },
  // The kernel's host programs (kernel.bbclass: Kconfig's parsers, timeconst, objtool's libelf).
  { group: "build", package: "bc", programs: ["bc"] },
  { group: "build", package: "flex", programs: ["flex"] },
  { group: "build", package: "bison", programs: ["bison"] },
  { group: "build", package: "libelf-dev", files: ["/usr/include/gelf.h"] },
  // Recipe classes: pkgconfig (the host's pkg-config behind a sysroot wrapper), cmake, meson.
  { group: "build", package: "pkgconf", programs: ["pkg-config"] },
  { group: "build", package: "cmake", programs: ["cmake"] },
  { group: "build", package: "ninja-build", programs: ["ninja"] },
  { group: "build", package: "meson", programs: ["meson"] },
  // `bake -c menuconfig` (kernel, busybox): Kconfig's menu is built with ncurses.
  { group: "build", package: "libncurses-dev", files: ["/usr/include/ncurses.h"] },
  // What npm test drives: real OCI tools read what image-oci writes.
  { group: "tests", package: "skopeo", programs: ["skopeo"] },
  { group: "tests", package: "umoci", programs: ["umoci"] },
  // icecc.bbclass and its tests: a real icecream cluster in network namespaces (test/icecc), the
  // compiler environment (icecc-env: icecc-create-env, a bash script running file and ldd).
  { group: "tests", package: "icecc", programs: ["icecc", "iceccd", "icecc-scheduler", "icecc-create-env"] },
  { group: "tests", package: "file", programs: ["file"] },
  { group: "tests", package: "bash", programs: ["bash"] },
  { group: "tests", package: "libc-bin", programs: ["ldd"] },
  { group: "tests", package: "iproute2", programs: ["ip"] },
  // The build report's test opens a report in headless Chromium (about 80 MB, 20 s to install).
  { group: "tests", package: "chromium", programs: ["chromium"] },
  // npm run test:e2e, scripts/repro-check and scripts/host-independence-check.
  { group: "e2e", package: "qemu-system-x86", programs: ["qemu-system-x86_64"] },
  { group: "e2e", package: "qemu-system-arm", programs: ["qemu-system-aarch64"] }, // MACHINE = "qemuarm64"
  { group: "e2e", package: "diffoscope-minimal", programs: ["diffoscope"] },
  { group: "e2e", package: "runc", programs: ["runc"] },
  { group: "e2e", package: "clang", programs: ["clang"] },
  // core-image-base's e2e test logs in over SSH with a key it makes.
  { group: "e2e", package: "openssh-client", programs: ["ssh", "ssh-keygen"] },
];

/** The HOSTTOOLS program each requirement provides, for the check that none is forgotten. */
export function programsProvided() {
  return new Set(REQUIREMENTS.flatMap((r) => r.programs ?? []));
}

const NODE_MINIMUM = [20, 18, 1];
const SEARCH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function onPath(program, path) {
  return path.split(":").filter(Boolean).some((dir) => executable(join(dir, program)));
}

/** Whether a requirement is met on this host (`path`: the directories searched for programs). */
export function present(req, path) {
  return (req.programs ?? []).every((p) => onPath(p, path)) && (req.files ?? []).every((f) => existsSync(f));
}

/** The packages of `groups` that are missing, in the table's order. */
export function missingPackages(groups, path) {
  return REQUIREMENTS.filter((r) => groups.has(r.group) && !present(r, path)).map((r) => r.package);
}

export function installCommand(packages, root) {
  const apt = ["apt-get", "install", "-y", "--no-install-recommends", ...packages];
  return root ? apt : ["sudo", ...apt];
}

function nodeTooOld(version) {
  const have = version.replace(/^v/, "").split(".").map(Number);
  for (let i = 0; i < NODE_MINIMUM.length; i++) {
    if ((have[i] ?? 0) !== NODE_MINIMUM[i]) return (have[i] ?? 0) < NODE_MINIMUM[i];
  }
  return false;
}

function usage(message) {
  process.stderr.write(`setup: ${message}\nusage: npm run setup [-- [--tests] [--e2e] [--all] [--print] [--list]]\n`);
  return 2;
}

export function main(argv, env = process.env) {
  const groups = new Set(["build"]);
  let print = false;
  let list = false;
  for (const arg of argv) {
    if (arg === "--tests") groups.add("tests");
    else if (arg === "--e2e") groups.add("e2e");
    else if (arg === "--all") ["tests", "e2e"].forEach((g) => groups.add(g));
    else if (arg === "--print") print = true;
    else if (arg === "--list") list = true;
    else if (arg === "-h" || arg === "--help") {
      process.stdout.write("usage: npm run setup [-- [--tests] [--e2e] [--all] [--print] [--list]]\n");
      return 0;
    }
    else return usage(`unknown option ${arg}`);
  }
  if (nodeTooOld(process.version)) {
    process.stderr.write(`setup: Node.js ${process.version} is too old: bake needs ${NODE_MINIMUM.join(".")} or newer\n`);
    return 1;
  }
  const path = `${env.PATH ?? ""}:${SEARCH_PATH}`;
  if (list) {
    for (const r of REQUIREMENTS.filter((r) => groups.has(r.group))) {
      process.stdout.write(`${r.package.padEnd(20)} ${r.group.padEnd(6)} ${present(r, path) ? "present" : "missing"}\n`);
    }
    return 0;
  }
  const missing = missingPackages(groups, path);
  if (missing.length === 0) {
    process.stdout.write(`setup: every host package bake needs (${[...groups].join(", ")}) is present\n`);
    return 0;
  }
  const hasApt = onPath("apt-get", path);
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const command = installCommand(missing, root);
  if (!hasApt) {
    process.stderr.write(
      `setup: no apt-get here (not Debian or Ubuntu); install the equivalents of these Debian packages:\n  ${missing.join(" ")}\n`,
    );
    return 1;
  }
  if (print || !root) {
    process.stdout.write(`setup: missing ${missing.join(" ")}; install them with:\n  ${command.join(" ")}\n`);
    if (!root) process.stdout.write("  (then run npm run setup again)\n");
    return print ? 0 : 1;
  }
  const aptEnv = { ...env, DEBIAN_FRONTEND: "noninteractive" };
  process.stdout.write(`setup: installing ${missing.join(" ")}\n`);
  // A fresh machine or container may never have fetched the package lists.
  for (const cmd of [["apt-get", "update", "-qq"], command]) {
    process.stdout.write(`+ ${cmd.join(" ")}\n`);
    const r = spawnSync(cmd[0], cmd.slice(1), { stdio: "inherit", env: aptEnv });
    if (r.status !== 0) {
      process.stderr.write(`setup: ${cmd.join(" ")} failed (exit ${r.status ?? r.signal})\n`);
      return 1;
    }
  }
  const still = missingPackages(groups, path);
  if (still.length > 0) {
    process.stderr.write(`setup: still missing after apt-get: ${still.join(" ")}\n`);
    return 1;
  }
  return 0;
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  process.exitCode = main(process.argv.slice(2));
}

