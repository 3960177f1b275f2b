// Version comparison as BitBake's bb.utils.vercmp: numbers compare as numbers, letters as text,
// `~` sorts before anything (pre-releases), other characters after.

type Part = readonly [order: number, value: number | string | null];

function explode(version: string): Part[] {
  const parts: Part[] = [];
  let s = version;
  while (s !== "") {
    const num = /^(\d+)/.exec(s);
    if (num) {
      parts.push([0, Number(num[1])]);
      s = s.slice(num[1]!.length);
      continue;
    }
    const alpha = /^([a-zA-Z]+)/.exec(s);
    if (alpha) {
      parts.push([1, alpha[1]!]);
      s = s.slice(alpha[1]!.length);
      continue;
    }
    parts.push([s[0] === "~" ? -1 : 2, s[0]!]);
    s = s.slice(1);
  }
  return parts;
}

function comparePart(a: string, b: string): number {
  const va = explode(a);
  const vb = explode(b);
  for (let i = 0; ; i++) {
    const [oa, ca] = va[i] ?? [0, null];
    const [ob, cb] = vb[i] ?? [0, null];
    if (ca === null && cb === null && oa === 0 && ob === 0) return 0;
    if (oa !== ob) return oa < ob ? -1 : 1;
    if (ca === null) return -1;
    if (cb === null) return 1;
    if (ca !== cb) return ca < cb ? -1 : 1;
  }
}

export interface Version {
  readonly epoch: number;
  readonly version: string;
  readonly revision: string;
}

/** `PE:PV-PR` as bb.utils.split_version. */
export function splitVersion(text: string): Version {
  let s = text.replace(/^[ <>=]+|[ <>=]+$/g, "");
  let epoch = 0;
  if (s.includes(":")) {
    epoch = Number(s.split(":")[0]);
    s = s.split(":")[1]!;
  }
  let revision = "";
  const dash = s.lastIndexOf("-");
  if (dash >= 0) {
    revision = s.slice(dash + 1);
    s = s.slice(0, dash);
  }
  return { epoch, version: s, revision };
}

export function compareVersions(a: Version, b: Version): number {
  return a.epoch - b.epoch || comparePart(a.version, b.version) || comparePart(a.revision, b.revision);
}

export function compareVersionStrings(a: string, b: string): number {
  return compareVersions(splitVersion(a), splitVersion(b));
}

/** `op` one of = == < <= > >= (and the << >> =< => spellings deb/rpm use). */
export function versionSatisfies(actual: string, op: string, wanted: string): boolean {
  const c = compareVersionStrings(actual, wanted);
  switch (op) {
    case "=":
    case "==":
      return c === 0;
    case "<":
    case "<<":
      return c < 0;
    case "<=":
    case "=<":
      return c <= 0;
    case ">":
    case ">>":
      return c > 0;
    case ">=":
    case "=>":
      return c >= 0;
    case "!=":
      return c !== 0;
    default:
      throw new Error(`unknown version comparison '${op}'`);
  }
}

export interface VersionedName {
  readonly name: string;
  readonly constraint: { readonly op: string; readonly version: string } | null;
}

/** `a (>= 1.0) b c (= 2)`, as bb.utils.explode_dep_versions2 (one constraint per name kept). */
export function parseVersionedList(text: string): VersionedName[] {
  const out: VersionedName[] = [];
  const re = /([^\s(),]+)(?:\s*\(\s*(<=|=<|<<|==|!=|>=|=>|>>|<|>|=)\s*([^)\s]+)\s*\))?/g;
  for (const m of text.replace(/,/g, " ").matchAll(re)) {
    out.push({ name: m[1]!, constraint: m[2] ? { op: m[2], version: m[3]! } : null });
  }
  return out;
}
