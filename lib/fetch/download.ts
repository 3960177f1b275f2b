// The do_fetch flow for one entry, as BitBake runs it: under a per-download lock, a DL_DIR copy
// with a valid `.done` stamp wins; otherwise PREMIRRORS are tried in order, then the upstream,
// then MIRRORS. A file that fails its checksum is moved aside and the next source is tried.
// BB_NO_NETWORK forbids every network access (a complete DL_DIR still works);
// BB_FETCH_PREMIRRORONLY forbids it after the premirrors.

import { constants as fsc, promises as fs } from "node:fs";
import { basename, join } from "node:path";
import type { FetchContext, FetchOptions } from "./context.js";
import { requireVar, toBoolean } from "./context.js";
import { aptDownload, parseAptUrl } from "./apt.js";
import {
  badChecksumPath,
  commitDownload,
  readDoneStamp,
  recheckDownload,
  removeDoneStamp,
  sha256File,
  verifyDownloads,
  writeDoneStamp,
} from "./checksum.js";
import type { Sha256 } from "../common/hashes.js";
import {
  ChecksumMismatch,
  FetchError,
  FetchFailed,
  InvalidRevision,
  LocalFileNotFound,
  MalformedUrl,
  NetworkDisabled,
  type Attempt,
  type MissingChecksumEntry,
} from "./errors.js";
import * as git from "./git.js";
import { httpDownload } from "./http.js";
import { findLocalFile } from "./local.js";
import { withLock } from "../common/lock.js";
import { parseMirrorList } from "../common/mirror-list.js";
import { mirrorCandidates, type MirrorSubject } from "./mirrors.js";
import type { Source } from "./source.js";
import { decodeUriParts, parseSourceUri } from "./uri.js";

export type FetchOrigin = "local" | "dl_dir" | "premirror" | "upstream" | "mirror";

export interface FetchResult {
  readonly url: string;
  /** The local file, the file in DL_DIR, or the git mirror clone. */
  readonly localPath: string;
  readonly origin: FetchOrigin;
  /** The URL the bytes came from (a mirror's, the upstream's), or null if nothing was transferred. */
  readonly fetchedFrom: string | null;
  readonly sha256: Sha256 | null;
  /** For git: the commit that was fetched. */
  readonly revision: string | null;
}

/** Whether network access is allowed for this step; throws NetworkDisabled naming the URL. */
interface NetworkGate {
  readonly allowed: boolean;
  check(url: string): void;
}

function gate(allowed: boolean): NetworkGate {
  return {
    allowed,
    check(url) {
      if (!allowed) throw new NetworkDisabled(url);
    },
  };
}

/** How one kind of source is brought into DL_DIR; the flow around it is shared. */
interface Strategy {
  readonly lockPath: string;
  readonly subject: MirrorSubject;
  /** The DL_DIR copy is complete and right (a file with a valid stamp, a clone with the revision). */
  alreadyDone(): Promise<boolean>;
  tryPremirrorsFirst(premirrorOnly: boolean): Promise<boolean>;
  fromUpstream(net: NetworkGate): Promise<void>;
  fromMirror(url: string, net: NetworkGate): Promise<void>;
  /** After success: stamps, mirror tarballs. Returns what FetchResult reports. */
  finish(): Promise<{ localPath: string; sha256: Sha256 | null; revision: string | null }>;
}

export interface FetchRun {
  readonly ctx: FetchContext;
  readonly options: FetchOptions;
  /** Missing checksums under BB_STRICT_CHECKSUM = "1", reported together at the end. */
  readonly missing: MissingChecksumEntry[];
}

