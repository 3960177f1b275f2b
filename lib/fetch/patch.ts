// Applying SRC_URI patches with GNU patch. A patch is first tried with --dry-run so a failing
// one leaves the tree untouched; its failure is parsed from patch's output and reported with the
// failing hunk's text taken from the patch file itself.

import { promises as fs } from "node:fs";
import { isAbsolute, join } from "node:path";
import { tmpdir } from "node:os";
import { runCommand } from "./command.js";
import { PatchFailed, type HunkFailure } from "./errors.js";
import type { SourceUri } from "./uri.js";

const COMPRESSORS: Readonly<Record<string, readonly string[]>> = {
  ".gz": ["gzip", "-dc"],
  ".bz2": ["bzip2", "-dc"],
  ".xz": ["xz", "-dc"],
  ".Z": ["gzip", "-dc"],
};

function compression(path: string): string | null {
  return Object.keys(COMPRESSORS).find((ext) => path.endsWith(ext)) ?? null;
}

/** OE's rule: `apply=` decides, else a name ending in .patch or .diff (possibly compressed). */
export function isPatch(uri: SourceUri, path: string): boolean {
  if (uri.apply !== null) return uri.apply;
  const ext = compression(path);
  const inner = ext ? path.slice(0, -ext.length) : path;
  return inner.endsWith(".patch") || inner.endsWith(".diff");
}

export interface PatchItem {
  readonly uri: SourceUri;
  readonly path: string;
}

export async function applyPatch(item: PatchItem, sourceDir: string): Promise<void> {
  const { uri } = item;
  const dir = uri.patchdir === null ? sourceDir : isAbsolute(uri.patchdir) ? uri.patchdir : join(sourceDir, uri.patchdir);
  const strip = `-p${uri.striplevel ?? 1}`;
  const ext = compression(item.path);
  let file = item.path;
  let tmp: string | null = null;
  if (ext) {
    tmp = await fs.mkdtemp(join(tmpdir(), "bake-patch-"));
    file = join(tmp, "patch");
    const res = await runCommand([...COMPRESSORS[ext]!, item.path], { stdoutFile: file });
    if (res.exitCode !== 0) throw new PatchFailed(uri.url, item.path, [], res.stderr);
  }
  try {
    const common = ["--batch", "--forward", "--no-backup-if-mismatch", strip, "-i", file, "-d", dir];
    for (const argv of [["patch", "--dry-run", ...common], ["patch", ...common]]) {
      const res = await runCommand(argv);
      if (res.exitCode !== 0) {
        const output = `${res.stdout}${res.stderr}`;
        const text = await fs.readFile(file, "utf8");
        throw new PatchFailed(uri.url, item.path, parseFailures(output, text, uri.striplevel ?? 1), output);
      }
    }
  } finally {
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** Reads GNU patch's report: which file, which hunk, which line. */
export function parseFailures(output: string, patchText: string, strip: number): HunkFailure[] {
  const hunks = hunksByFile(patchText, strip);
  const failures: HunkFailure[] = [];
  let current = "";
  const lines = output.split("\n");
  for (const [i, line] of lines.entries()) {
    const file = /^(?:checking|patching) file (.+)$/.exec(line);
    if (file) {
      current = file[1]!.replace(/^'(.*)'$/, "$1");
      continue;
    }
    const hunk = /^Hunk #(\d+) FAILED at (\d+)/.exec(line);
    if (hunk) {
      const n = Number(hunk[1]);
      failures.push({
        file: current,
        hunk: n,
        line: Number(hunk[2]),
        text: hunks.get(current)?.[n - 1] ?? null,
        message: line.trim(),
      });
      continue;
    }
    if (line.startsWith("can't find file to patch")) {
      // patch quotes the diff header it could not resolve as `|+++ b/path` lines.
      const quoted = lines.slice(i + 1, i + 12);
      const header = quoted.find((l) => l.startsWith("|+++ ")) ?? quoted.find((l) => l.startsWith("|--- "));
      const named = header?.slice(5).split("\t")[0]!.trim();
      failures.push({ file: named ?? current, hunk: null, line: null, text: null, message: line.trim() });
      continue;
    }
    if (/Reversed \(or previously applied\) patch detected|malformed patch|Only garbage was found/.test(line)) {
      failures.push({ file: current, hunk: null, line: null, text: null, message: line.replace(/^patch: \*+\s*/, "").trim() });
    }
  }
  return failures;
}

/** Hunk texts of a unified diff, keyed by the target path after stripping `strip` components. */
function hunksByFile(text: string, strip: number): Map<string, string[]> {
  const map = new Map<string, string[]>();
  let oldName = "";
  let hunks: string[] | null = null;
  let current: string[] | null = null;
  const flush = (): void => {
    if (current && hunks) hunks.push(current.join("\n"));
    current = null;
  };
  for (const line of text.split("\n")) {
    if (line.startsWith("--- ")) {
      flush();
      oldName = line.slice(4).split("\t")[0]!.trim();
      continue;
    }
    if (line.startsWith("+++ ")) {
      flush();
      let name = line.slice(4).split("\t")[0]!.trim();
      if (name === "/dev/null") name = oldName;
      const key = name.split("/").slice(strip).join("/");
      hunks = map.get(key) ?? [];
      map.set(key, hunks);
      continue;
    }
    if (line.startsWith("@@")) {
      flush();
      current = [line];
      continue;
    }
    if (current && /^[ +\-\\]/.test(line)) current.push(line);
    else flush();
  }
  flush();
  return map;
}
