// conf/bblayers.conf, rewritten by `bake layers fetch`: only the block between the markers is
// bake's; whatever a user wrote around it (BBPATH, a `BBLAYERS += "..."` of their own) is kept.
import { BblayersConfError } from "./errors.js";

export const BLOCK_BEGIN = "# >>> bake layers: generated from layers/layers.json by `bake layers fetch`; edit that file, not this block";
export const BLOCK_END = "# <<< bake layers";

const BEGIN_PREFIX = "# >>> bake layers";

const DEFAULT_HEADER = `# The layers of this build. \`bake layers fetch\` rewrites the block between the markers;
# lines outside it are yours (add a layer of your own below it with BBLAYERS += "...").
BBPATH = "\${TOPDIR}"
BBFILES ?= ""
`;

export function renderBblayersBlock(entries: readonly string[]): string {
  // A plain `=` so that an earlier hand-written BBLAYERS cannot hide the fetched layers.
  return [BLOCK_BEGIN, 'BBLAYERS = " \\', ...entries.map((e) => `    ${e} \\`), '    "', BLOCK_END].join("\n") + "\n";
}

interface Span {
  readonly start: number;
  readonly end: number;
}

/** The generated block in `text`, from its first marker to the end of the line of its last. */
function findBlock(text: string, file: string): Span | null {
  const begin = new RegExp(`^${escape(BEGIN_PREFIX)}.*$`, "m").exec(text);
  const end = new RegExp(`^${escape(BLOCK_END)}[ \\t]*$`, "m").exec(text);
  if (begin === null && end === null) return null;
  if (begin === null || end === null || end.index < begin.index) {
    throw new BblayersConfError(
      file,
      `the generated block is damaged (its "${begin === null ? BEGIN_PREFIX : BLOCK_END}" marker line is missing or out of order): ` +
        "remove what is left of it and run `bake layers fetch` again",
    );
  }
  return { start: begin.index, end: lineEnd(text, end.index + end[0].length) };
}

/**
 * The first plain assignment of BBLAYERS (`=`, `?=`, `??=`, `:=`) in a file without markers, up to
 * its closing quote: in a hand-written bblayers.conf that is the list the block takes over.
 */
function findBblayersAssignment(text: string): Span | null {
  const head = /^[ \t]*BBLAYERS[ \t]*(?:\?\?=|\?=|:=|=)[ \t]*(["'])/m.exec(text);
  if (head === null) return null;
  const quote = head[1]!;
  for (let i = head.index + head[0].length; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === quote) return { start: head.index, end: lineEnd(text, i + 1) };
  }
  return null;
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf("\n", from);
  return nl === -1 ? text.length : nl + 1;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * conf/bblayers.conf with the generated block for `entries`: replaces the block if present, else
 * the first plain BBLAYERS assignment, else appends it; `existing` null gives a whole new file.
 */
export function renderBblayersConf(existing: string | null, entries: readonly string[], file = "conf/bblayers.conf"): string {
  const block = renderBblayersBlock(entries);
  if (existing === null) return `${DEFAULT_HEADER}\n${block}`;
  const span = findBlock(existing, file) ?? findBblayersAssignment(existing);
  if (span === null) return `${existing}${existing === "" || existing.endsWith("\n") ? "" : "\n"}\n${block}`;
  return existing.slice(0, span.start) + block + existing.slice(span.end);
}
