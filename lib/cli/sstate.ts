// `bake sstate …` inside a build directory: the same SSTATE_DIR, keys and trust rules as that
// directory's builds (sstateSettings, trustPolicyOf), so verify accepts what a build accepts.
import { findTopdir } from "../config/index.js";
import { resolveSigningKey, sstateSettings, trustPolicyOf } from "../setscene/index.js";
import type { SstateBuildContext } from "../sstate/index.js";
import { loadConfiguration, passthroughVariables } from "./context.js";

/** null outside a build directory. The user's key is not created here: none yet, none trusted. */
export async function sstateBuildContext(cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<SstateBuildContext | null> {
  if (findTopdir(cwd) === null) return null;
  const config = await loadConfiguration({ cwd, vars: passthroughVariables(env) });
  const settings = sstateSettings((name) => config.metadata.d.getVar(name), env);
  const signingKey = resolveSigningKey(settings, false);
  return { topdir: config.topdir, sstateDir: settings.sstateDir, trust: trustPolicyOf(settings, signingKey), signingKey };
}
