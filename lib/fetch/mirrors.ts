// PREMIRRORS and MIRRORS with BitBake's rewrite rules (fetch2 uri_replace), on the pairs
// common/mirror-list.ts parses. `find` is a URL whose components are regexes matched at the start of the corresponding
// component of the source URL (the scheme is anchored at the end too, so `http` never turns
// `https` into `httpss`); `replace` may use TYPE, HOST, PATH, BASENAME and MIRRORNAME.
// Every rewritten URL is itself matched against the remaining rules (mirrors of mirrors).

import type { MirrorPair } from "../common/mirror-list.js";
import { basename, decodeUriParts, type UriParts } from "./uri.js";

/** The URL being mirrored, as the rewrite needs to see it. */
export interface MirrorSubject {
  readonly url: string;
  /** File name in DL_DIR when the fetcher verifies checksums (so a mirror must use the same name). */
  readonly localBasename: string | null;
  /** For sources that are not files (git), the tarballs a mirror may hold instead. */
  readonly mirrorTarballs: readonly string[];
}

/** Every mirror URL for `subject` under `rules`, in the order BitBake would try them. */
export function mirrorCandidates(subject: MirrorSubject, rules: readonly MirrorPair[]): string[] {
  const origin = decodeUriParts(subject.url);
  const replacements: ReadonlyArray<readonly [string, string]> = [
    ["TYPE", origin.scheme],
    ["HOST", origin.host],
    ["PATH", origin.path],
    ["BASENAME", origin.path.split("/").at(-1) ?? ""],
    ["MIRRORNAME", origin.host.replaceAll(":", ".") + origin.path.replaceAll("/", ".").replaceAll("*", ".")],
  ];
  const tarballs: readonly (string | null)[] = subject.mirrorTarballs.length > 0 ? subject.mirrorTarballs : [null];
  const found: string[] = [];

  const visit = (url: string, localBasename: string | null, remaining: readonly MirrorPair[]): void => {
    for (const rule of remaining) {
      for (const tarball of tarballs) {
        let next: string | null;
        try {
          next = uriReplace(url, localBasename, rule, replacements, tarball);
        } catch {
          continue; // a malformed rule or URL matches nothing
        }
        if (next === null || found.includes(next) || next === subject.url) continue;
        found.push(next);
        // Without the rule just used, so A -> B -> A cannot loop.
        const nextParts = decodeUriParts(next);
        const nextBasename = fileLike(nextParts.scheme) ? basename(nextParts.path) : null;
        visit(next, nextBasename, remaining.filter((r) => r !== rule));
      }
    }
  };
  visit(subject.url, subject.localBasename, rules);
  return found;
}

function fileLike(scheme: string): boolean {
  return ["http", "https", "ftp", "file", "apt"].includes(scheme);
}

/** One rewrite of `url` by `rule`, or null when the rule does not match. */
export function uriReplace(
  url: string,
  localBasename: string | null,
  rule: MirrorPair,
  replacements: ReadonlyArray<readonly [string, string]>,
  mirrorTarball: string | null,
): string | null {
  const src = decodeUriParts(url);
  const find = decodeUriParts(rule.find);
  const repl = decodeUriParts(rule.replace);
  const subst = (s: string): string => replacements.reduce((acc, [k, v]) => acc.replaceAll(k, v), s);

  const components = ["scheme", "host", "path"] as const;
  const out: { scheme: string; host: string; path: string; user: string; password: string } = {
    scheme: src.scheme,
    host: src.host,
    path: src.path,
    user: "",
    password: "",
  };
  let srcParams: Readonly<Record<string, string>> = src.params;
  let findParams: Readonly<Record<string, string>> = find.params;

  for (const key of components) {
    let pattern = find[key];
    if (key === "scheme" && pattern !== "" && !pattern.endsWith("$")) pattern += "$";
    const m = matchAtStart(pattern, src[key]);
    if (m === null) return null;
    out[key] = repl[key] === "" ? "" : expandTemplate(subst(repl[key]), m) + src[key].slice(m[0].length);

    if (key === "path") {
      let base: string | null = null;
      if (src.scheme !== repl.scheme && mirrorTarball !== null) {
        // A different scheme means the mirror holds a tarball of the source; parameters of
        // the source (branch=, protocol=…) mean nothing for that file.
        base = basename(mirrorTarball);
        srcParams = {};
        findParams = {};
      } else if (localBasename !== null) {
        base = localBasename;
      }
      if (base !== null) {
        const srcBase = basename(src.path);
        const path = "/" + out.path;
        if (srcBase !== "" && base !== srcBase && path.endsWith("/" + srcBase)) {
          out.path = path.slice(1, path.length - srcBase.length) + base;
        } else if (!path.endsWith("/" + base)) {
          out.path = joinPath(path.slice(1), base);
        }
      }
    }
  }
  for (const key of ["user", "password"] as const) {
    if (repl[key] !== "") {
      out[key] = repl[key];
      continue;
    }
    if (matchAtStart(find[key], src[key]) === null) return null;
    out[key] = "";
  }

  for (const [k, v] of Object.entries(findParams)) {
    if (srcParams[k] !== v) return null;
  }
  const params: Record<string, string> = { ...srcParams };
  for (const [k, v] of Object.entries(repl.params)) params[k] = subst(v);

  const result = encodeUri({ ...out, params });
  return result === url ? null : result;
}

function joinPath(dir: string, name: string): string {
  if (dir === "") return name;
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

/** Python's re.match: a match anchored at the start only. Python `(?P<n>` groups are accepted. */
function matchAtStart(pattern: string, text: string): RegExpExecArray | null {
  const re = new RegExp(pattern.replaceAll("(?P<", "(?<"), "y");
  re.lastIndex = 0;
  return re.exec(text);
}

/** Python re.sub template: `\1`, `\g<1>`, `\g<name>`, `\\`. */
function expandTemplate(template: string, m: RegExpExecArray): string {
  return template.replace(/\\(?:(\d{1,2})|g<([^>]+)>|(.))/g, (_all, num: string | undefined, g: string | undefined, other: string | undefined) => {
    if (num !== undefined) return m[Number(num)] ?? "";
    if (g !== undefined) return (/^\d+$/.test(g) ? m[Number(g)] : m.groups?.[g]) ?? "";
    if (other === "n") return "\n";
    if (other === "t") return "\t";
    return other === "\\" ? "\\" : `\\${other}`;
  });
}

export function encodeUri(parts: UriParts): string {
  const isFile = parts.scheme === "file";
  let userInfo = "";
  if (parts.user && !isFile) userInfo = (parts.password ? `${parts.user}:${parts.password}` : parts.user) + "@";
  const host = parts.host && !isFile ? parts.host : "";
  let path = parts.path;
  while (path.includes("//")) path = path.replaceAll("//", "/");
  const params = Object.entries(parts.params)
    .map(([k, v]) => `;${k}=${v}`)
    .join("");
  return `${parts.scheme}://${userInfo}${host}${quotePath(path)}${params}`;
}

/** Python's urllib.parse.quote with safe='/'. */
function quotePath(path: string): string {
  return Array.from(new TextEncoder().encode(path))
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9_.\-~/]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
}
