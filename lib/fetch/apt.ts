// Debian's source archive as a source of upstream tarballs, through `apt-get source`.
//
// URL syntax (no host names; the host slot is the source package):
//
//     apt://[PACKAGE]/[[VERSION]/]FILE
//
//   PACKAGE  Debian source (or binary) package; empty means DEBIAN_SOURCE_PACKAGE, else BPN, else PN.
//   VERSION  exact Debian version (`12.2.0-14+deb12u1`); absent or empty means
//            DEBIAN_SOURCE_VERSION, else the newest version the archive offers.
//   FILE     a file of the source package (`gcc-12_12.2.0.orig.tar.gz`); empty means the
//            package's upstream tarball (`PACKAGE_UPSTREAMVERSION.orig.tar.*`).
//
//   apt://gcc-12/12.2.0-14+deb12u1/gcc-12_12.2.0.orig.tar.gz   one exact file
//   apt://musl//;downloadfilename=musl-1.2.3.tar.gz            newest musl's orig tarball
//   apt:///;downloadfilename=foo-1.0.tar.gz                    the recipe's package's orig tarball
//
// As a SRC_URI entry the file name in DL_DIR is FILE, or `downloadfilename=` when FILE is empty.
//
// As a mirror (`PREMIRRORS = "https?://.*/.* apt:///"`), the rewrite appends the recipe's file
// name (`apt:///musl-1.2.3.tar.gz`); a name the source package does not have falls back to its
// orig tarball, which lands in DL_DIR under the recipe's name. Either way the recipe's own
// sha256 decides whether the file is accepted.
//
// apt runs on a private state (lists, cache, status, sources) under ${DL_DIR}/apt/<hash>, made
// from the system's sources with `deb-src` entries; the system's apt state is never touched.

import { promises as fs } from "node:fs";
import { join } from "node:path";
import { createHash, randomBytes } from "node:crypto";
import type { AptOptions, FetchContext, FetchOptions } from "./context.js";
import { runCommand } from "./command.js";
import type { Sha256 } from "../common/hashes.js";
import { commitDownload, sha256File } from "./checksum.js";
import { AptFailed } from "./errors.js";
import { LockTimeout, withLock } from "../common/lock.js";
import type { UriParts } from "./uri.js";

export interface AptRequest {
  readonly url: string;
  readonly package: string;
  readonly version: string | null;
  readonly file: string | null;
  /** A named file must exist in the source package (explicit apt:// entries); mirrors fall back. */
  readonly exactFile: boolean;
}

