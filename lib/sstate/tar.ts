// The tar stream format (POSIX ustar + pax 'x' records), pure encode/decode with no I/O.
// Written by hand so that every byte the archive writer emits is decided here: no varying pax
// atime/ctime records, no user names from the host, no sub-second mtimes.
import { BakeError } from "../common/errors.js";

export const BLOCK = 512;
const ZERO_BLOCK = Buffer.alloc(BLOCK);

export type TarType = "file" | "hardlink" | "symlink" | "dir";

export interface TarHeader {
  /** Member path without a trailing "/" (the writer adds it for directories). */
  readonly path: string;
  readonly type: TarType;
  readonly mode: number;
  readonly mtime: number;
  readonly size: number;
  readonly linkname: string;
}

const TYPEFLAG: Record<TarType, string> = { file: "0", hardlink: "1", symlink: "2", dir: "5" };
// Largest value an 11-digit octal field holds (8 GiB - 1); larger sizes go in a pax record.
const MAX_OCTAL11 = 0o77777777777;

function writeString(buf: Buffer, off: number, len: number, s: string): void {
  buf.write(s, off, len, "utf8");
}

function writeOctal(buf: Buffer, off: number, len: number, n: number): void {
  // len-1 zero-padded digits then a NUL, as GNU tar writes them.
  buf.write(n.toString(8).padStart(len - 1, "0") + "\0", off, len, "ascii");
}

function header(name: string, typeflag: string, mode: number, size: number, mtime: number, linkname: string): Buffer {
  const h = Buffer.alloc(BLOCK);
  writeString(h, 0, 100, name);
  writeOctal(h, 100, 8, mode);
  writeOctal(h, 108, 8, 0); // uid: owners are normalised to root
  writeOctal(h, 116, 8, 0); // gid
  writeOctal(h, 124, 12, size > MAX_OCTAL11 ? 0 : size);
  writeOctal(h, 136, 12, mtime);
  h.write(typeflag, 156, 1, "ascii");
  writeString(h, 157, 100, linkname);
  h.write("ustar\x0000", 257, 8, "ascii");
  writeString(h, 265, 32, "root");
  writeString(h, 297, 32, "root");
  writeOctal(h, 329, 8, 0);
  writeOctal(h, 337, 8, 0);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i]!;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "ascii");
  return h;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body);
  // The length prefix counts its own digits.
  let len = bodyLen + String(bodyLen).length;
  if (String(len).length !== String(bodyLen).length) len = bodyLen + String(len).length;
  return `${len}${body}`;
}

function paddedLength(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}

/**
 * The header block(s) of one member: a pax 'x' member first when the path or link target does
 * not fit the 100-byte ustar fields (the ustar prefix split is not used: one way to do it) or the
 * size does not fit 11 octal digits. Its name follows GNU tar's exthdr.name=%d/PaxHeaders/%f.
 */
export function encodeHeader(h: TarHeader): Buffer {
  const name = h.type === "dir" ? `${h.path}/` : h.path;
  let pax = "";
  if (Buffer.byteLength(name) > 100) pax += paxRecord("path", name);
  if (Buffer.byteLength(h.linkname) > 100) pax += paxRecord("linkpath", h.linkname);
  if (h.size > MAX_OCTAL11) pax += paxRecord("size", String(h.size));
  const main = header(truncateUtf8(name, 100), TYPEFLAG[h.type], h.mode, h.size, h.mtime, truncateUtf8(h.linkname, 100));
  if (pax === "") return main;
  const body = Buffer.from(pax, "utf8");
  const slash = h.path.lastIndexOf("/");
  const dir = slash < 0 ? "." : h.path.slice(0, slash);
  const base = h.path.slice(slash + 1);
  const paxName = truncateUtf8(`${dir}/PaxHeaders/${base}`, 100);
  const out = Buffer.alloc(BLOCK + paddedLength(body.length) + BLOCK);
  header(paxName, "x", 0o644, body.length, h.mtime, "").copy(out, 0);
  body.copy(out, BLOCK);
  main.copy(out, BLOCK + paddedLength(body.length));
  return out;
}

function truncateUtf8(s: string, max: number): string {
  const b = Buffer.from(s, "utf8");
  if (b.length <= max) return s;
  let end = max;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--; // never cut a multi-byte character
  return b.subarray(0, end).toString("utf8");
}

/** Two zero blocks end a tar stream. */
export const END_OF_ARCHIVE: Buffer = Buffer.alloc(2 * BLOCK);

export function padding(size: number): number {
  return paddedLength(size) - size;
}

// ---------------------------------------------------------------------------------------------
// Reading

export type TarEntryType = TarType | "fifo" | "char-device" | "block-device" | "other";

