// The outhash of a task: sha256 of a sorted manifest of its output directories, as OE's
// OEOuthashBasic. Two runs of the same task of the same recipe whose outputs have the same names,
// types, modes, sizes, contents and link targets get the same OutHash, whichever build directory,
// user or time produced them, which is what lets the hash-equivalence server merge their
// unihashes. The recipe and architecture (SSTATE_PKGSPEC) and the task are hashed too, as OE
// does: two recipes whose outputs happen to be equal (both empty, say) are not equivalent, or
// one's object would be filed under the other's unihash, found only through that one server.
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import type { SstateOutput } from "./archive.js";
import { asOutHash, type OutHash } from "../common/hashes.js";
import { walkOutput, type WalkEntry } from "./walk.js";

export interface OutHashOptions {
  /** The recipe and architecture, `sstate:<PN>:<PKGARCH>:<FORMAT>:` (sstatePkgSpec), as OEOuthashBasic's `SSTATE_PKGSPEC=`. */
  readonly pkgSpec: string;
  /** Task name; part of the hash as in OEOuthashBasic (`task=`). */
  readonly task: string;
  /** HASHEQUIV_EXTRA_SIGDATA: lets a distro force a new equivalence class. */
  readonly extraSigData?: string;
  /**
   * Build paths (TMPDIR, WORKDIR, TOPDIR…) replaced by `<buildpath:N>` (N = index in this list)
   * in link targets and in the contents of files selected by `normalizeContent`. Only sensible
   * for files the restore side relocates (OE: SSTATE_HASHEQUIV_FILEMAP), since two outputs that
   * differ only there become equivalent. Longer paths win at the same position.
   */
  readonly buildPaths?: readonly string[];
  /** Which files (archive member path, `<output>/<rel>`) get build paths replaced. Default: none. */
  readonly normalizeContent?: (member: string) => boolean;
  /** When given, mtimes clamped to it are part of the hash (OE does this for do_package). */
  readonly sourceDateEpoch?: number;
  /** Files hashed at once (default 8). */
  readonly concurrency?: number;
}

const SMALL_FILE = 1 << 20;

/**
 * A sha256 that replaces every occurrence of the given byte strings while streaming. The last
 * (longest pattern - 1) bytes of each chunk are held back, since a match may straddle chunks.
 */
class ReplacingHasher {
  private carry: Buffer = Buffer.alloc(0);
  private readonly keep: number;
  size = 0;

  constructor(
    private readonly h: Hash,
    private readonly patterns: readonly { readonly from: Buffer; readonly to: Buffer }[],
  ) {
    this.keep = Math.max(0, ...patterns.map((p) => p.from.length - 1));
  }

  private emit(b: Buffer): void {
    this.h.update(b);
    this.size += b.length;
  }

  update(chunk: Buffer, final = false): void {
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const limit = final ? buf.length : buf.length - this.keep;
    let pos = 0;
    for (;;) {
      let best = -1;
      let which = -1;
      for (let i = 0; i < this.patterns.length; i++) {
        const at = buf.indexOf(this.patterns[i]!.from, pos);
        if (at < 0) continue;
        if (best < 0 || at < best || (at === best && this.patterns[i]!.from.length > this.patterns[which]!.from.length)) {
          best = at;
          which = i;
        }
      }
      if (best < 0 || best >= limit) break;
      this.emit(buf.subarray(pos, best));
      this.emit(this.patterns[which]!.to);
      pos = best + this.patterns[which]!.from.length;
    }
    const cut = Math.max(pos, limit);
    this.emit(buf.subarray(pos, cut));
    this.carry = Buffer.from(buf.subarray(cut));
  }

  finish(): void {
    this.update(Buffer.alloc(0), true);
  }
}

interface Patterns {
  readonly bytes: readonly { readonly from: Buffer; readonly to: Buffer }[];
  readonly strings: readonly { readonly from: string; readonly to: string }[];
}