export function parseAptUrl(ctx: FetchContext, url: string, parts: UriParts, exactFile: boolean): AptRequest {
  const segments = parts.path.replace(/^\//, "").split("/");
  const file = segments.pop() ?? "";
  const version = segments.join("/");
  const pkg = parts.host || ctx.getVar("DEBIAN_SOURCE_PACKAGE") || ctx.getVar("BPN") || ctx.getVar("PN") || "";
  if (pkg === "") throw new AptFailed(url, "no package: name one in the URL or set DEBIAN_SOURCE_PACKAGE/BPN");
  return {
    url,
    package: pkg,
    version: version || ctx.getVar("DEBIAN_SOURCE_VERSION") || null,
    file: file || null,
    exactFile,
  };
}

export interface AptTarget {
  readonly localPath: string;
  readonly checksumName: string;
  readonly expected: string | null;
}

const DAY_MS = 24 * 3600 * 1000;

/** Fetches the requested file of a Debian source package to `target.localPath`. */
export async function aptDownload(req: AptRequest, target: AptTarget, dlDir: string, options: FetchOptions): Promise<Sha256> {
  const state = await prepareState(dlDir, options.apt ?? {});
  const spec = req.version ? `${req.package}=${req.version}` : req.package;
  const files = await withLock(`${state.dir}.lock`, async () => {
    await ensureUpdated(req.url, state, options.apt ?? {}, false);
    let listed = await runCommand(["apt-get", ...state.args, "source", "--print-uris", "-qq", spec]);
    if (listed.exitCode !== 0 && (await ensureUpdated(req.url, state, options.apt ?? {}, true))) {
      listed = await runCommand(["apt-get", ...state.args, "source", "--print-uris", "-qq", spec]);
    }
    if (listed.exitCode !== 0) throw new AptFailed(req.url, `cannot find source package ${spec}:\n${listed.stderr.trim()}`);
    return parsePrintUris(listed.stdout);
  }).catch((e: unknown) => {
    // The apt state of DL_DIR never freed: this source fails, as any apt failure, and a mirror may still serve it.
    throw e instanceof LockTimeout ? new AptFailed(req.url, e.message) : e;
  });
  const wanted = chooseFile(req, files);

  const work = join(state.dir, `work.${process.pid}.${randomBytes(4).toString("hex")}`);
  await fs.mkdir(work, { recursive: true });
  try {
    const got = await runCommand(["apt-get", ...state.args, "source", "--download-only", "-q", spec], { cwd: work, signal: options.signal });
    if (got.exitCode !== 0) throw new AptFailed(req.url, `apt-get source ${spec} failed:\n${got.stderr.trim()}`);
    const tmp = `${target.localPath}.part`;
    await fs.rename(join(work, wanted), tmp).catch(async () => {
      await fs.copyFile(join(work, wanted), tmp);
    });
    const sha = await sha256File(tmp);
    await commitDownload(req.url, tmp, target.localPath, target.checksumName, target.expected, sha);
    return sha;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

function chooseFile(req: AptRequest, files: readonly string[]): string {
  if (req.file && files.includes(req.file)) return req.file;
  if (req.file && req.exactFile) {
    throw new AptFailed(req.url, `source package ${req.package} has no file ${req.file}; it has: ${files.join(", ")}`);
  }
  const orig = files.find((f) => /^[^_]+_[^_]+\.orig\.tar\.[A-Za-z0-9]+$/.test(f));
  // A native package has no orig: its whole source is `pkg_version.tar.*`.
  const native = files.find((f) => /^[^_]+_[^_]+\.tar\.[A-Za-z0-9]+$/.test(f) && !f.includes(".debian.tar."));
  const chosen = orig ?? native;
  if (!chosen) throw new AptFailed(req.url, `source package ${req.package} has no upstream tarball; it has: ${files.join(", ")}`);
  return chosen;
}

/** `'uri' name size SHA256:…` lines of `apt-get source --print-uris`. */
function parsePrintUris(stdout: string): string[] {
  const names: string[] = [];
  for (const line of stdout.split("\n")) {
    const m = /^'[^']*'\s+(\S+)\s+\d+/.exec(line.trim());
    if (m) names.push(m[1]!);
  }
  return names;
}

interface AptState {
  readonly dir: string;
  readonly args: readonly string[];
}

async function prepareState(dlDir: string, opts: AptOptions): Promise<AptState> {
  const derived = await deriveSources(opts.etcDir ?? "/etc/apt");
  const key = createHash("sha256").update(JSON.stringify(derived)).digest("hex").slice(0, 16);
  const dir = join(dlDir, "apt", key);
  const partsDir = join(dir, "sources.list.d");
  await fs.mkdir(join(dir, "lists", "partial"), { recursive: true });
  await fs.mkdir(join(dir, "cache", "archives", "partial"), { recursive: true });
  await fs.mkdir(partsDir, { recursive: true });
  await writeIfChanged(join(dir, "sources.list"), derived.list);
  for (const s of derived.sources) await writeIfChanged(join(partsDir, s.name), s.text);
  const status = join(dir, "status");
  if (!(await fs.stat(status).catch(() => null))) await fs.writeFile(status, "");
  const args = [
    "-o", `Dir::State=${dir}`,
    "-o", `Dir::State::Lists=${join(dir, "lists")}`,
    "-o", `Dir::State::status=${status}`,
    "-o", `Dir::Cache=${join(dir, "cache")}`,
    "-o", `Dir::Cache::archives=${join(dir, "cache", "archives")}`,
    "-o", `Dir::Etc::SourceList=${join(dir, "sources.list")}`,
    "-o", `Dir::Etc::SourceParts=${partsDir}`,
    // As root apt drops to _apt, which cannot write our private directories; it would fall
    // back with a warning anyway.
    ...(process.getuid?.() === 0 ? ["-o", "APT::Sandbox::User=root"] : []),
  ];
  return { dir, args };
}

async function writeIfChanged(path: string, text: string): Promise<void> {
  const old = await fs.readFile(path, "utf8").catch(() => null);
  if (old !== text) await fs.writeFile(path, text);
}

/** Runs `apt-get update` on the private state if it is older than allowed; true if it ran. */
async function ensureUpdated(url: string, state: AptState, opts: AptOptions, force: boolean): Promise<boolean> {
  const stamp = join(state.dir, "updated");
  const st = await fs.stat(stamp).catch(() => null);
  const maxAge = opts.updateMaxAgeMs ?? DAY_MS;
  // A forced refresh right after an update would learn nothing new.
  if (st && (force ? Date.now() - st.mtimeMs < 60_000 : Date.now() - st.mtimeMs < maxAge)) return false;
  const res = await runCommand(["apt-get", ...state.args, "-q", "update"]);
  if (res.exitCode !== 0) throw new AptFailed(url, `apt-get update on ${state.dir} failed:\n${res.stderr.trim()}`);
  await fs.writeFile(stamp, new Date().toISOString() + "\n");
  return true;
}

export interface DerivedSources {
  /** One-line format entries for sources.list. */
  readonly list: string;
  /** deb822 files for sources.list.d. */
  readonly sources: readonly { readonly name: string; readonly text: string }[];
}

/** Reads the system's apt sources and derives `deb-src` equivalents of every `deb` entry. */
export async function deriveSources(etcDir: string): Promise<DerivedSources> {
  const lists: string[] = [];
  const sources: { name: string; text: string }[] = [];
  const main = await fs.readFile(join(etcDir, "sources.list"), "utf8").catch(() => null);
  if (main !== null) lists.push(main);
  const partsDir = join(etcDir, "sources.list.d");
  const names = (await fs.readdir(partsDir).catch(() => [] as string[])).sort();
  for (const name of names) {
    const text = await fs.readFile(join(partsDir, name), "utf8").catch(() => null);
    if (text === null) continue;
    if (name.endsWith(".list")) lists.push(text);
    else if (name.endsWith(".sources")) {
      const converted = debSrcStanzas(text);
      if (converted !== "") sources.push({ name, text: converted });
    }
  }
  return { list: debSrcLines(lists.join("\n")), sources };
}

/** One-line format: `deb [opts] uri suite comps…` gives `deb-src [opts] uri suite comps…`. */
export function debSrcLines(text: string): string {
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    const m = /^(deb|deb-src)(\s.*)$/.exec(line);
    if (!m) continue;
    const entry = `deb-src${m[2]}`;
    if (!out.includes(entry)) out.push(entry);
  }
  return out.map((l) => l + "\n").join("");
}

/** deb822 format: every enabled stanza whose Types has `deb` becomes a `deb-src` stanza. */
export function debSrcStanzas(text: string): string {
  const stanzas = text
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .join("\n")
    .split(/\n\s*\n/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const out: string[] = [];
  for (const stanza of stanzas) {
    const lines = stanza.split("\n");
    const field = (name: string): string | null => {
      const l = lines.find((x) => x.toLowerCase().startsWith(`${name.toLowerCase()}:`));
      return l ? l.slice(name.length + 1).trim() : null;
    };
    const types = (field("Types") ?? "").split(/\s+/);
    if (!types.includes("deb") && !types.includes("deb-src")) continue;
    if (["no", "false", "0"].includes((field("Enabled") ?? "yes").toLowerCase())) continue;
    out.push(lines.map((l) => (/^types:/i.test(l) ? "Types: deb-src" : l)).join("\n"));
  }
  return out.map((s) => s + "\n").join("\n");
}