export interface TarEntry {
  /** Path as stored, trailing "/" removed. */
  readonly path: string;
  readonly type: TarEntryType;
  /** The raw type flag, for messages. */
  readonly typeflag: string;
  readonly mode: number;
  readonly mtime: number;
  readonly size: number;
  readonly linkname: string;
}

declare module "../common/errors.js" {
  interface BakeErrorKinds {
    "tar-format": TarFormatError;
  }
}

export class TarFormatError extends BakeError {
  readonly kind = "tar-format" as const;
  constructor(message: string, readonly member?: string) {
    super(message);
    this.name = "TarFormatError";
  }
}

export interface TarSink {
  entry(e: TarEntry): void;
  /** Pieces of the current regular file's content; may be views into a reused buffer. */
  data(chunk: Buffer): void;
  entryEnd(e: TarEntry): void;
}

function readString(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString("utf8", off, end >= 0 && end < off + len ? end : off + len);
}

function readNumber(b: Buffer, off: number, len: number, field: string): number {
  if (b[off]! & 0x80) {
    // GNU base-256: big-endian two's complement with the top bit as marker.
    if (b[off]! & 0x40) throw new TarFormatError(`negative ${field}`);
    let n = b[off]! & 0x3f;
    for (let i = 1; i < len; i++) n = n * 256 + b[off + i]!;
    if (!Number.isSafeInteger(n)) throw new TarFormatError(`${field} too large`);
    return n;
  }
  const s = b.toString("ascii", off, off + len).replace(/[\0 ]+$/, "").replace(/^[ ]+/, "");
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarFormatError(`bad octal ${field} ${JSON.stringify(s)}`);
  return parseInt(s, 8);
}

function typeOf(flag: string): TarEntryType {
  switch (flag) {
    case "0":
    case "\0":
    case "7":
      return "file";
    case "1":
      return "hardlink";
    case "2":
      return "symlink";
    case "5":
      return "dir";
    case "3":
      return "char-device";
    case "4":
      return "block-device";
    case "6":
      return "fifo";
    default:
      return "other";
  }
}

function parsePax(body: Buffer, member: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < body.length) {
    if (body[i] === 0) break;
    const sp = body.indexOf(0x20, i);
    if (sp < 0) throw new TarFormatError("truncated pax record", member);
    const len = Number(body.toString("ascii", i, sp));
    if (!Number.isInteger(len) || len <= 0 || i + len > body.length || body[i + len - 1] !== 0x0a)
      throw new TarFormatError("bad pax record length", member);
    const rec = body.toString("utf8", sp + 1, i + len - 1);
    const eq = rec.indexOf("=");
    if (eq < 0) throw new TarFormatError("bad pax record", member);
    out.set(rec.slice(0, eq), rec.slice(eq + 1));
    i += len;
  }
  return out;
}

type State =
  | { readonly s: "header" }
  | { s: "data"; readonly entry: TarEntry; remaining: number; pad: number }
  | { s: "ext"; readonly kind: "x" | "g" | "L" | "K"; readonly parts: Buffer[]; remaining: number; pad: number; readonly size: number }
  | { readonly s: "end" };

/**
 * An incremental tar parser: feed it chunks with write(), it calls the sink per member. Pax 'x'
 * records (path, linkpath, size) and GNU 'L'/'K' long names are applied to the next member.
 */
export class TarReader {
  private state: State = { s: "header" };
  private pending: Buffer | null = null;
  private zeroBlocks = 0;
  private nextPax = new Map<string, string>();
  private longName: string | null = null;
  private longLink: string | null = null;
  private lastMember = "";

  constructor(private readonly sink: TarSink) {}

  get finished(): boolean {
    return this.state.s === "end";
  }

  write(chunk: Buffer): void {
    let off = 0;
    if (this.pending) {
      // Complete the split header block only, rather than copying the whole chunk behind it.
      const need = BLOCK - this.pending.length;
      if (chunk.length < need) {
        this.pending = Buffer.concat([this.pending, chunk]);
        return;
      }
      const block = Buffer.concat([this.pending, chunk.subarray(0, need)]);
      this.pending = null;
      off = need;
      this.header(block);
    }
    while (off < chunk.length) {
      const st = this.state;
      if (st.s === "end") return;
      if (st.s === "header") {
        if (chunk.length - off < BLOCK) {
          this.pending = Buffer.from(chunk.subarray(off));
          return;
        }
        this.header(chunk.subarray(off, off + BLOCK));
        off += BLOCK;
        continue;
      }
      if (st.remaining > 0) {
        const n = Math.min(st.remaining, chunk.length - off);
        const piece = chunk.subarray(off, off + n);
        if (st.s === "data") this.sink.data(piece);
        else st.parts.push(Buffer.from(piece));
        st.remaining -= n;
        off += n;
        continue;
      }
      if (st.pad > 0) {
        const n = Math.min(st.pad, chunk.length - off);
        st.pad -= n;
        off += n;
      }
      if (st.pad === 0) this.finishBody();
    }
    const st = this.state;
    if ((st.s === "data" || st.s === "ext") && st.remaining === 0 && st.pad === 0) this.finishBody();
  }

