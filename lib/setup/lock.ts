// `bake layers lock`: the revision each checkout is at now, recorded in layers/layers.lock.json.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { error, readLayersFile, readLockFile, say, warn, writeAtomically, type SetupContext } from "./context.js";
import { isOnRemoteBranch } from "./git.js";
import { inspectCheckout } from "./inspect.js";
import { planFetch, short } from "./plan.js";
import { LOCK_FILE, renderLockFile, type LockEntry } from "./schema.js";

export async function lockLayers(ctx: SetupContext): Promise<number> {
  const file = readLayersFile(ctx);
  const old = readLockFile(ctx);
  const layers: Record<string, LockEntry> = {};
  const problems: string[] = [];
  for (const step of planFetch(file, old)) {
    if (step.kind === "path") {
      say(ctx, `${step.repo.name}: a path layer, not locked`);
      continue;
    }
    const checkout = await inspectCheckout(ctx, step);
    if (checkout.kind !== "present") {
      problems.push(`layer ${step.repo.name}: ${step.dir} is ${checkout.kind === "missing" ? "not fetched" : "not a git checkout"}: run \`bake layers fetch\` first`);
      continue;
    }
    const { head } = checkout;
    if (checkout.changes.length > 0) {
      warn(ctx, `${step.repo.name}: ${step.dir} has local changes (${checkout.changes.length} paths) that the lock cannot record: commit them`);
    }
    if (!(await isOnRemoteBranch(ctx.git, join(ctx.topdir, step.dir), head))) {
      warn(ctx, `${step.repo.name}: ${short(head)} is on no branch of the remote: push it, or others cannot fetch what the lock names`);
    }
    layers[step.repo.name] = { url: step.repo.url, branch: step.repo.branch, pin: step.repo.revision, revision: head };
    const before = old?.layers[step.repo.name]?.revision;
    say(ctx, `${step.repo.name}: ${before === head ? "unchanged at" : "locked at"} ${short(head)}${before && before !== head ? ` (was ${short(before)})` : ""}`);
  }
  if (problems.length > 0) {
    for (const p of problems) error(ctx, p);
    error(ctx, `${LOCK_FILE} not written`);
    return 1;
  }
  await mkdir(join(ctx.topdir, "layers"), { recursive: true });
  await writeAtomically(join(ctx.topdir, LOCK_FILE), renderLockFile({ version: 1, layers }));
  say(ctx, `${LOCK_FILE}: written`);
  return 0;
}
