// `bake sstate …`: the commands live in lib/sstate; this gives them the build directory's shared
// state (its SSTATE_DIR and what its builds trust) for the ones that default to it (push).
import { runSstateCommand } from "../sstate/index.js";
import { resolveSigningKey, sstateSettings, trustPolicyOf } from "../run/index.js";
import { loadConfiguration } from "./context.js";
import { passthroughVariables } from "./options.js";

export async function sstateCommand(argv: readonly string[], cwd: string): Promise<number> {
  return runSstateCommand(argv, {
    out: (l) => void process.stdout.write(`${l}\n`),
    err: (l) => void process.stderr.write(`${l}\n`),
    env: process.env,
    cwd,
    build: async () => {
      const d = (await loadConfiguration({ cwd, vars: passthroughVariables(process.env) })).metadata.d;
      const s = sstateSettings((name) => d.getVar(name));
      return { sstateDir: s.sstateDir, trust: trustPolicyOf(s, resolveSigningKey(s)) };
    },
  });
}
