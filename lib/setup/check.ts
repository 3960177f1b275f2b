// The layer checks BitBake makes before parsing any recipe (LAYERDEPENDS, LAYERSERIES_COMPAT),
// run by the configuration loader on what conf/bblayers.conf now lists.
import { loadBuildConfiguration } from "../config/index.js";
import { isBakeError } from "../common/errors.js";
import { say, warn, type SetupContext } from "./context.js";

/** True when every layer's dependencies and series compatibility hold; problems are reported as errors. */
export function checkLayerSet(ctx: SetupContext): boolean {
  try {
    const config = loadBuildConfiguration({ topdir: ctx.topdir, layersOnly: true });
    for (const w of config.warnings) warn(ctx, w);
    say(ctx, `layers checked (LAYERDEPENDS, LAYERSERIES_COMPAT): ${config.layers.map((l) => l.name).join(", ")}`);
    return true;
  } catch (err) {
    if (!isBakeError(err)) throw err;
    ctx.report({ level: "failure", error: err });
    return false;
  }
}
