// The layer checks BitBake makes before parsing any recipe (LAYERDEPENDS, LAYERSERIES_COMPAT),
// run by the configuration loader on what conf/bblayers.conf now lists.
import { ConfigurationError, loadBuildConfiguration } from "../config/index.js";
import { ExpansionError, FatalError as DataFatalError } from "../data/index.js";
import { MetadataError } from "../parse/index.js";
import { error, say, warn, type SetupContext } from "./context.js";

/** True when every layer's dependencies and series compatibility hold; problems are reported as errors. */
export function checkLayerSet(ctx: SetupContext): boolean {
  try {
    const config = loadBuildConfiguration({ topdir: ctx.topdir, layersOnly: true });
    for (const w of config.warnings) warn(ctx, w);
    say(ctx, `layers checked (LAYERDEPENDS, LAYERSERIES_COMPAT): ${config.layers.map((l) => l.name).join(", ")}`);
    return true;
  } catch (err) {
    let message: string;
    if (err instanceof ConfigurationError || err instanceof ExpansionError || err instanceof DataFatalError) message = err.message;
    else if (err instanceof MetadataError) message = err.format();
    else throw err;
    error(ctx, message);
    return false;
  }
}