export async function fetchSource(run: FetchRun, source: Source): Promise<FetchResult> {
  const { ctx } = run;
  if (source.kind === "local") {
    const found = await findLocalFile(ctx, source.uri);
    let sha: Sha256 | null = null;
    if (source.expected !== null && !found.isDirectory) {
      sha = await sha256File(found.path);
      if (sha !== source.expected) {
        throw new ChecksumMismatch(source.uri.url, found.path, source.checksumName, source.expected, sha, null);
      }
    }
    return { url: source.uri.url, localPath: found.path, origin: "local", fetchedFrom: null, sha256: sha, revision: null };
  }
  const strategy = source.kind === "file" ? fileStrategy(run, source) : gitStrategy(run, source);
  await fs.mkdir(join(strategy.lockPath, ".."), { recursive: true });
  return withLock(
    strategy.lockPath,
    async () => {
      const started = performance.now();
      const got = await obtain(run, source.uri.url, strategy);
      const done = await strategy.finish();
      const origin = got.origin;
      if ((origin === "premirror" || origin === "upstream" || origin === "mirror") && got.fetchedFrom !== null) {
        const bytes = source.kind === "file" ? ((await fs.stat(done.localPath).catch(() => null))?.size ?? null) : null;
        run.options.onEvent?.({
          type: "fetched",
          url: source.uri.url,
          from: got.fetchedFrom,
          origin,
          bytes,
          seconds: (performance.now() - started) / 1000,
        });
      }
      return { url: source.uri.url, ...done, ...got };
    },
    {
      timeoutMs: run.options.lockTimeoutMs,
      signal: run.options.signal,
      onWait: (holder) =>
        run.options.onEvent?.({ type: "note", url: source.uri.url, message: `waiting for ${strategy.lockPath} held by ${holder}` }),
    },
  );
}

async function obtain(run: FetchRun, url: string, s: Strategy): Promise<{ origin: FetchOrigin; fetchedFrom: string | null }> {
  const { ctx } = run;
  if (await s.alreadyDone()) return { origin: "dl_dir", fetchedFrom: null };

  const network = !toBoolean(ctx.getVar("BB_NO_NETWORK"));
  const premirrorOnly = toBoolean(ctx.getVar("BB_FETCH_PREMIRRORONLY"));
  const warn = (message: string): void => run.options.onEvent?.({ type: "warning", url, message });
  const attempts: Attempt[] = [];

  const tryMirrors = async (kind: "premirror" | "mirror", variable: string, net: NetworkGate): Promise<string | null> => {
    for (const candidate of mirrorCandidates(s.subject, parseMirrorList(variable, ctx.getVar(variable), warn))) {
      try {
        await s.fromMirror(candidate, net);
        return candidate;
      } catch (e) {
        if (!(e instanceof FetchError)) throw e;
        attempts.push({ source: kind, url: candidate, error: e });
      }
    }
    return null;
  };

  if (await s.tryPremirrorsFirst(premirrorOnly)) {
    const hit = await tryMirrors("premirror", "PREMIRRORS", gate(network));
    if (hit !== null) return { origin: "premirror", fetchedFrom: hit };
  }
  const net = gate(network && !premirrorOnly);
  try {
    await s.fromUpstream(net);
    return { origin: "upstream", fetchedFrom: url };
  } catch (e) {
    if (!(e instanceof FetchError)) throw e;
    attempts.push({ source: "upstream", url, error: e });
    if (!(e instanceof NetworkDisabled)) warn(`failed to fetch ${url}, trying MIRRORS: ${e.message.split("\n")[0]}`);
  }
  const hit = await tryMirrors("mirror", "MIRRORS", net);
  if (hit !== null) return { origin: "mirror", fetchedFrom: hit };

  if (attempts.some((a) => a.source === "upstream" && a.error instanceof NetworkDisabled)) {
    throw new NetworkDisabled(url, attempts);
  }
  throw new FetchFailed(url, attempts);
}

type FileSource = Extract<Source, { kind: "file" }>;

