// npm run parse-corpus -- DIR: parse every metadata file under DIR, print throughput and every failure.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { MetadataError, parseText } from "../lib/parse/index.js";

const METADATA = /\.(bb|bbappend|bbclass|inc|conf)$/;

// A .conf file is metadata only in a conf/ directory: recipes also ship program configuration
// files (rsyncd.conf, lighttpd.conf …) that BitBake never reads.
// Files under a files/ directory are sources found through FILESPATH (wic kickstart fragments …).
// --exclude NAME skips other files that only look like metadata (meta/conf/ccache.conf is ccache's).
function isMetadata(path: string, excluded: readonly string[]): boolean {
  if (!METADATA.test(path)) return false;
  const parts = path.split("/");
  if (parts.includes("files") || excluded.some((e) => path.endsWith(e))) return false;
  return !path.endsWith(".conf") || parts.includes("conf");
}

function* walk(dir: string, excluded: readonly string[]): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== ".git") yield* walk(path, excluded);
    } else if (entry.isFile() && isMetadata(path, excluded)) {
      yield path;
    }
  }
}

function main(argv: string[]): number {
  const excluded: string[] = [];
  const dirs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--exclude") excluded.push(argv[++i] ?? "");
    else dirs.push(argv[i]!);
  }
  const dir = dirs[0];
  if (!dir || !statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    console.error("usage: npm run parse-corpus -- DIR [--exclude PATH-SUFFIX]...");
    return 2;
  }
  const files = [...walk(dir, excluded)].sort();
  const texts = files.map((f) => readFileSync(f, "utf8"));
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
  const failures: string[] = [];
  const start = process.hrtime.bigint();
  let statements = 0;
  files.forEach((file, i) => {
    try {
      statements += parseText(texts[i]!, file).statements.length;
    } catch (err) {
      failures.push(err instanceof MetadataError ? err.format() : `${file}: ${String(err)}`);
    }
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  for (const f of failures) console.log(f);
  console.log(
    `${files.length} files, ${(bytes / 1e6).toFixed(2)} MB, ${statements} statements in ${seconds.toFixed(2)} s: ` +
      `${Math.round(files.length / seconds)} files/s, ${(bytes / 1e6 / seconds).toFixed(2)} MB/s`,
  );
  console.log(`${files.length - failures.length} parsed, ${failures.length} failed`);
  return failures.length === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
