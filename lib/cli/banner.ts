// The "Build Configuration" block BitBake (OE's base.bbclass) prints when a build starts: the
// BUILDCFG_VARS that are set, then each layer's branch and commit, a run of layers at the same
// commit written once, at the last of them.
import { spawnSync } from "node:child_process";
import { basename } from "node:path";
import { gitHead, type DataStore } from "../data/index.js";
import { ConfigurationError } from "../config/index.js";

const DEFAULT_VARS = "BB_VERSION BUILD_SYS NATIVELSBSTRING TARGET_SYS MACHINE SDKMACHINE DISTRO DISTRO_VERSION TUNE_FEATURES";
const NEEDED_VARS = "TARGET_ARCH TARGET_OS";

function git(dir: string, args: string[]): string {
  const r = spawnSync("git", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  return r.status === 0 ? r.stdout.trim() : "<unknown>";
}

/**
 * A layer's `branch:commit`, from the repository's files: a build where every task is current
 * should start no process, and this was two git processes per layer. From git where the files
 * do not say (refs in a reftable, say).
 */
function layerRevision(dir: string): string {
  const head = gitHead(dir);
  // Outside a repository git would say nothing either.
  if (head === null) return "<unknown>:<unknown>";
  return head !== "unread" ? `${head.branch}:${head.commit}` : `${git(dir, ["rev-parse", "--abbrev-ref", "HEAD"])}:${git(dir, ["rev-parse", "HEAD"])}`;
}

/** `%-20s = "branch:commit"` for each layer; equal values of consecutive layers only on the last. */
export function layerLines(layers: readonly string[], revision: (dir: string) => string = layerRevision): string[] {
  const lines = layers.map((dir) => ({ name: basename(dir).padEnd(20), value: ` = "${revision(dir)}"` }));
  return lines.map((l, i) => (i + 1 < lines.length && lines[i + 1]!.value === l.value ? l.name : l.name + l.value));
}

/** The block's text, with the blank lines around it that BitBake prints; an error when BUILDCFG_NEEDEDVARS are unset. */
export function buildConfigurationBanner(d: DataStore, version: string, revision?: (dir: string) => string): string {
  const needed = (d.getVar("BUILDCFG_NEEDEDVARS") ?? NEEDED_VARS).split(/\s+/).filter(Boolean);
  const unset = needed.filter((v) => {
    const value = d.getVar(v);
    return !value || value === "INVALID";
  });
  if (unset.length > 0) {
    throw new ConfigurationError(`The following variable(s) were not set: ${unset.join(", ")}\nPlease set them directly, or choose a MACHINE or DISTRO that sets them.`);
  }
  const lines: string[] = [];
  for (const name of (d.getVar("BUILDCFG_VARS") ?? DEFAULT_VARS).split(/\s+/).filter(Boolean)) {
    const value = name === "BB_VERSION" ? (d.getVar(name) ?? version) : d.getVar(name);
    if (value !== null) lines.push(`${name.padEnd(20)} = "${value}"`);
  }
  const layers = (d.getVar("BBLAYERS") ?? "").split(/\s+/).filter(Boolean);
  lines.push(...layerLines(layers, revision));
  const header = d.getVar("BUILDCFG_HEADER") ?? "Build Configuration:";
  return `\n${header}\n${lines.join("\n")}\n`;
}