function fileStrategy(run: FetchRun, source: FileSource): Strategy {
  const { ctx, options } = run;
  const url = source.uri.url;
  const { localPath, checksumName, expected } = source;
  const dlDir = requireVar(ctx, "DL_DIR");
  let sha: Sha256 | null = null;
  const into = async (from: string, net: NetworkGate, asMirror: boolean): Promise<void> => {
    sha = await fetchFileTo(run, from, { localPath, checksumName, expected }, net, asMirror, dlDir);
  };
  return {
    lockPath: `${localPath}.lock`,
    subject: { url, localBasename: basename(localPath), mirrorTarballs: [] },
    async alreadyDone() {
      sha = await verifiedInDlDir(run, url, localPath, checksumName, expected);
      return sha !== null;
    },
    tryPremirrorsFirst: async () => true,
    async fromUpstream(net) {
      if (source.transport === "apt") {
        net.check(url);
        const req = parseAptUrl(ctx, url, decodeUriParts(url), true);
        sha = await aptDownload(req, { localPath, checksumName, expected }, dlDir, options);
        return;
      }
      await into(url, net, false);
    },
    fromMirror: (mirrorUrl, net) => into(mirrorUrl, net, true),
    async finish() {
      if (sha === null) throw new Error(`internal: no checksum for ${localPath}`);
      if (expected === null) {
        const line = `SRC_URI[${checksumName}] = "${sha}"`;
        const strict = ctx.getVar("BB_STRICT_CHECKSUM") ?? "0";
        if (strict === "1") {
          run.missing.push({ url, path: localPath, line });
          await removeDoneStamp(localPath);
          return { localPath, sha256: sha, revision: null };
        }
        if (strict !== "ignore") {
          options.onEvent?.({
            type: "warning",
            url,
            message: `Missing checksum for '${localPath}', consider adding it to the recipe:\n${line}`,
          });
        }
      }
      await writeDoneStamp(localPath, sha);
      return { localPath, sha256: sha, revision: null };
    },
  };
}

/**
 * BitBake's verify_donestamp: the stamp records the sha256 that was checked; when it agrees with
 * the recipe the file is trusted without rehashing. A file without a stamp (a DL_DIR filled by
 * hand) is accepted if it hashes right; a wrong one is moved aside.
 */
async function verifiedInDlDir(
  run: FetchRun,
  url: string,
  localPath: string,
  checksumName: string,
  expected: string | null,
): Promise<Sha256 | null> {
  const st = await fs.stat(localPath).catch(() => null);
  if (!st?.isFile()) {
    await removeDoneStamp(localPath);
    return null;
  }
  const stamp = await readDoneStamp(localPath);
  if (stamp && (expected === null || stamp.sha256 === expected)) {
    if (!verifyDownloads(run.ctx)) return stamp.sha256;
    // Changed since its stamp: set aside with a warning, and fetched again like a missing file.
    const changed = await recheckDownload(url, localPath, stamp.sha256, null);
    if (changed === null) return stamp.sha256;
    run.options.onEvent?.({ type: "warning", url, message: `${changed.message}\nFetching it again.` });
    return null;
  }
  if (expected === null) return null;
  const actual = await sha256File(localPath);
  if (actual === expected) {
    await writeDoneStamp(localPath, actual);
    return actual;
  }
  const aside = badChecksumPath(localPath, actual);
  await fs.rename(localPath, aside);
  await removeDoneStamp(localPath);
  run.options.onEvent?.({
    type: "warning",
    url,
    message: new ChecksumMismatch(url, localPath, checksumName, expected, actual, aside).message,
  });
  return null;
}

interface FileTarget {
  readonly localPath: string;
  readonly checksumName: string;
  readonly expected: string | null;
}

/** Brings the file at `from` (file://, http(s)://, apt://) to `target`, checksum enforced. */
async function fetchFileTo(
  run: FetchRun,
  from: string,
  target: FileTarget,
  net: NetworkGate,
  asMirror: boolean,
  dlDir: string,
): Promise<Sha256> {
  const parts = decodeUriParts(from);
  await fs.mkdir(join(target.localPath, ".."), { recursive: true });
  switch (parts.scheme) {
    case "file": {
      const path = parts.path;
      if (!(await fs.stat(path).catch(() => null))?.isFile()) throw new LocalFileNotFound(from, [path]);
      const tmp = `${target.localPath}.copy.${process.pid}`;
      await fs.copyFile(path, tmp, fsc.COPYFILE_FICLONE);
      const sha = await sha256File(tmp);
      try {
        await commitDownload(from, tmp, target.localPath, target.checksumName, target.expected, sha);
      } finally {
        await fs.rm(tmp, { force: true });
      }
      return sha;
    }
    case "http":
    case "https":
      net.check(from);
      // Parameters are BitBake's, not the server's (wget's `ud.url.split(";")[0]`).
      return httpDownload({ url: from.split(";")[0]!, ...target }, run.options);
    case "apt":
      net.check(from);
      return aptDownload(parseAptUrl(run.ctx, from, parts, !asMirror), target, dlDir, run.options);
    default:
      throw new MalformedUrl(from, `cannot fetch a file through scheme '${parts.scheme}'`);
  }
}