  /** Call at end of input: a stream that stops inside a member is an error. */
  end(): void {
    const st = this.state;
    if (st.s === "end") return;
    if (st.s === "header" && this.pending === null && this.zeroBlocks === 0 && this.lastMember !== "") {
      // Some writers omit the end-of-archive blocks; every member was complete, so accept.
      return;
    }
    if (st.s === "header" && this.pending === null && this.zeroBlocks > 0) return;
    throw new TarFormatError("archive is truncated", this.lastMember || undefined);
  }

  private finishBody(): void {
    const st = this.state;
    if (st.s === "data") {
      this.state = { s: "header" };
      this.sink.entryEnd(st.entry);
    } else if (st.s === "ext") {
      this.state = { s: "header" };
      const body = Buffer.concat(st.parts);
      if (st.kind === "x") for (const [k, v] of parsePax(body, this.lastMember)) this.nextPax.set(k, v);
      else if (st.kind === "g") {
        const g = parsePax(body, this.lastMember);
        // A global path would apply to every later member: nothing legitimate does that.
        if (g.has("path") || g.has("linkpath")) throw new TarFormatError("global pax header sets a path", this.lastMember);
      } else {
        const end = body.indexOf(0);
        const s = body.toString("utf8", 0, end < 0 ? body.length : end);
        if (st.kind === "L") this.longName = s;
        else this.longLink = s;
      }
    }
  }

  private header(b: Buffer): void {
    if (b.equals(ZERO_BLOCK)) {
      this.zeroBlocks++;
      if (this.zeroBlocks >= 2) this.state = { s: "end" };
      return;
    }
    if (this.zeroBlocks > 0) throw new TarFormatError("data after an end-of-archive block", this.lastMember);
    const stored = readNumber(b, 148, 8, "checksum");
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : b[i]!;
    if (sum !== stored) throw new TarFormatError("header checksum mismatch", this.lastMember || undefined);

    const flag = String.fromCharCode(b[156]!);
    let size = readNumber(b, 124, 12, "size");
    const magic = b.toString("ascii", 257, 263);
    let name = readString(b, 0, 100);
    if (magic === "ustar\0") {
      const prefix = readString(b, 345, 155);
      if (prefix !== "") name = `${prefix}/${name}`;
    }
    if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
      if (size > 16 * 1024 * 1024) throw new TarFormatError("oversized extended header", name);
      this.lastMember = name;
      this.state = { s: "ext", kind: flag, parts: [], remaining: size, pad: padding(size), size };
      return;
    }
    let linkname = readString(b, 157, 100);
    if (this.longName !== null) name = this.longName;
    if (this.longLink !== null) linkname = this.longLink;
    const pax = this.nextPax;
    if (pax.has("path")) name = pax.get("path")!;
    if (pax.has("linkpath")) linkname = pax.get("linkpath")!;
    if (pax.has("size")) {
      size = Number(pax.get("size"));
      if (!Number.isSafeInteger(size) || size < 0) throw new TarFormatError("bad pax size", name);
    }
    this.nextPax = new Map();
    this.longName = this.longLink = null;

    const type = typeOf(flag);
    const path = name.length > 1 && name.endsWith("/") ? name.replace(/\/+$/, "") : name;
    const entry: TarEntry = {
      path,
      type: type === "file" && name.endsWith("/") ? "dir" : type,
      typeflag: flag,
      mode: readNumber(b, 100, 8, "mode") & 0o7777,
      mtime: readNumber(b, 136, 12, "mtime"),
      size: type === "file" ? size : 0,
      linkname,
    };
    this.lastMember = path;
    // Only regular files carry content; other types' size field is ignored as GNU tar does,
    // except that we must still skip the bytes if a writer put some there.
    const bodySize = type === "file" || type === "other" ? size : 0;
    this.sink.entry(entry);
    this.state = { s: "data", entry, remaining: type === "file" ? bodySize : 0, pad: 0 };
    const st = this.state;
    if (type === "file") st.pad = padding(bodySize);
    else if (type === "other") {
      st.remaining = bodySize;
      st.pad = padding(bodySize);
    }
    if (st.remaining === 0 && st.pad === 0) this.finishBody();
  }
}
