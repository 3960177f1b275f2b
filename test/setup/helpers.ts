// A rig for the layer set-up tests: a bare git repository holding two sub-layers, a build
// directory with the three shipped layers faked, and output captured.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { layersSetupCommand } from "../../lib/cli/layers-setup.js";

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.invalid",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, env: GIT_ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

export function layerConf(collection: string, opts: { depends?: string; compat?: string; extra?: string } = {}): string {
  return [
    'BBPATH .= ":${LAYERDIR}"',
    `BBFILE_COLLECTIONS += "${collection}"`,
    `BBFILE_PATTERN_${collection} = "^\${LAYERDIR}/"`,
    `BBFILE_PRIORITY_${collection} = "6"`,
    `LAYERDEPENDS_${collection} = "${opts.depends ?? "core"}"`,
    `LAYERSERIES_COMPAT_${collection} = "${opts.compat ?? "scarthgap"}"`,
    opts.extra ?? "",
  ].join("\n");
}

function write(path: string, text: string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
}

export interface Remote {
  /** The bare repository: what layers.json's url names. */
  readonly url: string;
  /** A clone that pushes to it, for the test to advance the remote. */
  readonly work: string;
  /** Commit ids, oldest first. */
  readonly commits: string[];
  /** Commits `files` (path -> text) and pushes; returns the new commit id. */
  commit(message: string, files: Record<string, string>): string;
}

/** A bare repository with sub-layers meta-a and meta-b (collections a, b), and two commits. */
export function makeRemote(root: string, name = "remote", confs: Record<string, string> = {}): Remote {
  const url = join(root, `${name}.git`);
  const work = join(root, `${name}-work`);
  git(root, "init", "--quiet", "--bare", "--initial-branch=main", url);
  git(root, "clone", "--quiet", url, work);
  git(work, "checkout", "--quiet", "-b", "main");
  const commits: string[] = [];
  const remote: Remote = {
    url,
    work,
    commits,
    commit(message, files) {
      for (const [path, text] of Object.entries(files)) write(join(work, path), text);
      git(work, "add", "-A");
      git(work, "commit", "--quiet", "-m", message);
      git(work, "push", "--quiet", "origin", "HEAD:main");
      const id = git(work, "rev-parse", "HEAD");
      commits.push(id);
      return id;
    },
  };
  remote.commit("first", {
    "meta-a/conf/layer.conf": confs["meta-a"] ?? layerConf("a"),
    "meta-b/conf/layer.conf": confs["meta-b"] ?? layerConf("b", { depends: "core a" }),
    "README": "two layers\n",
  });
  remote.commit("second", { "meta-a/conf/layer.conf": (confs["meta-a"] ?? layerConf("a")) + "\n# second\n" });
  return remote;
}

export const HAND_WRITTEN_BBLAYERS = `# my build
BBPATH = "\${TOPDIR}"
BBFILES ?= ""
BBLAYERS ?= " \\
  \${TOPDIR}/meta-core \\
  "
MY_SETTING = "kept"
`;

/** A build directory holding fake shipped layers (core declares the series) and a hand-written bblayers.conf. */
export function makeTopdir(root: string): string {
  const topdir = join(root, "build");
  for (const name of ["core", "bootstrap", "containers"]) {
    const extra = name === "core" ? 'LAYERSERIES_CORENAMES = "scarthgap"' : "";
    write(join(topdir, `meta-${name}`, "conf", "layer.conf"), layerConf(name, { depends: "", extra }));
  }
  write(join(topdir, "conf", "bblayers.conf"), HAND_WRITTEN_BBLAYERS);
  return topdir;
}

export function writeLayersJson(topdir: string, layers: unknown[]): void {
  write(join(topdir, "layers", "layers.json"), JSON.stringify({ version: 1, layers }, null, 2));
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function bakeLayers(topdir: string, argv: string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await layersSetupCommand(argv, {
    topdir,
    shippedRoot: topdir,
    env: { ...process.env, BB_NO_NETWORK: "", ...env },
    io: { out: (line) => (stdout += `${line}\n`), err: (line) => (stderr += `${line}\n`) },
  });
  return { code, stdout, stderr };
}

export function tempRoot(): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), "bake-setup-"));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}
