// Benchmark of sstate archives: create/restore throughput of lib/sstate against the host
// `tar --sort=name … | zstd` and `zstd -d | tar -x` pipelines, on a generated tree of many
// small files (~50 MB). Usage: node dist/scripts/bench-sstate.js [--mb 50] [--level 8] [--runs 3]
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { computeOutHash, createArchive, restoreArchive, DEFAULT_ZSTD_LEVEL } from "../lib/sstate/index.js";

const { values } = parseArgs({ options: { mb: { type: "string" }, level: { type: "string" }, runs: { type: "string" } } });
const targetBytes = Number(values.mb ?? 50) * 1e6;
const level = Number(values.level ?? DEFAULT_ZSTD_LEVEL);
const runs = Number(values.runs ?? 3);
const EPOCH = 1_600_000_000;

/** Mostly small files of half-compressible content in a few hundred directories, like a sysroot. */
function generate(root: string): { files: number; bytes: number } {
  const words = "int main void return static const struct include define unsigned char size_t".split(" ");
  let bytes = 0;
  let files = 0;
  let seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  while (bytes < targetBytes) {
    const dir = join(root, `usr/lib/pkg${files % 37}/sub${files % 11}`);
    if (files % 400 === 0 || files < 407) mkdirSync(dir, { recursive: true });
    const size = Math.floor(200 + rnd() * rnd() * 20000);
    let content: Buffer;
    if (files % 5 === 0) content = randomBytes(size); // binary-ish
    else {
      let s = "";
      while (s.length < size) s += `${words[Math.floor(rnd() * words.length)]} ${Math.floor(rnd() * 1000)}\n`;
      content = Buffer.from(s.slice(0, size));
    }
    writeFileSync(join(dir, `file${files}.c`), content);
    bytes += content.length;
    files++;
  }
  return { files, bytes };
}

async function time(fn: () => Promise<unknown> | unknown, setup: () => void = () => {}): Promise<number> {
  const best: number[] = [];
  for (let i = 0; i < runs; i++) {
    setup();
    const t0 = process.hrtime.bigint();
    await fn();
    best.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return best.sort((a, b) => a - b)[Math.floor(best.length / 2)]!; // median
}

const work = mkdtempSync(join(tmpdir(), "bench-sstate-"));
try {
  const src = join(work, "image");
  mkdirSync(src);
  const { files, bytes } = generate(src);
  execFileSync("sync");
  const mb = bytes / 1e6;
  const ours = join(work, "ours.tar.zst");
  const gnu = join(work, "gnu.tar.zst");
  const tarArgs = `--sort=name --owner=0 --group=0 --numeric-owner --mtime=@${EPOCH} --clamp-mtime --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime`;

  const tCreate = await time(() => createArchive([{ name: "image", dir: src }], ours, { sourceDateEpoch: EPOCH, level }));
  const tGnuCreate = await time(() =>
    execFileSync("sh", ["-c", `tar ${tarArgs} --transform='s,^\\.,image,' -C '${src}' -cf - . | zstd -q -${level} -T1 -c > '${gnu}'`]),
  );
  const tRestore = await time(
    () => restoreArchive(ours, [{ name: "image", dir: join(work, "r1/image") }]),
    () => rmSync(join(work, "r1"), { recursive: true, force: true }),
  );
  const tGnuRestore = await time(
    () => execFileSync("sh", ["-c", `zstd -d -q -c '${ours}' | tar -x -C '${join(work, "r2")}' -f -`]),
    () => {
      rmSync(join(work, "r2"), { recursive: true, force: true });
      mkdirSync(join(work, "r2"));
    },
  );
  const tOutHash = await time(() => computeOutHash([{ name: "image", dir: src }], { pkgSpec: "sstate:bench:any:1:", task: "bench" }));

  const row = (what: string, s: number, extra = "") => console.log(`${what.padEnd(44)} ${s.toFixed(3).padStart(7)} s ${(mb / s).toFixed(1).padStart(7)} MB/s ${extra}`);
  console.log(`tree: ${files} files, ${mb.toFixed(1)} MB; zstd level ${level}; median of ${runs} runs (warm cache)`);
  row("create: lib/sstate (TS tar writer | zstd -T1)", tCreate, `-> ${(statSync(ours).size / 1e6).toFixed(1)} MB`);
  row("create: tar --sort=name … | zstd -T1", tGnuCreate, `-> ${(statSync(gnu).size / 1e6).toFixed(1)} MB`);
  row("restore: lib/sstate (zstd -d | TS reader)", tRestore);
  row("restore: zstd -d | tar -x", tGnuRestore);
  row("outhash: lib/sstate", tOutHash);
} finally {
  rmSync(work, { recursive: true, force: true });
}