function patternsOf(paths: readonly string[] | undefined): Patterns {
  const list = (paths ?? [])
    .map((p, i) => ({ from: p.replace(/\/+$/, ""), to: `<buildpath:${i}>` }))
    .filter((p) => p.from !== "")
    .sort((a, b) => b.from.length - a.from.length);
  return { strings: list, bytes: list.map((p) => ({ from: Buffer.from(p.from), to: Buffer.from(p.to) })) };
}

function replaceInString(s: string, p: Patterns): string {
  // Same rule as the byte version: leftmost match, longest pattern first at a position.
  let out = "";
  let pos = 0;
  outer: while (pos < s.length) {
    for (const { from, to } of p.strings)
      if (s.startsWith(from, pos)) {
        out += to;
        pos += from.length;
        continue outer;
      }
    out += s[pos];
    pos++;
  }
  return out;
}

async function hashContent(abs: string, size: number, p: Patterns | null): Promise<{ sha256: string; size: number }> {
  const h = createHash("sha256");
  if (p === null || p.bytes.length === 0) {
    if (size <= SMALL_FILE) h.update(await readFile(abs));
    else for await (const c of createReadStream(abs, { highWaterMark: SMALL_FILE })) h.update(c as Buffer);
    return { sha256: h.digest("hex"), size };
  }
  const r = new ReplacingHasher(h, p.bytes);
  if (size <= SMALL_FILE) r.update(await readFile(abs));
  else for await (const c of createReadStream(abs, { highWaterMark: SMALL_FILE })) r.update(c as Buffer);
  r.finish();
  return { sha256: h.digest("hex"), size: r.size };
}

const TYPE_CHAR: Record<WalkEntry["kind"], string> = { dir: "d", file: "-", symlink: "l", special: "?" };
const SPECIAL_CHAR = { fifo: "p", socket: "s", "char-device": "c", "block-device": "b" } as const;

function escapePath(s: string): string {
  // Keeps one entry per line whatever the file names contain.
  return s.replace(/[\x00-\x1f%\\]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/**
 * The manifest that is hashed, one line per entry in archive order:
 * `<type><mode> <mtime|-> <size|-> <sha256|-> <path>[ -> <target>]`, owners never included
 * (they are normalised to root in archives). Useful to diff two outputs that should be equal.
 */
export async function outHashManifest(outputs: readonly SstateOutput[], o: OutHashOptions): Promise<string> {
  const patterns = patternsOf(o.buildPaths);
  const sorted = [...outputs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const entries: { member: string; e: WalkEntry }[] = [];
  for (const out of sorted) for (const e of walkOutput(out.dir)) entries.push({ member: e.rel === "" ? out.name : `${out.name}/${e.rel}`, e });

  const contents = new Array<{ sha256: string; size: number } | null>(entries.length).fill(null);
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const i = next++;
      const { member, e } = entries[i]!;
      if (e.kind !== "file") continue;
      const p = o.normalizeContent?.(member) ? patterns : null;
      contents[i] = await hashContent(e.abs, e.size, p);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 8) }, worker));

  let text = `bake-outhash/2\nSSTATE_PKGSPEC=${escapePath(o.pkgSpec)}\ntask=${escapePath(o.task)}\n`;
  if (o.extraSigData) text += `extra=${escapePath(o.extraSigData)}\n`;
  for (let i = 0; i < entries.length; i++) {
    const { member, e } = entries[i]!;
    const type = e.kind === "special" ? SPECIAL_CHAR[e.what] : TYPE_CHAR[e.kind];
    const mode = e.mode.toString(8).padStart(4, "0");
    const mtime = o.sourceDateEpoch === undefined ? "-" : String(Math.min(e.mtime, Math.floor(o.sourceDateEpoch)));
    const c = contents[i];
    let line = `${type}${mode} ${mtime} ${c ? c.size : "-"} ${c ? c.sha256 : "-"} ${escapePath(member)}`;
    if (e.kind === "symlink") line += ` -> ${escapePath(replaceInString(e.target, patterns))}`;
    text += `${line}\n`;
  }
  return text;
}

export async function computeOutHash(outputs: readonly SstateOutput[], o: OutHashOptions): Promise<OutHash> {
  return asOutHash(createHash("sha256").update(await outHashManifest(outputs, o)).digest("hex"));
}
