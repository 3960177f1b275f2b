// The state of one layer checkout as it is now, for `lock` and `status`.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { SetupContext } from "./context.js";
import { localChanges, resolveCommit } from "./git.js";
import type { GitStep } from "./plan.js";
import type { CommitId } from "./schema.js";

export type Checkout =
  | { readonly kind: "missing" }
  | { readonly kind: "not-git" }
  | {
      readonly kind: "present";
      readonly head: CommitId;
      /** `git status --porcelain` lines. */
      readonly changes: readonly string[];
      readonly originUrl: string | null;
      /** Listed sub-layers without a conf/layer.conf. */
      readonly missingSublayers: readonly string[];
    };

export async function inspectCheckout(ctx: SetupContext, step: GitStep): Promise<Checkout> {
  const dir = join(ctx.topdir, step.dir);
  if (!existsSync(dir)) return { kind: "missing" };
  const head = await resolveCommit(ctx.git, dir, "HEAD");
  const top = await ctx.git.run(["rev-parse", "--show-prefix"], dir);
  // A prefix means dir is inside some other repository (the product's own), not a checkout of its own.
  if (head === null || top.code !== 0 || top.stdout.trim() !== "") return { kind: "not-git" };
  const origin = await ctx.git.run(["remote", "get-url", "origin"], dir);
  return {
    kind: "present",
    head,
    changes: await localChanges(ctx.git, dir),
    originUrl: origin.code === 0 ? origin.stdout.trim() : null,
    missingSublayers: step.repo.sublayers.filter((s) => !existsSync(join(dir, s, "conf", "layer.conf"))),
  };
}
