// PREMIRRORS, MIRRORS and SSTATE_MIRRORS: whitespace-separated `find replace` pairs, split as
// BitBake's fetch2.mirror_from_string does for all three. A literal `\n` counts as whitespace
// (conf files end each pair with one: `file://.* http://host/PATH \n`); an odd entry at the end
// is warned about and ignored, not an error.
//
// What `find` and `replace` mean is the user's business: fetch/mirrors.ts rewrites source URLs
// with them, sstate/store.ts object paths.

export interface MirrorPair {
  readonly find: string;
  readonly replace: string;
}

export function parseMirrorList(variable: string, value: string | null, warn?: (message: string) => void): MirrorPair[] {
  const words = (value ?? "").replaceAll("\\n", " ").split(/\s+/).filter((w) => w !== "");
  if (words.length % 2 !== 0) warn?.(`${variable}: invalid mirror data '${value}': entries must come in pairs; the last one, '${words.at(-1)}', is ignored`);
  const pairs: MirrorPair[] = [];
  for (let i = 0; i + 1 < words.length; i += 2) pairs.push({ find: words[i]!, replace: words[i + 1]! });
  return pairs;
}
