// Keeping a cache directory of files within a byte limit, as ccache does: past the limit the least
// recently used files go (by mtime, which a reader moves when it uses one), down to nine tenths of
// the limit so that the next few writes do not each trigger a cut.
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

/** Removes the least recently used files of `dir` (not its subdirectories) while they hold more than `limit` bytes. */
export function trimToSize(dir: string, limit: number): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // No cache yet.
  }
  const files = names.flatMap((name) => {
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    return st?.isFile() ? [{ path, size: st.size, used: st.mtimeMs }] : [];
  });
  let total = files.reduce((sum, f) => sum + f.size, 0);
  if (total <= limit) return;
  files.sort((a, b) => a.used - b.used);
  for (const f of files) {
    if (total <= limit * 0.9) break;
    rmSync(f.path, { force: true });
    total -= f.size;
  }
}
