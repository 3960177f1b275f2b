// `bake layers status`: what differs from the lock (or, for a repository the lock does not
// cover, from layers.json): other revisions, local changes, unfetched layers, a stale bblayers.conf.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { renderBblayersConf } from "./bblayers.js";
import { checkLayerSet } from "./check.js";
import { readLayersFile, readLockFile, say, type SetupContext } from "./context.js";
import { remoteUrl } from "./fetch.js";
import { inspectCheckout, type Checkout } from "./inspect.js";
import { bblayersEntries, planFetch, shippedLayerEntries, short, type GitStep } from "./plan.js";

const SHOWN_CHANGES = 10;

/** How a checkout differs from what fetch would make of it; empty when it matches. */
export function checkoutDifferences(step: GitStep, checkout: Checkout, url: string): string[] {
  if (checkout.kind === "missing") return [`${step.dir} is not fetched`];
  if (checkout.kind === "not-git") return [`${step.dir} is not a git checkout`];
  const out: string[] = [];
  const { target } = step;
  if (step.staleLock !== null) out.push(`layers.json changed since the lock: ${step.staleLock}`);
  // A pinned revision is already exact; only a repository that follows a branch needs the lock.
  else if (target.kind === "branch") out.push(`follows branch ${target.branch} and is not locked: run \`bake layers lock\``);
  if (target.kind !== "branch" && checkout.head !== target.revision) {
    out.push(`at ${short(checkout.head)}, ${target.kind === "lock" ? "the lock has" : "layers.json pins"} ${short(target.revision)}`);
  }
  if (checkout.changes.length > 0) {
    out.push(`local changes (${checkout.changes.length} paths):`);
    for (const line of checkout.changes.slice(0, SHOWN_CHANGES)) out.push(`  ${line}`);
    if (checkout.changes.length > SHOWN_CHANGES) out.push(`  … and ${checkout.changes.length - SHOWN_CHANGES} more`);
  }
  if (checkout.originUrl !== url) out.push(`its origin is ${checkout.originUrl ?? "not set"}, layers.json says ${step.repo.url}`);
  for (const sub of checkout.missingSublayers) out.push(`sub-layer ${sub} has no conf/layer.conf`);
  return out;
}

export async function layersStatus(ctx: SetupContext): Promise<number> {
  const file = readLayersFile(ctx);
  const lock = readLockFile(ctx);
  let differs = false;
  for (const step of planFetch(file, lock)) {
    if (step.kind === "path") {
      const there = existsSync(resolve(ctx.topdir, step.dir));
      say(ctx, `${step.repo.name}: ${there ? "" : "MISSING, "}a path layer (${step.dir}), not locked`);
      differs ||= !there;
      continue;
    }
    const checkout = await inspectCheckout(ctx, step);
    const diffs = checkoutDifferences(step, checkout, remoteUrl(ctx.topdir, step.repo.url));
    if (diffs.length === 0 && checkout.kind === "present") {
      say(ctx, `${step.repo.name}: at ${short(checkout.head)}, as ${step.target.kind === "lock" ? "locked" : "pinned"}`);
      continue;
    }
    differs = true;
    say(ctx, `${step.repo.name}: DIFFERS${checkout.kind === "present" ? ` (at ${short(checkout.head)})` : ""}`);
    for (const d of diffs) say(ctx, `  ${d}`);
  }
  for (const name of Object.keys(lock?.layers ?? {}).sort()) {
    if (!file.layers.some((r) => r.name === name && r.kind === "git")) {
      differs = true;
      say(ctx, `${name}: DIFFERS\n  in the lock, but layers.json no longer lists it as a url layer: run \`bake layers lock\``);
    }
  }
  const bblayers = join(ctx.topdir, "conf", "bblayers.conf");
  const existing = existsSync(bblayers) ? readFileSync(bblayers, "utf8") : null;
  const entries = bblayersEntries(file, shippedLayerEntries(ctx.topdir, ctx.shippedRoot));
  if (existing === null || renderBblayersConf(existing, entries) !== existing) {
    differs = true;
    say(ctx, `conf/bblayers.conf: ${existing === null ? "MISSING" : "DIFFERS from layers.json"}: run \`bake layers fetch\``);
  }
  const checked = existing === null || checkLayerSet(ctx);
  return differs || !checked ? 1 : 0;
}
