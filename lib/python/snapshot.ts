// The interpreter's boot snapshot as bake keeps it: Pyodide's snapshot (a header, then the whole
// WebAssembly memory) without the memory's zero pages, which a new interpreter's memory already
// is. Restoring Pyodide's own form copied 30 MB into the new memory, half of it zeros, after
// reading the file whole into a buffer: a page fault for each 4 kB twice over, which on a virtual
// machine cost 0.2-0.9 s of every command that starts Python. Here only the non-zero runs are
// read, straight from the file into the interpreter's memory.
import { fstatSync, readSync } from "node:fs";

/** A boot snapshot without its zero pages. */
export interface SparseSnapshot {
  /** Pyodide's header: magic number, build id, the JavaScript references it restores. */
  readonly header: Uint8Array;
  /** The length of the memory Pyodide snapshotted. */
  readonly memoryLength: number;
  /** [offset, length] of each run of non-zero pages of the memory, in order. */
  readonly runs: Uint32Array;
  /** The runs' bytes, one after another (shared memory when workers are seeded from it). */
  readonly data: Uint8Array;
}

/** A snapshot file's description of itself; its runs' bytes follow from `dataStart`. */
export interface SnapshotPrelude extends Omit<SparseSnapshot, "data"> {
  readonly dataStart: number;
  readonly dataLength: number;
}

const PAGE = 4096;
/** "bks1", little-endian: a file of this format (another format is another file name too). */
const MAGIC = 0x31736b62;
const FIXED = 20;

/** Pyodide's snapshot (makeMemorySnapshot) as a sparse one. */
export function sparseSnapshot(full: Uint8Array): SparseSnapshot {
  // Pyodide's layout: u32 magic, u32 header length (a multiple of 16), u32 JSON length, …
  const headerLength = new DataView(full.buffer, full.byteOffset, 8).getUint32(4, true);
  // A copy: Pyodide reads the header through a Uint32Array, which needs it 4-byte aligned.
  const header = full.slice(0, headerLength);
  const memory = full.subarray(headerLength);
  const runs: number[] = [];
  let dataLength = 0;
  for (let off = 0; off < memory.length; off += PAGE) {
    const end = Math.min(off + PAGE, memory.length);
    if (isZero(memory, off, end)) continue;
    const last = runs.length - 2;
    if (last >= 0 && runs[last]! + runs[last + 1]! === off) runs[last + 1]! += end - off;
    else runs.push(off, end - off);
    dataLength += end - off;
  }
  // Shared memory: workers seeded from it see the same bytes rather than a copy each.
  const data = new Uint8Array(new SharedArrayBuffer(dataLength));
  let at = 0;
  for (let i = 0; i < runs.length; i += 2) {
    data.set(memory.subarray(runs[i]!, runs[i]! + runs[i + 1]!), at);
    at += runs[i + 1]!;
  }
  return { header, memoryLength: memory.length, runs: Uint32Array.from(runs), data };
}

const ZEROS = new Uint8Array(PAGE);

function isZero(bytes: Uint8Array, start: number, end: number): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).equals(ZEROS.subarray(0, end - start));
}

/** The file's bytes: [u32 magic, header length, memory length, run count, data length], header, runs, data. */
export function encodeSnapshot(s: SparseSnapshot): Uint8Array[] {
  const fixed = new DataView(new ArrayBuffer(FIXED));
  [MAGIC, s.header.length, s.memoryLength, s.runs.length / 2, s.data.length].forEach((v, i) => fixed.setUint32(i * 4, v, true));
  const runs = new Uint8Array(s.runs.length * 4);
  const view = new DataView(runs.buffer);
  s.runs.forEach((v, i) => view.setUint32(i * 4, v, true));
  return [new Uint8Array(fixed.buffer), s.header, runs, s.data];
}

/** What the snapshot file open as `fd` holds, or null when it is not a whole one of this format. */
export function readPrelude(fd: number): SnapshotPrelude | null {
  const size = fstatSync(fd).size;
  if (size < FIXED) return null;
  const fixed = new Uint8Array(FIXED);
  readFully(fd, fixed, 0, FIXED, 0);
  const v = new DataView(fixed.buffer);
  const [magic, headerLength, memoryLength, runCount, dataLength] = [0, 1, 2, 3, 4].map((i) => v.getUint32(i * 4, true)) as [number, number, number, number, number];
  const dataStart = FIXED + headerLength + runCount * 8;
  if (magic !== MAGIC || headerLength % 4 !== 0 || dataStart + dataLength !== size) return null;
  const header = new Uint8Array(headerLength);
  readFully(fd, header, 0, headerLength, FIXED);
  const raw = new Uint8Array(runCount * 8);
  readFully(fd, raw, 0, raw.length, FIXED + headerLength);
  const rv = new DataView(raw.buffer);
  const runs = new Uint32Array(runCount * 2);
  let total = 0;
  let end = 0;
  for (let i = 0; i < runs.length; i += 2) {
    runs[i] = rv.getUint32(i * 4, true);
    runs[i + 1] = rv.getUint32(i * 4 + 4, true);
    if (runs[i]! < end || runs[i]! + runs[i + 1]! > memoryLength) return null;
    end = runs[i]! + runs[i + 1]!;
    total += runs[i + 1]!;
  }
  if (total !== dataLength) return null;
  return { header, memoryLength, runs, dataStart, dataLength };
}

export function readFully(fd: number, into: Uint8Array, offset: number, length: number, position: number): void {
  for (let done = 0; done < length; ) {
    const n = readSync(fd, into, offset + done, length - done, position + done);
    if (n === 0) throw new Error("boot snapshot: file shorter than it says");
    done += n;
  }
}

/**
 * Makes `memory` (a new interpreter's, instantiated but not yet run) hold the snapshotted memory:
 * `fill` writes each run; the gaps between runs are zero in the snapshot, and already zero in
 * `memory` above `used` (what instantiation allocated: emscripten allocates nothing above its
 * break), so only the gaps below it are checked and cleared. The result is what Pyodide's own
 * restore (the whole memory copied over) gives, byte for byte.
 */
export function restoreMemory(
  memory: Uint8Array,
  used: number,
  s: Pick<SparseSnapshot, "memoryLength" | "runs">,
  fill: (offset: number, length: number, dataAt: number) => void,
): void {
  if (memory.length < s.memoryLength) throw new Error(`boot snapshot: memory of ${memory.length} bytes for a snapshot of ${s.memoryLength}`);
  let gap = 0;
  let dataAt = 0;
  const clear = (start: number, end: number) => {
    for (let off = start; off < Math.min(end, used); off += PAGE) {
      const e = Math.min(off + PAGE, end);
      if (!isZero(memory, off, e)) memory.fill(0, off, e);
    }
  };
  for (let i = 0; i < s.runs.length; i += 2) {
    const off = s.runs[i]!;
    const len = s.runs[i + 1]!;
    clear(gap, off);
    fill(off, len, dataAt);
    dataAt += len;
    gap = off + len;
  }
  clear(gap, s.memoryLength);
}
