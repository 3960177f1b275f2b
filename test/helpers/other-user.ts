// Tests that drop from root to user nobody (uid 65534) need the checkout readable by that user: a
// clone under a private directory (mktemp -d makes it 0700) is not, and such a test then either
// falls back to what it does without root or is skipped, instead of failing on "Cannot find module".
import { spawnSync } from "node:child_process";

export const NOBODY_UID = 65534;

/** Whether user nobody can read `file` (false when not root: there is no one to drop to). */
export function nobodyCanRead(file: string): boolean {
  if (process.getuid?.() !== 0) return false;
  const r = spawnSync("setpriv", [`--reuid=${NOBODY_UID}`, `--regid=${NOBODY_UID}`, "--clear-groups", "test", "-r", file]);
  return r.status === 0;
}
