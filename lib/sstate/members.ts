// Which archive members may be restored, and where. Pure: a virtual picture of the tree being
// extracted, so that the extractor never has to ask the filesystem (and so never follows a
// symlink that an archive planted).
import type { TarEntry } from "./tar.js";

export type UnsafeMemberReason =
  | "absolute-path"
  | "parent-reference"
  | "unknown-output"
  | "link-escapes"
  | "through-non-directory"
  | "special-file"
  | "unsupported-type"
  | "duplicate"
  | "bad-hardlink"
  | "missing-output";

export interface MemberProblem {
  readonly reason: UnsafeMemberReason;
  readonly member: string;
  readonly detail: string;
}

type Node = { readonly kind: "dir" } | { readonly kind: "file" } | { readonly kind: "symlink"; readonly target: string };

export type Admitted =
  | { readonly ok: true; readonly output: string; readonly rel: string; readonly createParents: readonly string[]; readonly linkTo?: string }
  | { readonly ok: false; readonly problem: MemberProblem };

const MAX_SYMLINK_HOPS = 40; // Linux's MAXSYMLINKS

function components(path: string): string[] {
  // "./a//b" style members from other tar writers are harmless; ".." never is.
  return path.split("/").filter((c) => c !== "" && c !== ".");
}

export class MemberPolicy {
  private readonly nodes = new Map<string, Node>();
  private readonly seenOutputs = new Set<string>();

  constructor(private readonly outputs: ReadonlySet<string>) {}

  private key(output: string, rel: string): string {
    return rel === "" ? output : `${output}/${rel}`;
  }

  admit(e: TarEntry): Admitted {
    const fail = (reason: UnsafeMemberReason, detail: string): Admitted => ({ ok: false, problem: { reason, member: e.path, detail } });
    if (e.path.startsWith("/")) return fail("absolute-path", "member path is absolute");
    const parts = components(e.path);
    if (parts.includes("..")) return fail("parent-reference", "member path contains '..'");
    if (parts.length === 0) return fail("absolute-path", "member path is empty");
    const output = parts[0]!;
    if (!this.outputs.has(output)) return fail("unknown-output", `'${output}' is not a declared output of this task`);
    this.seenOutputs.add(output);
    const rel = parts.slice(1).join("/");

    switch (e.type) {
      case "fifo":
      case "char-device":
      case "block-device":
        return fail("special-file", `${e.type} members are never restored`);
      case "other":
        return fail("unsupported-type", `unsupported tar type flag '${e.typeflag}'`);
      case "dir":
      case "file":
      case "symlink":
      case "hardlink":
        break;
    }
    if (rel === "" && e.type !== "dir") return fail("through-non-directory", "an output root must be a directory");

    // Every ancestor must be a directory this archive made (or one made implicitly for it).
    const createParents: string[] = [];
    for (let i = 0; i < parts.length - 2; i++) {
      const anc = parts.slice(1, i + 2).join("/");
      const n = this.nodes.get(this.key(output, anc));
      if (n === undefined) createParents.push(anc);
      else if (n.kind !== "dir") return fail("through-non-directory", `'${anc}' is a ${n.kind}, not a directory`);
    }
    const k = this.key(output, rel);
    const existing = this.nodes.get(k);
    if (existing !== undefined && !(existing.kind === "dir" && e.type === "dir"))
      return fail("duplicate", "member appears twice in the archive");

    let linkTo: string | undefined;
    if (e.type === "symlink") {
      if (e.linkname === "") return fail("link-escapes", "empty symlink target");
      if (e.linkname.startsWith("/")) return fail("link-escapes", `symlink to absolute path '${e.linkname}'`);
      // A first, lexical check; finish() repeats it through the symlinks of the whole tree.
      const from = parts.slice(1, -1);
      for (const c of components(e.linkname)) {
        if (c === "..") {
          if (from.length === 0) return fail("link-escapes", `symlink target '${e.linkname}' leaves output '${output}'`);
          from.pop();
        } else from.push(c);
      }
    } else if (e.type === "hardlink") {
      if (e.linkname.startsWith("/")) return fail("link-escapes", `hard link to absolute path '${e.linkname}'`);
      const lp = components(e.linkname);
      if (lp.includes("..")) return fail("link-escapes", `hard link target '${e.linkname}' contains '..'`);
      if (lp[0] !== output) return fail("link-escapes", `hard link target '${e.linkname}' is outside output '${output}'`);
      const target = this.nodes.get(lp.join("/"));
      if (target?.kind !== "file") return fail("bad-hardlink", `hard link target '${e.linkname}' is not an earlier regular file`);
      linkTo = lp.slice(1).join("/");
    }

    for (const p of createParents) this.nodes.set(this.key(output, p), { kind: "dir" });
    const node: Node =
      e.type === "dir" ? { kind: "dir" } : e.type === "symlink" ? { kind: "symlink", target: e.linkname } : { kind: "file" };
    this.nodes.set(k, node);
    return linkTo === undefined ? { ok: true, output, rel, createParents } : { ok: true, output, rel, createParents, linkTo };
  }

  /**
   * Once the whole tree is known: resolve every symlink the way the kernel would (through the
   * other symlinks of the archive), since `b -> .` plus `a -> b/../x` escapes although each
   * target looks harmless on its own. And every declared output must have been present.
   */
  finish(): MemberProblem | null {
    for (const o of this.outputs)
      if (!this.seenOutputs.has(o)) return { reason: "missing-output", member: o, detail: `archive has no members for output '${o}'` };
    for (const [k, n] of this.nodes) {
      if (n.kind !== "symlink") continue;
      const parts = k.split("/");
      const output = parts[0]!;
      if (!this.resolvesInside(output, parts.slice(1, -1), n.target))
        return { reason: "link-escapes", member: k, detail: `symlink target '${n.target}' resolves outside output '${output}'` };
    }
    return null;
  }

  private resolvesInside(output: string, dir: string[], target: string): boolean {
    const stack = [...dir];
    const pending = components(target).reverse();
    if (target.startsWith("/")) return false;
    let hops = 0;
    while (pending.length > 0) {
      const c = pending.pop()!;
      if (c === "..") {
        if (stack.length === 0) return false;
        stack.pop();
        continue;
      }
      stack.push(c);
      const n = this.nodes.get(`${output}/${stack.join("/")}`);
      if (n?.kind === "symlink") {
        // A loop is not an escape; the kernel gives ELOOP and so do we, harmlessly.
        if (++hops > MAX_SYMLINK_HOPS) return true;
        if (n.target.startsWith("/")) return false;
        stack.pop();
        pending.push(...components(n.target).reverse());
      }
    }
    return true;
  }
}
