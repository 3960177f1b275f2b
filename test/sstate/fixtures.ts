// Shared helpers for the sstate tests: temp dirs and a representative output tree.
import { spawnSync } from "node:child_process";
import { chmodSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeHeader, END_OF_ARCHIVE, padding, type TarHeader } from "../../lib/sstate/tar.js";

export function tempDir(t: { teardown(fn: () => void): void }, prefix = "bake-sstate-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** A small tree with the things archives must get right. */
export function makeTree(root: string): void {
  mkdirSync(join(root, "usr/bin"), { recursive: true });
  mkdirSync(join(root, "usr/lib/deep/er/and/deeper"), { recursive: true });
  mkdirSync(join(root, "empty-dir"));
  writeFileSync(join(root, "usr/bin/tool"), "#!/bin/sh\necho tool\n");
  chmodSync(join(root, "usr/bin/tool"), 0o755);
  writeFileSync(join(root, "usr/bin/suid"), "x");
  chmodSync(join(root, "usr/bin/suid"), 0o4711);
  writeFileSync(join(root, "usr/lib/libfoo.so.1.2"), Buffer.alloc(70_000, 7));
  symlinkSync("libfoo.so.1.2", join(root, "usr/lib/libfoo.so.1"));
  symlinkSync("libfoo.so.1", join(root, "usr/lib/libfoo.so"));
  symlinkSync("../lib/libfoo.so.1.2", join(root, "usr/bin/dangling-ok"));
  linkSync(join(root, "usr/bin/tool"), join(root, "usr/bin/tool-hardlink"));
  writeFileSync(join(root, "usr/lib/empty"), "");
  writeFileSync(join(root, "usr/lib/deep/er/and/deeper", "n".repeat(150)), "long name\n");
  writeFileSync(join(root, "usr/lib/ünïcödé ☃"), "utf8 name\n");
  writeFileSync(join(root, "readonly"), "ro\n");
  chmodSync(join(root, "readonly"), 0o444);
  chmodSync(join(root, "empty-dir"), 0o750);
}

/** A `.tar.zst` written from raw headers, for archives our writer would never produce. */
export function craftArchive(path: string, members: readonly (TarHeader & { content?: string; rawType?: string })[]): void {
  const parts: Buffer[] = [];
  for (const m of members) {
    let h = encodeHeader(m);
    if (m.rawType !== undefined) {
      h = Buffer.from(h);
      h.write(m.rawType, 156, 1, "ascii");
      h.fill(0x20, 148, 156);
      let sum = 0;
      for (let i = 0; i < 512; i++) sum += h[i]!;
      h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "ascii");
    }
    parts.push(h);
    if (m.content !== undefined) {
      parts.push(Buffer.from(m.content));
      parts.push(Buffer.alloc(padding(Buffer.byteLength(m.content))));
    }
  }
  parts.push(END_OF_ARCHIVE);
  const r = spawnSync("zstd", ["-q", "-c"], { input: Buffer.concat(parts) });
  if (r.status !== 0) throw new Error(`zstd failed: ${r.stderr}`);
  writeFileSync(path, r.stdout);
}