type GitKind = Extract<Source, { kind: "git" }>;

function gitStrategy(run: FetchRun, source: GitKind): Strategy {
  const { ctx, options } = run;
  const src = source.git;
  const url = source.uri.url;
  const dlDir = requireVar(ctx, "DL_DIR");
  const tarballPath = join(dlDir, src.mirrorTarball);
  let revision: string | null = src.revision === "AUTOREV" ? null : src.revision;
  let updated = false;

  const exists = async (p: string): Promise<boolean> => (await fs.stat(p).catch(() => null)) !== null;
  const requireRevision = async (rev: string, where: string): Promise<void> => {
    if (await git.hasRevision(src, rev)) return;
    const onBranch = src.nobranch ? "" : ` on branch ${src.branch}`;
    throw new InvalidRevision(url, `revision ${rev} is not${onBranch} in ${where}`);
  };
  const autorev = async (repoUrl: string): Promise<string> => {
    const rev = await git.lsRemoteHead(src, repoUrl);
    options.onEvent?.({
      type: "warning",
      url,
      message: `SRCREV is AUTOREV: using ${rev}, the current head of ${src.branch ?? "HEAD"}; this build is not reproducible`,
    });
    return rev;
  };

  return {
    lockPath: `${src.clonedir}.lock`,
    subject: { url, localBasename: null, mirrorTarballs: [src.mirrorTarball] },
    async alreadyDone() {
      if (revision === null) return false;
      if (!(await exists(src.clonedir)) && (await exists(tarballPath))) {
        await git.loadMirrorTarball(src, tarballPath);
      }
      return git.hasRevision(src, revision);
    },
    async tryPremirrorsFirst(premirrorOnly) {
      // With a clone at hand an incremental fetch from upstream beats an old premirror.
      return premirrorOnly || !(await exists(src.clonedir));
    },
    async fromUpstream(net) {
      if (git.needsNetwork(src)) net.check(url);
      const rev = revision ?? (await autorev(src.repoUrl));
      await git.fetchInto(src, src.repoUrl);
      updated = true;
      await requireRevision(rev, `${src.repoUrl} (even after fetching it)`);
      revision = rev;
    },
    async fromMirror(mirrorUrl, net) {
      const parts = decodeUriParts(mirrorUrl);
      if (parts.scheme === "git") {
        const mirror = git.resolveGitSource(ctx, parseSourceUri(mirrorUrl), dlDir);
        if (git.needsNetwork(mirror)) net.check(mirrorUrl);
        const rev = revision ?? (await autorev(mirror.repoUrl));
        await git.fetchInto(src, mirror.repoUrl);
        updated = true;
        await requireRevision(rev, mirror.repoUrl);
        revision = rev;
        return;
      }
      if (revision === null) throw new InvalidRevision(url, "AUTOREV cannot be resolved from a mirror tarball");
      await fetchFileTo(run, mirrorUrl, { localPath: tarballPath, checksumName: "", expected: null }, net, true, dlDir);
      await git.loadMirrorTarball(src, tarballPath);
      await requireRevision(revision, `mirror tarball ${mirrorUrl}`);
    },
    async finish() {
      if (revision === null) throw new Error(`internal: no revision for ${url}`);
      if (git.generateMirrorTarballs(ctx) && (updated || !(await exists(tarballPath)))) {
        await git.writeMirrorTarball(src, dlDir);
      }
      return { localPath: src.clonedir, sha256: null, revision };
    },
  };
}
