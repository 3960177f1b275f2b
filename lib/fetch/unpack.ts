// do_unpack for one file: archives are extracted with host tools (tar, unzip, zstd, gzip, xz,
// bzip2), compressed single files are decompressed, anything else is copied. `subdir` picks the
// destination under the unpack root, `striplevel` drops leading path components, `unpack=0`
// copies an archive as is. As in BitBake, a `file://dir/x` entry keeps its `dir/` when copied.

import { promises as fs } from "node:fs";
import { basename, isAbsolute, join, relative, resolve } from "node:path";
import { runCommand } from "./command.js";
import { UnpackFailed } from "./errors.js";
import type { SourceUri } from "./uri.js";

type Method =
  | { readonly kind: "tar"; readonly filter: readonly string[] }
  | { readonly kind: "zip" }
  | { readonly kind: "decompress"; readonly tool: readonly string[]; readonly output: string }
  | { readonly kind: "copy" };

function methodFor(file: string): Method {
  const tar = (filter: readonly string[]): Method => ({ kind: "tar", filter });
  const dec = (tool: readonly string[], ext: string): Method => ({ kind: "decompress", tool, output: basename(file).slice(0, -ext.length) });
  const is = (...exts: string[]): boolean => exts.some((e) => file.endsWith(e));
  if (is(".tar")) return tar([]);
  if (is(".tar.gz", ".tgz", ".tar.Z")) return tar(["-z"]);
  if (is(".tar.bz2", ".tbz", ".tbz2")) return tar(["-j"]);
  if (is(".tar.xz", ".txz")) return tar(["-J"]);
  if (is(".tar.zst", ".tzst")) return tar(["--zstd"]);
  if (is(".zip", ".jar")) return { kind: "zip" };
  for (const [ext, tool] of [
    [".gz", ["gzip", "-dc"]],
    [".Z", ["gzip", "-dc"]],
    [".bz2", ["bzip2", "-dc"]],
    [".xz", ["xz", "-dc"]],
    [".zst", ["zstd", "-dc", "-q"]],
  ] as const) {
    if (is(ext)) return dec(tool, ext);
  }
  return { kind: "copy" };
}

export interface UnpackItem {
  readonly uri: SourceUri;
  /** The fetched file or directory. */
  readonly path: string;
}

/** Unpacks one fetched item under `rootDir`; returns the directory it went into. */
export async function unpackItem(item: UnpackItem, rootDir: string): Promise<string> {
  const { uri, path } = item;
  const dest = destinationDir(uri, rootDir);
  await fs.mkdir(dest, { recursive: true });
  const st = await fs.stat(path).catch(() => null);
  if (!st) throw new UnpackFailed(uri.url, path, "the file does not exist (was it fetched?)");
  const method = uri.unpack && st.isFile() ? methodFor(path) : ({ kind: "copy" } as const);
  const fail = (detail: string): never => {
    throw new UnpackFailed(uri.url, path, detail);
  };
  const run = async (argv: readonly string[], stdoutFile?: string): Promise<void> => {
    const res = await runCommand(argv, { cwd: dest, stdoutFile });
    if (res.exitCode !== 0) fail(`${argv.join(" ")} exited ${res.exitCode}: ${res.stderr.trim()}`);
  };

  switch (method.kind) {
    case "tar": {
      const strip = uri.striplevel !== null ? [`--strip-components=${uri.striplevel}`] : [];
      await run(["tar", "--extract", "--no-same-owner", ...method.filter, ...strip, "-f", path, "-C", dest]);
      break;
    }
    case "zip":
      if (uri.striplevel !== null && uri.striplevel > 0) {
        await unzipStripped(path, dest, uri.striplevel, run);
      } else {
        await run(["unzip", "-q", "-o", path, "-d", dest]);
      }
      break;
    case "decompress":
      await run([...method.tool, path], join(dest, method.output));
      break;
    case "copy": {
      // file://a/b/c keeps a/b/ below the destination (BitBake does the same).
      let target = dest;
      if (uri.scheme === "file" && !isAbsolute(uri.path)) {
        const rel = uri.path.replace(/\/+$/, "");
        if (rel.includes("/")) target = join(dest, rel.slice(0, rel.lastIndexOf("/")));
      }
      await fs.mkdir(target, { recursive: true });
      if (resolve(path) === resolve(join(target, basename(path)))) break;
      await run(["cp", "--force", "--preserve=timestamps", "--no-dereference", "--recursive", "-H", path, `${target}/`]);
      break;
    }
  }
  return dest;
}

function destinationDir(uri: SourceUri, rootDir: string): string {
  if (uri.subdir === null) return rootDir;
  if (isAbsolute(uri.subdir)) {
    const rel = relative(resolve(rootDir), resolve(uri.subdir));
    if (rel.startsWith("..")) throw new UnpackFailed(uri.url, uri.subdir, `subdir is not inside the unpack root ${rootDir}`);
    return uri.subdir;
  }
  return join(rootDir, uri.subdir);
}

/** unzip has no --strip-components: extract aside, then move the stripped entries in. */
async function unzipStripped(
  zip: string,
  dest: string,
  level: number,
  run: (argv: readonly string[]) => Promise<void>,
): Promise<void> {
  const tmp = await fs.mkdtemp(join(dest, ".unzip-"));
  try {
    await run(["unzip", "-q", "-o", zip, "-d", tmp]);
    let layer = [tmp];
    for (let i = 0; i < level; i++) {
      const next: string[] = [];
      for (const dir of layer) {
        for (const e of await fs.readdir(dir, { withFileTypes: true })) {
          if (e.isDirectory()) next.push(join(dir, e.name));
        }
      }
      layer = next;
    }
    for (const dir of layer) {
      const entries = (await fs.readdir(dir)).map((n) => join(dir, n));
      if (entries.length > 0) await run(["cp", "-a", "--", ...entries, `${dest}/`]);
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
