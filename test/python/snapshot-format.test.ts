// The boot snapshot as bake keeps it (lib/python/snapshot.ts): Pyodide's snapshot without its zero
// pages, restored into a new interpreter's memory byte for byte as Pyodide's own restore would be.
import test from "ava";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeSnapshot, readFully, readPrelude, restoreMemory, sparseSnapshot } from "../../lib/python/snapshot.js";

const PAGE = 4096;

/** A Pyodide-style snapshot: a 32-byte header (its length at byte 4), then `pages` pages of memory. */
function pyodideSnapshot(pages: number, nonZero: readonly number[], tail = 0): { full: Uint8Array; memory: Uint8Array } {
  const header = 32;
  const full = new Uint8Array(header + pages * PAGE + tail);
  new DataView(full.buffer).setUint32(0, 0x706f6400, true);
  new DataView(full.buffer).setUint32(4, header, true);
  full.fill(7, 8, header);
  const memory = full.subarray(header);
  for (const p of nonZero) for (let i = 0; i < PAGE; i += 97) memory[p * PAGE + i] = (p * 31 + i) & 0xff || 1;
  if (tail > 0) memory[pages * PAGE + tail - 1] = 9;
  return { full, memory };
}

function fileOf(parts: Uint8Array[], t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "bake-snapshot-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "s.snapshot");
  writeFileSync(path, Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.length))));
  return path;
}

test("only the non-zero pages are kept, merged into runs", (t) => {
  const { full } = pyodideSnapshot(10, [0, 1, 4, 7, 8, 9], 100);
  const s = sparseSnapshot(full);
  t.deepEqual([...s.header], [...full.subarray(0, 32)]);
  t.is(s.memoryLength, 10 * PAGE + 100);
  t.deepEqual([...s.runs], [0, 2 * PAGE, 4 * PAGE, PAGE, 7 * PAGE, 3 * PAGE + 100]);
  t.is(s.data.length, 6 * PAGE + 100);
});

test("a snapshot read back from its file restores the memory Pyodide's restore would, clearing what instantiation left below its break", (t) => {
  const { full, memory: want } = pyodideSnapshot(12, [1, 2, 5, 11]);
  const path = fileOf(encodeSnapshot(sparseSnapshot(full)), t);
  const fd = openSync(path, "r");
  t.teardown(() => closeSync(fd));
  const prelude = readPrelude(fd);
  if (prelude === null) return t.fail("prelude not read");
  t.deepEqual([...prelude.header], [...full.subarray(0, 32)]);
  // A new interpreter's memory: instantiation wrote below its break (page 3, zero in the snapshot,
  // and page 1), nothing above it.
  const memory = new Uint8Array(16 * PAGE);
  memory.fill(5, 3 * PAGE, 4 * PAGE);
  memory.fill(6, PAGE, PAGE + 10);
  restoreMemory(memory, 6 * PAGE, prelude, (off, len, at) => readFully(fd, memory, off, len, prelude.dataStart + at));
  t.true(Buffer.from(memory.subarray(0, want.length)).equals(want));
  t.true(memory.subarray(want.length).every((b) => b === 0));
});

test("restored from memory (a worker's seed), the same bytes", (t) => {
  const { full, memory: want } = pyodideSnapshot(6, [0, 3]);
  const s = sparseSnapshot(full);
  const memory = new Uint8Array(6 * PAGE);
  memory.fill(1, 4 * PAGE, 5 * PAGE);
  restoreMemory(memory, 6 * PAGE, s, (off, len, at) => memory.set(s.data.subarray(at, at + len), off));
  t.true(Buffer.from(memory).equals(want));
});

test("a truncated or foreign file is not taken for a snapshot", (t) => {
  const parts = encodeSnapshot(sparseSnapshot(pyodideSnapshot(4, [1]).full));
  const whole = Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.length)));
  for (const bytes of [whole.subarray(0, whole.length - 1), Buffer.from("not a snapshot at all, but long enough"), Buffer.alloc(0)]) {
    const path = fileOf([bytes], t);
    const fd = openSync(path, "r");
    t.is(readPrelude(fd), null);
    closeSync(fd);
  }
});

test("a memory smaller than the snapshot's is refused", (t) => {
  const s = sparseSnapshot(pyodideSnapshot(4, [1]).full);
  t.throws(() => restoreMemory(new Uint8Array(2 * PAGE), 0, s, () => {}), { message: /memory of 8192 bytes/ });
});
