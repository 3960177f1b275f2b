// The commit a metadata checkout is at (OE's oe.buildcfg.get_metadata_git_revision), read from
// the repository's files rather than by running git: parsing must stay cheap and must not depend
// on a git binary. Every file read or looked for is reported, so the parse cache can key on them
// (a commit moves a ref file, so the recipes that use the revision are parsed again).
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

function read(path: string, looked: (path: string) => void): string | null {
  looked(path);
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** The `.git` of the checkout holding `start`, searching upwards, or null. */
function findGitDir(start: string, looked: (path: string) => void): string | null {
  let dir = resolve(start);
  for (;;) {
    const dotGit = join(dir, ".git");
    looked(dotGit);
    if (existsSync(dotGit)) {
      if (statSync(dotGit).isDirectory()) return dotGit;
      // A worktree or submodule: `.git` is a file naming the real one.
      const m = /^gitdir:\s*(.+?)\s*$/m.exec(read(dotGit, looked) ?? "");
      return m ? resolve(dir, m[1]!) : null;
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** The full commit hash HEAD points at in the checkout holding `path`, or null. */
export function gitRevision(path: string, looked: (path: string) => void = () => {}): string | null {
  const head = gitHead(path, looked);
  return head === null || head === "unread" ? null : head.commit;
}

/**
 * HEAD of the checkout holding `path`: the branch it is on (`git rev-parse --abbrev-ref HEAD`:
 * the branch's short name, "HEAD" when detached) and its commit; null outside a repository;
 * "unread" where the repository's files do not say (refs kept in a way not read here).
 */
export function gitHead(path: string, looked: (path: string) => void = () => {}): { branch: string; commit: string } | "unread" | null {
  const gitDir = findGitDir(path, looked);
  if (gitDir === null) return null;
  const head = read(join(gitDir, "HEAD"), looked)?.trim();
  if (!head) return "unread";
  if (/^[0-9a-f]{40,64}$/.test(head)) return { branch: "HEAD", commit: head };
  const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
  if (!ref) return "unread";
  const branch = ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : ref;
  // Refs live in the common directory of a worktree's repository.
  const common = read(join(gitDir, "commondir"), looked)?.trim();
  const refsDir = common ? resolve(gitDir, common) : gitDir;
  for (const dir of new Set([gitDir, refsDir])) {
    const loose = read(join(dir, ref), looked)?.trim();
    if (loose && /^[0-9a-f]{40,64}$/.test(loose)) return { branch, commit: loose };
  }
  const packed = read(join(refsDir, "packed-refs"), looked) ?? "";
  for (const line of packed.split("\n")) {
    const [hash, name] = line.trim().split(/\s+/);
    if (name === ref && hash && /^[0-9a-f]{40,64}$/.test(hash)) return { branch, commit: hash };
  }
  return "unread";
}
