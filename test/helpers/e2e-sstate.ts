// The shared state an e2e build directory uses: BAKE_E2E_SSTATE_DIR (default: one inside the build
// directory, so everything is built). ava gives tests their own XDG_CONFIG_HOME, hence their own
// signing key; objects the user's real builds wrote into a shared cache are signed with the
// user's key and would be refused, so that key (or BAKE_E2E_SSTATE_TRUSTED_KEYS) is trusted.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export function e2eSstateConf(build: string): string[] {
  const shared = process.env["BAKE_E2E_SSTATE_DIR"];
  if (!shared) return [`SSTATE_DIR = "${join(build, "sstate-cache")}"`];
  const ownKey = join(homedir(), ".config/bake/sstate-key/bake-user.pub");
  const trusted = process.env["BAKE_E2E_SSTATE_TRUSTED_KEYS"] ?? (existsSync(ownKey) ? ownKey : "");
  return [`SSTATE_DIR = "${shared}"`, ...(trusted ? [`SSTATE_TRUSTED_KEYS = "${trusted}"`] : [])];
}
