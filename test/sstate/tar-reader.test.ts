// The tar reader gets the stream in whatever pieces the pipe delivers: a header split anywhere
// must read the same as the whole stream at once.
import test from "ava";
import { encodeHeader, END_OF_ARCHIVE, padding, TarReader, type TarEntry } from "../../lib/sstate/tar.js";

function stream(): Buffer {
  const parts: Buffer[] = [];
  const add = (path: string, type: "file" | "dir" | "symlink", content = "", linkname = "") => {
    parts.push(encodeHeader({ path, type, mode: type === "dir" ? 0o755 : 0o644, mtime: 1_600_000_000, size: Buffer.byteLength(content), linkname }));
    if (content !== "") parts.push(Buffer.from(content), Buffer.alloc(padding(Buffer.byteLength(content))));
  };
  add("out", "dir");
  add("out/a", "file", "x".repeat(1000));
  add(`out/${"long".repeat(40)}`, "file", "pax path\n"); // a pax record before the header
  add("out/l", "symlink", "", "a");
  add("out/empty", "file");
  add("out/b", "file", "y".repeat(513));
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}

function read(chunks: Buffer[]): { entries: TarEntry[]; data: string[] } {
  const entries: TarEntry[] = [];
  const data: string[] = [];
  let cur = "";
  const r = new TarReader({
    entry: (e) => void entries.push(e),
    data: (c) => void (cur += c.toString("latin1")),
    entryEnd: () => {
      data.push(cur);
      cur = "";
    },
  });
  for (const c of chunks) r.write(c);
  r.end();
  return { entries, data };
}

test("headers split at any byte read the same as the whole stream", (t) => {
  const whole = stream();
  const expected = read([whole]);
  t.is(expected.entries.length, 6);
  for (const size of [1, 7, 100, 511, 512, 513, 1000, 4099]) {
    const chunks: Buffer[] = [];
    for (let off = 0; off < whole.length; off += size) chunks.push(whole.subarray(off, off + size));
    t.deepEqual(read(chunks), expected, `chunks of ${size}`);
  }
});
